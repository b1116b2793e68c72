"""The cs231n spiral: three classes, ReLU vs Leaky ReLU vs PReLU, and how many ReLU units a
high learning rate kills.

Claims:
  * cs231n ("minimal neural network case study"): a small ReLU network fits the three-armed
    spiral that no linear classifier can. Here ReLU, Leaky ReLU (slope 0.01) and PReLU
    (a learned slope per neuron, 0.25 at first) all should.
  * cs231n ("Commonly used activation functions"): with a learning rate set too high, "as
    much as 40% of your network can be dead", i.e. ReLU units that never activate on the
    data again. The notes give no setup; this demo measures it in one.

Setup (every run): make_spiral(--points per class, 3 classes, angle noise 0.2), the data and
the initial weights drawn from the run's seed; MLP(2, [--hidden, 3]) with He initialization,
one hidden layer (cs231n uses 100 units and 100 points per class); cross_entropy_loss on the
3 linear outputs; full-batch SGD with momentum 0.9 for --steps steps at a constant lr.
  1. Decision regions: ReLU, Leaky ReLU and PReLU at the smallest lr of --lrs; the class of
     argmax(output) over a grid, with the training points on top (first seed drawn).
  2. Dead units against the learning rate: the ReLU network at every lr of --lrs, on every
     seed. A hidden unit is dead when z = w·x + b <= 0 on every training point
     (`activation_report`); with one hidden layer it can never come back. The count is also
     checked with the engine's backward (`gradient_reach`: no gradient reaches the unit from
     any point). Printed beside cs231n's 40%, with the training accuracy at each lr.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import _common
import matplotlib.pyplot as plt

from microgradrelu import MLP, SGD, cross_entropy_loss, make_spiral
from microgradrelu.diagnostics import activation_report, gradient_reach, pre_activations
from microgradrelu.files import write_atomic

NAMES = {"relu": "ReLU", "leaky_relu": "Leaky ReLU", "prelu": "PReLU"}
CS231N = 0.40  # "as much as 40% of your network can be dead"
FIT = 0.9  # training accuracy that counts as "fits the spiral"
CLASS_COLORS = ["#E69F00", "#56B4E9", "#009E73"]  # Okabe-Ito orange, sky blue, bluish green
REGION_COLORS = ["#F6D9A0", "#C4E3F6", "#A6DCCB"]


# --- one training run (runs in a worker process) -------------------------------------------------
def train(job: tuple[str, float, int, int, int, int]) -> dict[str, Any]:
    """Train one network; return what was measured (plain data, so it can cross processes)."""
    activation, lr, seed, points, hidden, steps = job
    started = time.process_time()
    X, y = make_spiral(points, seed=seed)
    model = MLP(2, [hidden, 3], activation=activation, seed=seed)
    opt = SGD(model.parameters(), lr=lr, momentum=0.9)
    diverged = None
    for step in range(steps):
        try:
            loss = cross_entropy_loss([model(x) for x in X], y)
        except ValueError:  # a logit became inf or NaN: training diverged
            diverged = step
            break
        opt.zero_grad()
        loss.backward()
        opt.step()
    result: dict[str, Any] = {"activation": activation, "lr": lr, "seed": seed, "diverged": diverged}
    if diverged is None:
        report = activation_report(model, X)
        result |= {
            "accuracy": accuracy(model, X, y),
            "dead": report.dead,
            "negative_everywhere": report.negative_everywhere,
            "no_gradient": sum(count == 0 for count in gradient_reach(model, X)[0]),
            "state": model.state_dict(),
        }
    result["cpu_seconds"] = time.process_time() - started
    return result


def accuracy(model: MLP, X: list[list[float]], y: list[int]) -> float:
    outputs = pre_activations(model, X)[-1]  # [class][point]
    predicted = [max(range(3), key=lambda k, i=i: outputs[k][i]) for i in range(len(X))]
    return sum(p == t for p, t in zip(predicted, y)) / len(y)


def run_all(jobs: list[tuple[str, float, int, int, int, int]], workers: int) -> list[dict[str, Any]]:
    """Every run, in `workers` processes (1: in this one), with a progress line."""
    progress = _common.Progress("training", len(jobs))
    results = []
    if workers == 1:
        for job in jobs:
            results.append(train(job))
            progress.update(len(results))
        return results
    with ProcessPoolExecutor(workers) as pool:
        for result in pool.map(train, jobs):
            results.append(result)
            progress.update(len(results))
    return results


# --- pictures -------------------------------------------------------------------------------------
def regions(ax: Any, run: dict[str, Any], hidden: int, X: list[list[float]], y: list[int], n: int = 90) -> None:
    """The predicted class over a grid around the data, the training points on top."""
    title = f"{NAMES[run['activation']]}, lr {run['lr']:g}"
    if run["diverged"] is not None:
        ax.set_title(f"{title}\ndiverged at step {run['diverged']}", fontsize=9)
        ax.scatter(*zip(*X), c=[CLASS_COLORS[t] for t in y], s=12, edgecolors="k", linewidths=0.3)
        return
    model = MLP(2, [hidden, 3], activation=run["activation"], seed=0)
    model.load_state_dict(run["state"])
    grid = [-1.25 + 2.5 * i / (n - 1) for i in range(n)]
    outputs = pre_activations(model, [[a, b] for b in grid for a in grid])[-1]
    classes = [max(range(3), key=lambda k, i=i: outputs[k][i]) for i in range(n * n)]
    Z = [classes[j * n : (j + 1) * n] for j in range(n)]
    ax.contourf(grid, grid, Z, levels=[-0.5, 0.5, 1.5, 2.5], colors=REGION_COLORS)
    ax.contour(grid, grid, Z, levels=[0.5, 1.5], colors="k", linewidths=0.6)
    ax.scatter(*zip(*X), c=[CLASS_COLORS[t] for t in y], s=12, edgecolors="k", linewidths=0.3)
    dead = f", {run['dead']}/{hidden} dead" if run["activation"] == "relu" else ""
    ax.set_title(f"{title}\ntraining accuracy {run['accuracy']:.2f}{dead}", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect("equal")


def dead_plot(
    lrs: list[float], seeds: list[int], runs: dict[tuple[str, float, int], dict[str, Any]], hidden: int, path: Path
) -> Path:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
    for seed in seeds:
        dead = [100 * runs["relu", lr, seed]["dead"] / hidden for lr in lrs]
        acc = [runs["relu", lr, seed]["accuracy"] for lr in lrs]
        ax1.plot(lrs, dead, marker="o", color="#999999", linewidth=0.8, markersize=3)
        ax2.plot(lrs, acc, marker="o", color="#999999", linewidth=0.8, markersize=3)
    mean_dead = [statistics.mean(100 * runs["relu", lr, s]["dead"] / hidden for s in seeds) for lr in lrs]
    mean_acc = [statistics.mean(runs["relu", lr, s]["accuracy"] for s in seeds) for lr in lrs]
    ax1.plot(lrs, mean_dead, marker="o", color="#D55E00", linewidth=2, label=f"mean of {len(seeds)} seeds")
    ax1.axhline(100 * CS231N, color="k", linestyle="--", linewidth=1, label='cs231n: "as much as 40%"')
    ax2.plot(lrs, mean_acc, marker="o", color="#0072B2", linewidth=2, label=f"mean of {len(seeds)} seeds")
    ax2.axhline(1 / 3, color="k", linestyle=":", linewidth=1, label="chance (1/3)")
    for ax in (ax1, ax2):
        ax.set_xscale("log")
        ax.set_xticks(lrs, [f"{lr:g}" for lr in lrs])
        ax.minorticks_off()
        ax.set_xlabel("learning rate (SGD, momentum 0.9)")
        ax.legend(fontsize=8)
    ax1.set_ylabel(f"% of the {hidden} ReLU units dead")
    ax1.set_ylim(-3, 103)
    ax2.set_ylabel("training accuracy")
    ax2.set_ylim(0, 1.03)
    fig.suptitle("ReLU units dead after training (thin: one seed each)", fontsize=10)
    return _common.save_figure(fig, path)


# --- seeds and --json: this demo's copy of the shared convention ----------------------------------
# (demos/_common.py is getting --seeds, --first-seed and --json for every demo; at merge this
# block becomes a call to it. --first-seed is today's --seed of _common.parser.)
def add_seed_options(p: argparse.ArgumentParser, seeds: int) -> None:
    p.add_argument("--seeds", type=_common.positive_int, default=seeds, help=f"seeds to run (default {seeds})")
    p.add_argument("--first-seed", dest="seed", type=int, default=argparse.SUPPRESS, help="first seed (as --seed)")
    p.add_argument("--json", type=Path, help="also write the claims and whether they held to this JSON file")


def claim(
    claim_id: str, statement: str, seeds: list[int], check: Callable[[int], bool], figures: list[Path]
) -> dict[str, Any]:
    """A claim checked on every seed, printed as "holds on k of N seeds"."""
    held = [seed for seed in seeds if check(seed)]
    print(f"  [{claim_id}] {statement}\n    holds on {len(held)} of {len(seeds)} seeds")
    return {
        "id": claim_id,
        "statement": statement,
        "seeds": seeds,
        "held": len(held),
        "of": len(seeds),
        "figures": [str(f) for f in figures],
    }


def write_json(path: Path, claims: list[dict[str, Any]]) -> None:
    write_atomic(path, (json.dumps({"demo": "spiral", "claims": claims}, indent=1) + "\n").encode("utf-8"))


# --- the demo ---------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> dict:
    p = _common.parser(__doc__)
    add_seed_options(p, seeds=3)
    p.add_argument("--points", type=_common.positive_int, default=30, help="points per class (default 30)")
    p.add_argument("--hidden", type=_common.positive_int, default=32, help="hidden ReLU units (default 32)")
    p.add_argument("--steps", type=_common.positive_int, default=80, help="SGD steps per run (default 80)")
    p.add_argument(
        "--lrs",
        type=_common.positive_float,
        nargs="+",
        default=[0.3, 1.0, 2.0, 3.0, 5.0],
        help="learning rates, the smallest also for the decision regions (default 0.3 1 2 3 5)",
    )
    p.add_argument("--jobs", type=_common.positive_int, default=min(2, os.cpu_count() or 1), help="processes")
    args = p.parse_args(argv)
    started = time.perf_counter()
    out = _common.out_dir(args.out)
    lrs = sorted(set(args.lrs))
    seeds = list(range(args.seed, args.seed + args.seeds))
    size = (args.points, args.hidden, args.steps)
    print(
        f"make_spiral({args.points} per class, 3 classes, noise 0.2); MLP(2, [{args.hidden}, 3]), He init; "
        f"cross-entropy, full-batch SGD with momentum 0.9, {args.steps} steps; seeds {seeds[0]}..{seeds[-1]}\n"
        f"ReLU at lr {', '.join(f'{lr:g}' for lr in lrs)}; Leaky ReLU and PReLU at lr {lrs[0]:g}\n"
    )
    jobs = [("relu", lr, seed, *size) for seed in seeds for lr in lrs]
    jobs += [(a, lrs[0], seed, *size) for seed in seeds for a in ("leaky_relu", "prelu")]
    results = run_all(jobs, args.jobs)
    runs = {(r["activation"], r["lr"], r["seed"]): r for r in results}

    print(f"\n1. Decision regions at lr {lrs[0]:g}: training accuracy per seed")
    rows = []
    for activation, name in NAMES.items():
        cells = [runs[activation, lrs[0], s] for s in seeds]
        rows.append([name, *[f"{r['accuracy']:.2f}" if r["diverged"] is None else "diverged" for r in cells]])
    print(_common.table(["activation", *[f"seed {s}" for s in seeds]], rows))

    h = args.hidden
    print(f"\n2. ReLU units dead after {args.steps} steps (of {h}), and training accuracy, per learning rate")
    rows = []
    for lr in lrs:
        cells = [runs["relu", lr, s] for s in seeds]
        dead = [100 * r["dead"] / h for r in cells]
        rows.append(
            [
                f"{lr:g}",
                " ".join(f"{r['dead']:>2}" for r in cells),
                f"{statistics.mean(dead):.0f}%",
                f"{min(dead):.0f}-{max(dead):.0f}%",
                " ".join(f"{r['accuracy']:.2f}" for r in cells),
            ]
        )
    print(_common.table(["lr", "dead per seed", "mean dead", "range", "accuracy per seed"], rows))
    relu_runs = [r for r in results if r["activation"] == "relu"]
    agree = all(r["dead"] == r["no_gradient"] for r in relu_runs)
    print(
        f'cs231n: "as much as 40% of your network can be dead" (no setup given). Backward check: '
        f"{'in every run' if agree else 'NOT in every run:'} the dead units are exactly the units no gradient reaches."
    )

    X, y = make_spiral(args.points, seed=seeds[0])
    fig, axes = plt.subplots(2, 3, figsize=(10.5, 7.4))
    for ax, activation in zip(axes[0], NAMES):
        regions(ax, runs[activation, lrs[0], seeds[0]], h, X, y)
    high = lrs[1:][-3:]
    for ax, lr in zip(axes[1], high):
        regions(ax, runs["relu", lr, seeds[0]], h, X, y)
    for ax in axes[1][len(high) :]:
        ax.axis("off")
    fig.suptitle(f"The spiral, seed {seeds[0]}: top, three activations at lr {lrs[0]:g}; bottom, ReLU at higher lrs")
    regions_png = _common.save_figure(fig, out / "spiral_regions.png")
    dead_png = dead_plot(lrs, seeds, runs, h, out / "spiral_dead_vs_lr.png")

    print("\nClaims:")

    def dead(lr: float, seed: int) -> float:
        return runs["relu", lr, seed]["dead"] / h

    def fits(activation: str, seed: int) -> bool:
        run = runs[activation, lrs[0], seed]
        return run["diverged"] is None and run["accuracy"] >= FIT

    claims = [
        claim(
            "fits",
            f"ReLU, Leaky ReLU and PReLU each fit the spiral at lr {lrs[0]:g}: training accuracy >= {FIT}",
            seeds,
            lambda s: all(fits(a, s) for a in NAMES),
            [regions_png],
        ),
        claim(
            "dead-rises-with-lr",
            f"more ReLU units are dead at lr {lrs[-1]:g} than at lr {lrs[0]:g}",
            seeds,
            lambda s: dead(lrs[-1], s) > dead(lrs[0], s),
            [dead_png, regions_png],
        ),
        claim(
            "as-much-as-40-percent",
            f"at some lr, at least {CS231N:.0%} of the ReLU units are dead while the network still fits "
            f"(accuracy >= {FIT}), as cs231n warns",
            seeds,
            lambda s: any(dead(lr, s) >= CS231N and runs["relu", lr, s]["accuracy"] >= FIT for lr in lrs),
            [dead_png],
        ),
    ]
    if args.json:
        write_json(args.json, claims)
    cpu = sum(r["cpu_seconds"] for r in results)
    print(f"\n{len(results)} training runs, {cpu:.1f} s of CPU time in {args.jobs} process(es)")
    pictures = [regions_png, dead_png]
    seconds = _common.finish(started, pictures)
    return {"claims": claims, "runs": results, "seconds": seconds, "pictures": pictures, "seeds": seeds, "lrs": lrs}


if __name__ == "__main__":
    main()
