"""Without an activation function a deep network is only a linear model.

Claim (the article): stacking layers without an activation gives nothing a single linear
model could not do, so such a network cannot fit data that is not linearly separable.

How it is measured, on every seed (seed s draws the initial weights, and the moons data):
  * The same MLP(2, [8, 8, 1]) is trained twice with the same initial weights, once with
    activation="linear" and once with "relu" (hinge loss, full-batch SGD), on
    (a) XOR: the four corners (±1, ±1), which no line separates, so any linear classifier
        gets at most 3 of 4 right (accuracy <= 0.75); and
    (b) two moons (--points points, noise 0.1).
  * Every trained linear network is collapsed into one affine map W·x + b by multiplying its
    layers' weight matrices (W = W3·W2·W1, b = W3·(W2·b1 + b2) + b3), and that map's outputs
    are compared with the network's own outputs on every input (largest difference printed).
  * A picture of each learned decision function, for the first seed.

README's figures: python demos/no_activation.py --seeds 20 (and --first-seed 1000 for the
check that they do not depend on the seed range).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import _common
import matplotlib.pyplot as plt

from microgradrelu import MLP, SGD, hinge_loss, make_moons, make_xor

SIZES = [8, 8, 1]
AFFINE_TOLERANCE = 1e-12  # |network - W·x - b|: rounding of a few dozen products, far below any weight


class Run(NamedTuple):
    seed: int
    points: int
    steps: int
    lr: float


def tasks(run: Run) -> dict[str, tuple[list[list[float]], list[int]]]:
    """The two data sets of a seed: XOR's four corners (the same for every seed) and two moons."""
    return {"xor": make_xor(n=4, noise=0.0, seed=run.seed), "moons": make_moons(n=run.points, noise=0.1, seed=run.seed)}


