"""Smoke test of demos/spiral.py at a small size: it runs, reports its claims per seed (also as
JSON), its dead counts agree with the engine's backward, and it draws both pictures."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

DEMOS = Path(__file__).resolve().parent.parent / "demos"


def load_spiral() -> ModuleType:
    """Import demos/spiral.py, registered in sys.modules: its worker processes receive the
    training function by reference (module name and function name), as pickle sends functions."""
    if str(DEMOS) not in sys.path:
        sys.path.insert(0, str(DEMOS))
    spec = importlib.util.spec_from_file_location("demo_spiral", DEMOS / "spiral.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


SMALL = ["--points", "8", "--hidden", "6", "--steps", "12", "--lrs", "0.3", "6"]


def test_the_spiral_demo_reports_its_claims_per_seed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demo = load_spiral()
    r = demo.main([*SMALL, "--seeds", "2", "--first-seed", "5", "--jobs", "2", "--out", str(tmp_path),
                   "--json", str(tmp_path / "claims.json")])  # fmt: skip
    printed = capsys.readouterr().out
    assert r["seeds"] == [5, 6] and r["lrs"] == [0.3, 6.0]
    assert len(r["runs"]) == 2 * 2 + 2 * 2  # ReLU at each lr, Leaky ReLU and PReLU at the smallest, per seed
    doc = json.loads((tmp_path / "claims.json").read_text())
    assert doc == {"demo": "spiral", "claims": r["claims"]}
    assert [c["id"] for c in doc["claims"]] == ["fits", "dead-rises-with-lr", "as-much-as-40-percent"]
    for c in doc["claims"]:
        assert c["seeds"] == [5, 6] and c["of"] == 2 and 0 <= c["held"] <= 2
        assert f"holds on {c['held']} of 2 seeds" in printed
        assert all(Path(f).parent == tmp_path for f in c["figures"])
    relu = [run for run in r["runs"] if run["activation"] == "relu"]
    assert all(run["dead"] == run["no_gradient"] for run in relu)  # the backward check holds
    assert any(run["dead"] > 0 for run in relu)  # lr 6 kills units even at this size
    assert "as much as 40%" in printed
    for path in r["pictures"]:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_run_is_the_same_in_a_worker_process_and_here() -> None:
    demo = load_spiral()
    job = ("prelu", 0.3, 1, 8, 6, 12)
    inline = demo.train(job)
    pooled = demo.run_all([job], workers=2)[0]
    inline.pop("cpu_seconds")
    pooled.pop("cpu_seconds")
    assert inline == pooled


def test_help_exits_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        load_spiral().main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "--seeds" in text and "--first-seed" in text and "--json" in text
