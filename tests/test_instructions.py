"""benchmarks/instructions.py: its workloads run (without valgrind, which CI may not have), its step is
the benchmark's step, and it reads callgrind's count. The counts themselves are never asserted."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "instructions.py"


@pytest.fixture(scope="module")
def instructions() -> ModuleType:
    spec = importlib.util.spec_from_file_location("instructions", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_forward_sort_and_backprop_phases_do_what_they_are_named(instructions: ModuleType) -> None:
    scores = instructions.workload("forward", 16, 6)()
    assert len(scores) == 6 and all(s.op == "weighted_sum" for s in scores)  # the output neuron's Z
    order = instructions.workload("sort", 16, 6)()
    assert order[-1].op == "+" and {v.op for v in order} >= {"weighted_sum", "relu"}  # the loss's graph
    backprop = instructions.workload("backprop", 16, 6)
    for _ in range(2):
        assert backprop() is None
    with pytest.raises(SystemExit, match="unknown phase"):
        instructions.workload("sorting", 16, 6)


@pytest.mark.parametrize("width", [16, 3])
def test_the_step_is_the_benchmarks_step_and_trains(instructions: ModuleType, width: int) -> None:
    """At width 16 the step starts from bench_moons' weights with its learning rates, so its losses are
    the hand-written plain step's (the floor the script also counts); at other widths it still learns."""
    step = instructions.workload("step", width, 20)
    losses = [step() for _ in range(6)]
    if width == 16:
        plain = instructions.workload("plain", width, 20)
        assert losses == pytest.approx([plain() for _ in range(6)], rel=1e-12)
    assert losses[-1] < losses[0]


def test_it_reads_callgrinds_count(instructions: ModuleType) -> None:
    err = "==12== Events    : Ir\n==12== Collected : 123456789\n==12==\n==12== I   refs:      123,456,789\n"
    assert instructions.collected(err) == 123456789
    with pytest.raises(RuntimeError, match="no instruction count"):
        instructions.collected("valgrind: command failed")


def test_it_refuses_unknown_phases_and_says_when_valgrind_is_missing(
    instructions: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        instructions.main(["--phases", "step,sorting"])
    assert "unknown phase(s) sorting" in capsys.readouterr().err
    monkeypatch.setattr(instructions.shutil, "which", lambda name: None)
    with pytest.raises(SystemExit, match="valgrind is not installed"):
        instructions.main(["--phases", "step"])
