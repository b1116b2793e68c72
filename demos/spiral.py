"""The cs231n spiral: three classes, ReLU vs Leaky ReLU vs PReLU, and how many ReLU units a
high learning rate kills.

Claims:
  * cs231n ("minimal neural network case study"): a small ReLU network fits the three-armed
    spiral that no linear classifier can. Here ReLU, Leaky ReLU (slope 0.01) and PReLU
    (a learned slope per neuron, 0.25 at first) all should.
  * cs231n ("Commonly used activation functions"): with a learning rate set too high, "as
    much as 40% of your network can be dead", i.e. ReLU units that never activate on the
    data again. The notes give no setup; this demo measures it in one: more units die at a
    higher lr, at the highest (4) at least 40%, and the network then no longer fits.

Setup (every run): make_spiral(--points per class, 3 classes, angle noise 0.2), the data and
the initial weights drawn from the run's seed; MLP(2, [--hidden, 3]) with He initialization,
one hidden layer (cs231n uses 100 units and 100 points per class; here 24 units and 20 points
per class, so that 10 seeds × 6 runs take half a minute); cross_entropy_loss on the
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

import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import _common
import matplotlib.pyplot as plt

from microgradrelu import MLP, SGD, cross_entropy_loss, make_spiral
from microgradrelu.diagnostics import activation_report, gradient_reach, pre_activations

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


# --- the demo ---------------------------------------------------------------------------------------
def main(argv: Sequence[str] | None = None) -> dict:
    p = _common.parser(__doc__, steps=60)
    p.add_argument("--points", type=_common.positive_int, default=20, help="points per class (default 20)")
    p.add_argument("--hidden", type=_common.positive_int, default=24, help="hidden ReLU units (default 24)")
    p.add_argument(
        "--lrs",
        type=_common.positive_float,
        nargs="+",
        default=[0.5, 1.0, 2.0, 4.0],
        help="learning rates, the smallest also for the decision regions (default 0.5 1 2 4)",
    )
    args, clock = _common.start(p, argv)
    out = args.out
    lrs = sorted(set(args.lrs))
    if len(lrs) < 2:
        p.error("--lrs needs two learning rates or more: the claims compare the smallest with the largest")
    seeds = args.seed_list
    size = (args.points, args.hidden, args.steps)
    print(
        f"make_spiral({args.points} per class, 3 classes, noise 0.2); MLP(2, [{args.hidden}, 3]), He init; "
        f"cross-entropy, full-batch SGD with momentum 0.9, {args.steps} steps; seeds {seeds[0]}..{seeds[-1]}\n"
        f"ReLU at lr {', '.join(f'{lr:g}' for lr in lrs)}; Leaky ReLU and PReLU at lr {lrs[0]:g}\n"
    )
    jobs = [("relu", lr, seed, *size) for seed in seeds for lr in lrs]
    jobs += [(a, lrs[0], seed, *size) for seed in seeds for a in ("leaky_relu", "prelu")]
    results = _common.run_all(train, jobs, args.jobs, "training")
    runs = {(r["activation"], r["lr"], r["seed"]): r for r in results}

    print(f"\n1. Decision regions at lr {lrs[0]:g}: training accuracy per seed")
    rows = []
    for activation, name in NAMES.items():
        cells = [runs[activation, lrs[0], s] for s in seeds]
        rows.append(
            [
                name,
                _common.per_seed(
                    seeds, [r["accuracy"] if r["diverged"] is None else None for r in cells], "{:.2f}", "diverged"
                ),
            ]
        )
    print(_common.table(["activation", "training accuracy, seed:value"], rows))

    h = args.hidden
    print(f"\n2. ReLU units dead after {args.steps} steps (of {h}), and training accuracy, per learning rate")
    rows = []
    for lr in lrs:
        cells = [runs["relu", lr, s] for s in seeds]
        rows.append(
            [
                f"{lr:g}",
                _common.spread([100 * r["dead"] / h for r in cells], "{:.0f}%"),
                _common.spread([r["accuracy"] for r in cells], "{:.2f}"),
            ]
        )
    print(_common.table(["lr", "dead ReLU units over the seeds", "training accuracy"], rows))
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
    pictures = [
        _common.save_figure(fig, out / "spiral_regions.png"),
        dead_plot(lrs, seeds, runs, h, out / "spiral_dead_vs_lr.png"),
    ]
    claims = _common.report("spiral", spiral_claims(runs, seeds, lrs, h), args)
    return {"claims": claims, "runs": results, "seeds": seeds, "lrs": lrs} | _common.finish(clock, pictures)


def spiral_claims(
    runs: dict[tuple[str, float, int], dict[str, Any]], seeds: list[int], lrs: list[float], h: int
) -> list[_common.Claim]:
    """What cs231n says, checked on every seed."""

    def dead(lr: float, seed: int) -> float:
        return runs["relu", lr, seed]["dead"] / h

    def accuracy(activation: str, lr: float, seed: int) -> float | None:
        run = runs[activation, lr, seed]
        return None if run["diverged"] is not None else run["accuracy"]

    def fits(activation: str, lr: float, seed: int) -> bool:
        a = accuracy(activation, lr, seed)
        return a is not None and a >= FIT

    low, high = lrs[0], lrs[-1]
    most = [
        max(dead(lr, s) for lr in lrs if fits("relu", lr, s)) if any(fits("relu", lr, s) for lr in lrs) else 0.0
        for s in seeds
    ]
    return [
        _common.Claim.over(
            "three_activations_fit_the_spiral",
            f"ReLU, Leaky ReLU and PReLU each fit the spiral at lr {low:g}: training accuracy >= {FIT}.",
            seeds,
            [all(fits(a, low, s) for a in NAMES) for s in seeds],
            {name: [accuracy(a, low, s) for s in seeds] for a, name in NAMES.items()},
            "\n".join(
                f"{name}: {_common.spread([accuracy(a, low, s) for s in seeds], '{:.2f}', 'diverged')}"
                for a, name in NAMES.items()
            ),
        ),
        _common.Claim.over(
            "more_relu_units_die_at_a_higher_lr",
            f"More ReLU units are dead after training at lr {high:g} than at lr {low:g}.",
            seeds,
            [dead(high, s) > dead(low, s) for s in seeds],
            {f"dead_fraction_lr_{lr:g}": [dead(lr, s) for s in seeds] for lr in lrs},
            f"lr {low:g}: {_common.spread([100 * dead(low, s) for s in seeds], '{:.0f}%')}; "
            f"lr {high:g}: {_common.spread([100 * dead(high, s) for s in seeds], '{:.0f}%')}",
        ),
        _common.Claim.over(
            "a_too_high_lr_kills_40_percent",
            f"With the learning rate too high (lr {high:g}), at least {CS231N:.0%} of the ReLU units end dead, as "
            'cs231n warns ("as much as 40% of your network can be dead"), and the network no longer fits.',
            seeds,
            [dead(high, s) >= CS231N and not fits("relu", high, s) for s in seeds],
            {
                "dead_fraction": [dead(high, s) for s in seeds],
                "accuracy": [accuracy("relu", high, s) for s in seeds],
                "most_dead_while_fitting": most,
            },
            f"lr {high:g}: dead {_common.spread([100 * dead(high, s) for s in seeds], '{:.0f}%')}, training accuracy "
            f"{_common.spread([accuracy('relu', high, s) for s in seeds], '{:.2f}', 'diverged')}\n"
            f"the most dead where the network still fits: {_common.spread([100 * m for m in most], '{:.0f}%')}",
        ),
    ]


if __name__ == "__main__":
    main()
