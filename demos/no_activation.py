"""Without an activation function a deep network is only a linear model.

Claim (the article): stacking layers without an activation gives nothing a single linear
model could not do, so such a network cannot fit data that is not linearly separable.

How it is measured:
  * The same MLP(2, [8, 8, 1]) is trained twice on the same data with the same seed, once
    with activation="linear" and once with "relu" (hinge loss, full-batch SGD), on
    (a) XOR: the four corners (±1, ±1), which no line separates, so any linear classifier
        gets at most 3 of 4 right (accuracy <= 0.75); and
    (b) two moons (100 points, noise 0.1).
  * The trained linear network is collapsed into one affine map W·x + b by multiplying its
    layers' weight matrices (W = W3·W2·W1, b = W3·(W2·b1 + b2) + b3), and that map's outputs
    are compared with the network's own outputs on every input (largest difference printed).
  * A picture of each learned decision function is written.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import _common
import matplotlib.pyplot as plt

from microgradrelu import MLP, SGD, hinge_loss, make_moons, make_xor
from microgradrelu.diagnostics import pre_activations

SIZES = [8, 8, 1]


def train(
    X: list[list[float]], y: list[int], activation: str, seed: int, steps: int, lr: float
) -> tuple[MLP, float, float]:
    """Full-batch SGD on the hinge loss; returns the model, its final loss and accuracy."""
    model = MLP(2, SIZES, activation=activation, seed=seed)
    opt = SGD(model.parameters(), lr=lr)
    progress = _common.Progress(f"training {activation} on {len(X)} points", steps)
    for k in range(steps):
        loss = hinge_loss([model(x) for x in X], y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        progress.update(k + 1)
    return model, hinge_loss([model(x) for x in X], y).data, accuracy(model, X, y)


def accuracy(model: MLP, X: Sequence[Sequence[float]], y: Sequence[int]) -> float:
    scores = pre_activations(model, X)[-1][0]
    return sum((s > 0) == (t > 0) for s, t in zip(scores, y)) / len(y)


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


def plot_panels(panels: list[tuple[str, MLP, list[list[float]], list[int], float]], path: Path) -> None:
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels), 3.8))
    for ax, (title, model, X, y, acc) in zip(axes, panels):
        xs = [p[0] for p in X]
        ys = [p[1] for p in X]
        lo_x, hi_x = min(xs) - 0.5, max(xs) + 0.5
        lo_y, hi_y = min(ys) - 0.5, max(ys) + 0.5
        n = 50
        gx = [lo_x + (hi_x - lo_x) * i / (n - 1) for i in range(n)]
        gy = [lo_y + (hi_y - lo_y) * j / (n - 1) for j in range(n)]
        scores = pre_activations(model, [[a, b] for b in gy for a in gx])[-1][0]
        Z = [scores[j * n : (j + 1) * n] for j in range(n)]
        ax.contourf(gx, gy, Z, levels=[-1e9, 0.0, 1e9], colors=["#f4c7c3", "#c6dbef"], alpha=0.8)
        ax.contour(gx, gy, Z, levels=[0.0], colors="k", linewidths=1)
        ax.scatter(xs, ys, c=["#d62728" if t < 0 else "#1f77b4" for t in y], s=18, edgecolors="k", linewidths=0.3)
        ax.set_title(f"{title}\naccuracy {acc:.2f}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    _common.save_figure(fig, path)


def main(argv: Sequence[str] | None = None) -> dict:
    p = _common.parser(__doc__)
    p.add_argument("--steps", type=_common.positive_int, default=150, help="SGD steps per network (default 150)")
    p.add_argument("--lr", type=_common.positive_float, default=0.1, help="learning rate (default 0.1)")
    p.add_argument("--points", type=_common.positive_int, default=100, help="two-moons points (default 100)")
    args = p.parse_args(argv)
    started = time.perf_counter()
    out = _common.out_dir(args.out)

    tasks = {
        "xor": make_xor(n=4, noise=0.0, seed=args.seed),
        "moons": make_moons(n=args.points, noise=0.1, seed=args.seed),
    }
    print(f"MLP(2, {SIZES}) trained {args.steps} steps, SGD lr={args.lr}, hinge loss, seed {args.seed}\n")
    rows, panels, results = [], [], {}
    for task, (X, y) in tasks.items():
        for activation in ("linear", "relu"):
            t0 = time.perf_counter()
            model, loss, acc = train(X, y, activation, args.seed, args.steps, args.lr)
            results[f"{task}_{activation}_accuracy"] = acc
            rows.append([task, activation, len(X), loss, acc, f"{time.perf_counter() - t0:.1f} s"])
            panels.append((f"{task}, {activation}", model, X, y, acc))
            if activation == "linear":
                w, b = collapse(model)
                outputs = [model(x).data for x in X]
                affine = [w[0] * x[0] + w[1] * x[1] + b for x in X]
                diff = max(abs(o - a) for o, a in zip(outputs, affine))
                results[f"{task}_collapse"] = {"w": w, "b": b, "max_abs_diff": diff}
    print(_common.table(["task", "activation", "points", "final loss", "accuracy", "time"], rows))

    print("\nThe trained linear networks, collapsed to one affine map W·x + b from their weights:")
    crow = []
    for task in tasks:
        c = results[f"{task}_collapse"]
        crow.append([task, f"{c['w'][0]:+.6f}", f"{c['w'][1]:+.6f}", f"{c['b']:+.6f}", f"{c['max_abs_diff']:.2e}"])
    print(_common.table(["task", "W[0]", "W[1]", "b", "max |network - W·x-b|"], crow))

    xor_lin, xor_relu = results["xor_linear_accuracy"], results["xor_relu_accuracy"]
    print(
        f"\nXOR: linear network {xor_lin:.2f} (a linear classifier can get at most 0.75 of the 4 corners), "
        f"ReLU network {xor_relu:.2f}."
    )
    print(
        f"Two moons: linear {results['moons_linear_accuracy']:.2f}, ReLU {results['moons_relu_accuracy']:.2f}. "
        f"Largest gap between a linear network and its affine map: "
        f"{max(results[f'{t}_collapse']['max_abs_diff'] for t in tasks):.1e}."
    )
    pictures = [out / "no_activation.png"]
    plot_panels(panels, pictures[0])
    results["seconds"] = _common.finish(started, pictures)
    results["pictures"] = pictures
    return results


if __name__ == "__main__":
    main()
