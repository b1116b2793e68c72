"""Smoke tests: every demo runs with small sizes, and its key measured claim holds.

Each demo is imported from demos/ and its `main(argv)` called with small sizes and
`--out tmp_path`; the returned measurements are checked, and its pictures must exist
(SVGs must parse as XML). matplotlib comes with the `test` extra, so these never skip."""

from __future__ import annotations

import importlib.util
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

DEMOS = Path(__file__).resolve().parent.parent / "demos"


def load(name: str) -> ModuleType:
    """Import demos/<name>.py (demos import `_common` from their own folder)."""
    if str(DEMOS) not in sys.path:
        sys.path.insert(0, str(DEMOS))
    spec = importlib.util.spec_from_file_location(f"demo_{name}", DEMOS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_pictures(result: dict, out: Path) -> list[ET.Element]:
    """Every picture the demo reports is in `out`, non-empty; SVGs are parsed."""
    roots = []
    assert result["pictures"]
    for path in result["pictures"]:
        path = Path(path)
        assert path.parent == out
        assert path.stat().st_size > 0, path
        if path.suffix == ".svg":
            roots.append(ET.parse(path).getroot())
        elif path.suffix == ".png":
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return roots


def svg_classes(root: ET.Element) -> list[str]:
    return [el.get("class", "") for el in root.iter()]


def test_neuron(tmp_path: Path) -> None:
    r = load("neuron").main(["--out", str(tmp_path)])
    assert r["active"]["z"] > 0 and r["dead"]["z"] < 0 and r["leaky"]["z"] < 0
    assert r["active"]["grads"] == r["active"]["linear_grads"] == [1.0, -2.0, 0.5]  # = X: README's neuron
    assert r["dead"]["grads"] == [0.0, 0.0, 0.0]
    assert r["leaky"]["grads"] == pytest.approx([0.01 * g for g in r["leaky"]["linear_grads"]], rel=1e-12)
    active_svg, dead_svg, leaky_svg = check_pictures(r, tmp_path)
    assert "node blocked" not in svg_classes(active_svg)
    assert svg_classes(dead_svg).count("node blocked") == 1
    assert svg_classes(leaky_svg).count("node blocked") == 0


def test_dead_neurons(tmp_path: Path) -> None:
    demo = load("dead_neurons")
    r = demo.main(["--points", "40", "--steps", "10", "--out", str(tmp_path)])
    relu, leaky = r["relu"], r["leaky_relu"]
    assert relu["dead"] > 0
    assert relu["zero_gradient"] >= relu["dead"]  # a dead ReLU gets no gradient from any input
    # Leaky ReLU: every hidden neuron gets a nonzero gradient from some input, measured here
    # directly with the engine's backward (independently of diagnostics.gradient_reach).
    model, X = leaky["model"], demo.make_moons(n=40, noise=0.1, seed=0)[0]
    reached = set()
    for x in X:
        model.zero_grad()
        model(x).backward()
        for li, layer in enumerate(model.layers[:-1]):
            reached |= {(li, ni) for ni, n in enumerate(layer.neurons) if n.b.grad != 0.0}
    hidden = [(li, ni) for li, layer in enumerate(model.layers[:-1]) for ni in range(len(layer.neurons))]
    assert reached == set(hidden)
    assert leaky["zero_gradient"] == 0
    svgs = check_pictures(r, tmp_path)
    relu_after = svgs[1]
    assert svg_classes(relu_after).count("node neuron dead") == relu["dead"]


def test_no_activation(tmp_path: Path) -> None:
    r = load("no_activation").main(["--points", "20", "--out", str(tmp_path)])
    assert r["xor_linear_accuracy"] <= 0.75
    assert r["xor_relu_accuracy"] == 1.0
    for task in ("xor", "moons"):
        assert r[f"{task}_collapse"]["max_abs_diff"] <= 1e-12
    check_pictures(r, tmp_path)


def test_moons(tmp_path: Path) -> None:
    r = load("moons").main(["--points", "30", "--steps", "60", "--out", str(tmp_path)])
    assert r["accuracy"] == 1.0
    assert r["parameters"] == 337
    check_pictures(r, tmp_path)


def test_born_dead(tmp_path: Path) -> None:
    r = load("born_dead").main(["--trials", "80", "--widths", "2", "3", "--points", "4", "--out", str(tmp_path)])
    he, rai = r["born_dead"]["he"], r["born_dead"]["rai"]
    assert he[2][-1] >= 0.9  # width 2, depth 50: almost always born dead
    assert he[2][0] <= he[2][9] <= he[2][-1]  # grows with depth
    assert rai[2][-1] < he[2][-1] and rai[3][-1] < he[3][-1]
    assert r["closed_form_max_z"] < 4.5
    for init in ("he", "rai"):  # the rule (a dead layer) implies the weaker event (constant output)
        for w in (2, 3):
            assert all(d <= c for d, c in zip(r["born_dead"][init][w], r["constant"][init][w]))
    check_pictures(r, tmp_path)


def test_activations(tmp_path: Path) -> None:
    argv = ["--points", "30", "--max-steps", "120", "--max-depth", "6", "--seeds", "2", "--grad-points", "10"]
    r = load("activations").main([*argv, "--out", str(tmp_path)])
    g = r["first_layer_gradient"]
    assert g["sigmoid"][-1] < g["sigmoid"][0] / 100  # sigmoid's gradient vanishes with depth
    assert set(r["steps_to_target"]) == {"relu", "tanh", "sigmoid"}
    check_pictures(r, tmp_path)


def test_help_exits_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("neuron", "dead_neurons", "no_activation", "moons", "born_dead", "activations"):
        with pytest.raises(SystemExit) as exc:
            load(name).main(["--help"])
        assert exc.value.code == 0
        assert "--out" in capsys.readouterr().out
