"""The classic: a ReLU MLP learns the two-moons data set.

Claim: MLP(2, [16, 16, 1]) with ReLU hidden layers, trained on 100 two-moons points
(noise 0.1) with the hinge loss + 1e-4·Σp² and SGD at lr = 1.0 - 0.9·k/100 for k = 0..99
(micrograd's demo setup), reaches 100% training accuracy.

How it is measured: training accuracy (sign of the score vs the ±1 label) after every step;
printed every 10 steps, with the first step at which it is 100%. The decision boundary of
the trained network is drawn over a grid (matplotlib contour, PNG). The initialization is
micrograd's U(-1, 1) by default (--init uniform), so the setup is the one it is known for;
--init he gives He's.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import _common
import matplotlib.pyplot as plt

from microgradrelu import MLP, SGD, Value, hinge_loss, make_moons
from microgradrelu.diagnostics import pre_activations
from microgradrelu.nn import INITS


def plot_boundary(model: MLP, X: list[list[float]], y: list[int], title: str, path: Path, n: int = 60) -> None:
    """Score of the trained network over a grid (float forward, no graph), the 0 level as the boundary."""
    xs = [p[0] for p in X]
    ys = [p[1] for p in X]
    gx = [min(xs) - 0.5 + (max(xs) - min(xs) + 1.0) * i / (n - 1) for i in range(n)]
    gy = [min(ys) - 0.5 + (max(ys) - min(ys) + 1.0) * j / (n - 1) for j in range(n)]
    scores = pre_activations(model, [[a, b] for b in gy for a in gx])[-1][0]
    Z = [scores[j * n : (j + 1) * n] for j in range(n)]
    fig, ax = plt.subplots(figsize=(5.2, 4.2))
    ax.contourf(gx, gy, Z, levels=[-1e9, 0.0, 1e9], colors=["#f4c7c3", "#c6dbef"], alpha=0.8)
    ax.contour(gx, gy, Z, levels=[0.0], colors="k", linewidths=1)
    ax.scatter(xs, ys, c=["#d62728" if t < 0 else "#1f77b4" for t in y], s=20, edgecolors="k", linewidths=0.3)
    ax.set_title(title, fontsize=9)
    _common.save_figure(fig, path)


def main(argv: Sequence[str] | None = None) -> dict:
    p = _common.parser(__doc__)
    p.add_argument("--steps", type=_common.positive_int, default=100, help="SGD steps (default 100)")
    p.add_argument("--points", type=_common.positive_int, default=100, help="two-moons points (default 100)")
    p.add_argument("--init", choices=sorted(INITS), default="uniform", help="weight init (default uniform)")
    args = p.parse_args(argv)
    started = time.perf_counter()
    out = _common.out_dir(args.out)

    X, y = make_moons(n=args.points, noise=0.1, seed=args.seed)
    model = MLP(2, [16, 16, 1], activation="relu", init=args.init, seed=args.seed)
    params = model.parameters()
    opt = SGD(params, lr=1.0)
    print(f"{model}, {len(params)} parameters, init={args.init}, seed {args.seed}; {len(X)} points, noise 0.1")
    print(f"loss = hinge + 1e-4·Σp², SGD lr = 1.0 - 0.9·k/{args.steps}, {args.steps} steps\n")
    rows, first_perfect, acc, loss = [], None, 0.0, None
    progress = _common.Progress("training", args.steps)
    for k in range(args.steps):
        opt.lr = 1.0 - 0.9 * k / args.steps
        scores = [model(x) for x in X]
        loss = hinge_loss(scores, y) + 1e-4 * Value.sum([q * q for q in params])
        acc = sum((s.data > 0) == (t > 0) for s, t in zip(scores, y)) / len(y)
        if acc == 1.0 and first_perfect is None:
            first_perfect = k
        if k % 10 == 0:
            rows.append([k, round(opt.lr, 3), loss.data, acc])
        opt.zero_grad()
        loss.backward()
        opt.step()
        progress.update(k + 1)
    final_scores = pre_activations(model, X)[-1][0]
    final_acc = sum((s > 0) == (t > 0) for s, t in zip(final_scores, y)) / len(y)
    rows.append([f"end ({args.steps})", "", "", final_acc])
    print(_common.table(["step", "lr", "loss", "train accuracy"], rows))
    reached = f"first reached at step {first_perfect}" if first_perfect is not None else "never reached"
    print(f"\nfinal training accuracy {final_acc:.2f}; 100% {reached}")

    picture = out / "moons_boundary.png"
    plot_boundary(model, X, y, f"{model}\ntraining accuracy {final_acc:.2f} after {args.steps} steps", picture)
    seconds = _common.finish(started, [picture])
    return {
        "accuracy": final_acc,
        "first_perfect_step": first_perfect,
        "parameters": len(params),
        "seconds": seconds,
        "pictures": [picture],
    }


if __name__ == "__main__":
    main()
