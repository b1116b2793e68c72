"""Smoke test of the benchmark: it runs end to end on tiny sizes, its output parses, and every
engine trains to the same loss as the plain-float reference. No timing is asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from microgradrelu import Value

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_moons.py"


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    out = tmp_path_factory.mktemp("bench") / "results.json"
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text()), proc.stdout


def test_quick_run_reports_every_workload(quick_run: tuple[dict, str]) -> None:
    results, stdout = quick_run
    engines = {"microgradrelu", "microgradrelu-notebook", "microgradrelu-gc-off", "plain"}
    engines |= {"micrograd"} if "micrograd" in results["moons_train"] else set()
    assert set(results["moons_train"]) == engines
    for r in results["moons_train"].values():
        assert len(r["seconds_per_step"]) == results["config"]["samples"]
        assert all(t > 0.0 for t in r["seconds_per_step"])
    assert results["moons_train"]["microgradrelu"]["nodes"] > 0
    assert results["memory"]["microgradrelu"]["bytes_per_node"] > 0
    assert [row["n"] for row in results["deep_chain"]["microgradrelu"]] == results["config"]["chain_sizes"]
    assert "moons_train" in stdout and "deep_chain" in stdout


def test_quick_run_losses_agree_with_the_plain_reference(quick_run: tuple[dict, str]) -> None:
    results, stdout = quick_run
    check = results["loss_check"]
    assert check["ok"], check
    reference = check["reference_loss"]
    for r in results["moons_train"].values():
        for loss in r["final_losses"]:
            assert loss == pytest.approx(reference, rel=1e-12)
    assert "loss check: OK" in stdout


def test_micrograd_recursion_limit_is_reported(quick_run: tuple[dict, str]) -> None:
    results, _ = quick_run
    if "micrograd" not in results["deep_chain"]:
        pytest.skip("micrograd not installed (pip install -e '.[bench]')")
    rows = results["deep_chain"]["micrograd"]
    assert rows[-1]["error"] == f"RecursionError at {rows[-1]['n']}"
    assert 0 < rows[-1]["deepest_ok"] < rows[-1]["n"]


def test_plain_floor_matches_the_engine_gradients() -> None:
    """The floor is only a floor if it computes the same step: one step from the same
    weights leaves the same parameters as the engine's SGD step (to rounding)."""
    sys.path.insert(0, str(BENCH.parent))
    try:
        import engines
    finally:
        sys.path.remove(str(BENCH.parent))
    from microgradrelu import MLP, SGD, hinge_loss, make_moons

    X, y = make_moons(10, noise=0.1, seed=3)
    model = MLP(2, [16, 16, 1], init="uniform", seed=3)
    params = model.parameters()
    flat = [p.data for p in params]
    layers = engines._unflatten(list(flat))
    plain_loss = engines.plain_step(layers, X, y, lr=0.5)
    loss = hinge_loss([model(x) for x in X], y) + engines.ALPHA * Value.sum([p * p for p in params])
    loss.backward()
    opt = SGD(params, lr=0.5)
    opt.step()
    assert loss.data == pytest.approx(plain_loss, rel=1e-12)
    plain_after = [p for layer in layers for neuron in layer for p in neuron]
    assert [p.data for p in params] == pytest.approx(plain_after, rel=1e-12, abs=1e-15)
