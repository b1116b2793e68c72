"""Instructions per training step, phase by phase, counted by valgrind's callgrind.

    python benchmarks/instructions.py                 # MLP(2, [16, 16, 1]) on 100 moons points
    python benchmarks/instructions.py --width 64 --phases step,sort

Why a second benchmark: on a shared machine the CPU-time ratios of bench_moons.py move by 2× with the
host's load (benchmarks/README.md), while the number of instructions a step executes does not. So this
is how two versions of the engine are compared here. Each phase runs in a fresh process under callgrind
twice, repeated 2 and 7 times; (I(7) − I(2)) / 5 is one repetition, with start-up and imports cancelled.
Instructions are not time (a cache miss costs many), so both benchmarks are reported. The script counts
the microgradrelu of the checkout it sits in: run another checkout's copy to compare two versions.

Phases: step (forward, loss, zero_grad, backward, SGD update: the training step of bench_moons.py),
forward (the 100 `model(x)` calls, freeing the previous ones included), sort (`topological_order` of the
step's loss), backprop (`backpropagate` over that order), plain (the hand-written float step, width 16).
Needs valgrind (Debian: `apt-get install valgrind`).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # this checkout's microgradrelu, so two checkouts compare

PHASES = ("step", "forward", "sort", "backprop", "plain")
_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def workload(phase: str, width: int, points: int) -> Callable[[], object]:
    """One repetition of `phase`, ready to run: everything it needs is built before.
    The step and plain phases return the loss before their update, as bench_moons' steps do."""
    import engines
    from bench_moons import make_spec

    from microgradrelu import MLP, SGD, Value
    from microgradrelu.engine import backpropagate, topological_order

    spec = make_spec(points, 0)
    X, y = spec["X"], spec["y"]
    k = 0  # micrograd's learning-rate schedule, as in bench_moons.py

    if phase == "plain":  # width 16 only: engines.SIZES
        layers = engines._unflatten(spec["weights"])

        def plain() -> float:
            nonlocal k
            k += 1
            return engines.plain_step(layers, X, y, engines.learning_rate(k - 1))

        return plain
    if width == 16:  # the starting weights of bench_moons.py and of the plain step
        model, params = engines._mgr_model(spec)
    else:
        model = MLP(2, [width, width, 1], init="uniform", seed=0)
        params = model.parameters()

    def loss() -> Value:
        return engines._mgr_loss(model, params, X, y)  # the benchmark's loss: hinge + ALPHA * sum(p**2)

    if phase == "step":
        opt = SGD(params, lr=1.0)

        def step() -> float:
            nonlocal k
            root = loss()
            opt.zero_grad()
            root.backward()
            opt.lr = engines.learning_rate(k)
            opt.step()
            k += 1
            return root.data

        return step
    if phase == "forward":
        return lambda: [model(x) for x in X]
    root = loss()
    if phase == "sort":
        return lambda: topological_order(root)
    if phase == "backprop":
        order = topological_order(root)
        return lambda: backpropagate(order)
    raise SystemExit(f"unknown phase {phase!r}; one of {', '.join(PHASES)}")


def collected(stderr: str) -> int:
    """The instruction count callgrind prints when the program ends ("Collected : N")."""
    match = _COLLECTED.search(stderr)
    if match is None:
        raise RuntimeError(f"callgrind printed no instruction count:\n{stderr[-2000:]}")
    return int(match.group(1))


def count(phase: str, repetitions: int, width: int, points: int) -> int:
    """Instructions of a whole fresh process that runs `phase` `repetitions` times."""
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__]
    cmd += ["--inner", phase, str(repetitions), "--width", str(width), "--points", str(points)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{phase} failed under valgrind:\n{proc.stderr[-2000:]}")
    return collected(proc.stderr)


def per_repetition(phase: str, width: int, points: int) -> float:
    return (count(phase, 7, width, points) - count(phase, 2, width, points)) / 5


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--width", type=int, default=16, help="neurons in each hidden layer (default 16)")
    parser.add_argument("--points", type=int, default=100, help="moons points per step (default 100)")
    parser.add_argument("--phases", default="step,forward,sort,backprop,plain", help="comma-separated")
    parser.add_argument("--inner", nargs=2, metavar=("PHASE", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner:
        run = workload(args.inner[0], args.width, args.points)
        for _ in range(int(args.inner[1])):
            run()
        return
    phases = [p for p in args.phases.split(",") if p]
    unknown = [p for p in phases if p not in PHASES]
    if unknown:
        parser.error(f"unknown phase(s) {', '.join(unknown)}; choose from {', '.join(PHASES)}")
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind); nothing measured")
    print(f"instructions per repetition, MLP(2, [{args.width}, {args.width}, 1]), {args.points} points")
    for phase in phases:
        if phase == "plain" and args.width != 16:
            print("  plain     (the hand-written step exists for width 16 only)")
            continue
        print(f"  {phase:<9} {per_repetition(phase, args.width, args.points) / 1e6:10.1f} M", flush=True)


if __name__ == "__main__":
    main()