def train(X: list[list[float]], y: list[int], activation: str, run: Run) -> MLP:
    """Full-batch SGD on the hinge loss."""
    model = MLP(2, SIZES, activation=activation, seed=run.seed)
    opt = SGD(model.parameters(), lr=run.lr)
    for _ in range(run.steps):
        loss = hinge_loss([model(x) for x in X], y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model


def collapse(model: MLP) -> tuple[list[float], float]:
    """The single affine map (w, b) that a network without activations computes.

    Each layer is x -> W x + b; composing them keeps the form A x + c with A = W A and
    c = W c + b, starting from the identity. Only valid when every layer is linear."""
    if any(n.activation != "linear" for layer in model.layers for n in layer.neurons):
        raise ValueError("collapse() needs a network whose every layer is linear")
    A = [[1.0 if i == j else 0.0 for j in range(model.nin)] for i in range(model.nin)]
    c = [0.0] * model.nin
    for layer in model.layers:
        W = [[w.data for w in n.w] for n in layer.neurons]
        bias = [n.b.data for n in layer.neurons]
        A = [[sum(W[i][k] * A[k][j] for k in range(len(A))) for j in range(model.nin)] for i in range(len(W))]
        c = [sum(W[i][k] * c[k] for k in range(len(c))) + bias[i] for i in range(len(W))]
    return A[0], c[0]


def run_seed(run: Run) -> dict:
    """Train the four networks of one seed; accuracies, the affine maps of the linear ones and
    their largest gap to the network, and every network's weights (for the picture)."""
    result: dict = {"seed": run.seed}
    for task, (X, y) in tasks(run).items():
        for activation in ("linear", "relu"):
            model = train(X, y, activation, run)
            result[f"{task}_{activation}"] = _common.accuracy(model, X, y)
            result[f"{task}_{activation}_state"] = model.state_dict()
            if activation == "linear":
                w, b = collapse(model)
                diff = max(abs(model(x).data - (w[0] * x[0] + w[1] * x[1] + b)) for x in X)
                result[f"{task}_affine"] = {"w": w, "b": b, "max_abs_diff": diff}
    return result


def plot_panels(results: dict, run: Run, path: Path) -> None:
    """The four decision functions of one seed."""
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.8))
    panels = [(task, act) for task in ("xor", "moons") for act in ("linear", "relu")]
    for ax, (task, activation) in zip(axes, panels):
        X, y = tasks(run)[task]
        model = MLP(2, SIZES, activation=activation, seed=run.seed)
        model.load_state_dict(results[f"{task}_{activation}_state"])
        _common.plot_boundary(ax, model, X, y, n=50)
        accuracy = results[f"{task}_{activation}"]
        ax.set_title(f"{task}, {activation}, seed {run.seed}\naccuracy {accuracy:.2f}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    _common.save_figure(fig, path)


def claims(results: list[dict], seeds: list[int], args) -> list[_common.Claim]:
    def col(key: str) -> list[float]:
        return [r[key] for r in results]

    xor_lin, xor_relu = col("xor_linear"), col("xor_relu")
    moons_lin, moons_relu = col("moons_linear"), col("moons_relu")
    gaps = [r[f"{t}_affine"]["max_abs_diff"] for r in results for t in ("xor", "moons")]
    return [
        _common.Claim.over(
            "xor_linear_at_most_three_corners",
            "Without activations the network classifies at most 3 of XOR's 4 corners (accuracy <= 0.75).",
            seeds,
            [a <= 0.75 for a in xor_lin],
            {"accuracy": xor_lin},
            f"accuracy: {_common.spread(xor_lin, '{:.2f}')}",
        ),
        _common.Claim.over(
            "xor_relu_all_four_corners",
            f"The same network with ReLU classifies all 4 corners (accuracy 1.00) after {args.steps} steps.",
            seeds,
            [a == 1.0 for a in xor_relu],
            {"accuracy": xor_relu},
            f"accuracy: {_common.spread(xor_relu, '{:.2f}')}\nper seed: {_common.per_seed(seeds, xor_relu, '{:.2f}')}",
        ),
        _common.Claim.exact(
            "linear_network_is_one_affine_map",
            "A trained network without activations computes one affine map W·x + b: the product of its layers.",
            max(gaps) <= AFFINE_TOLERANCE,
            {"max_abs_diff": max(gaps), "tolerance": AFFINE_TOLERANCE, "networks": len(gaps)},
            f"largest |network(x) - (W·x + b)| over the {len(gaps)} trained linear networks (XOR and moons, "
            f"every seed) and their inputs: {max(gaps):.1e} (rounding; tolerance {AFFINE_TOLERANCE:g})",
            seeds,
        ),
        _common.Claim.higher(
            "moons_relu_beats_linear",
            f"On two moons ({args.points} points) the ReLU network's training accuracy beats the linear one's.",
            seeds,
            ("ReLU", "linear"),
            moons_relu,
            moons_lin,
        ),
    ]


def main(argv: Sequence[str] | None = None) -> dict:
    args, clock = _common.start(_common.parser(__doc__, points=50, steps=150, lr=0.1), argv)
    seeds = args.seed_list
    print(f"MLP(2, {SIZES}) trained {args.steps} steps, SGD lr={args.lr}, hinge loss; XOR corners and")
    print(f"{args.points} two-moons points; seeds {seeds[0]}–{seeds[-1]} (weights, and the moons data)\n")
    runs = [Run(s, args.points, args.steps, args.lr) for s in seeds]
    results = _common.run_all(run_seed, runs, args.jobs, "seeds")

    first = results[0]
    print(f"\nseed {seeds[0]} (the picture's), the trained linear networks collapsed to one map W·x + b:")
    rows = []
    for task in ("xor", "moons"):
        c = first[f"{task}_affine"]
        rows.append([task, f"{c['w'][0]:+.6f}", f"{c['w'][1]:+.6f}", f"{c['b']:+.6f}", f"{c['max_abs_diff']:.2e}"])
    print(_common.table(["task", "W[0]", "W[1]", "b", "max |network - W·x-b|"], rows))
    found = claims(results, seeds, args)
    summaries = _common.report("no_activation", found, args)
    picture = args.out / "no_activation.png"
    plot_panels(first, runs[0], picture)
    return {
        "xor_linear_accuracy": [r["xor_linear"] for r in results],
        "xor_relu_accuracy": [r["xor_relu"] for r in results],
        "moons_linear_accuracy": [r["moons_linear"] for r in results],
        "moons_relu_accuracy": [r["moons_relu"] for r in results],
        "affine_max_abs_diff": max(r[f"{t}_affine"]["max_abs_diff"] for r in results for t in ("xor", "moons")),
        "claims": summaries,
        **_common.finish(clock, [picture]),
    }


if __name__ == "__main__":
    main()
