"""ReLU vs sigmoid vs tanh: speed of training, and the gradient that reaches the first layer.

Claim (the article): ReLU replaced sigmoid and tanh because networks using it converge
better; sigmoid's and tanh's derivatives are small (at most 1/4 and 1) and vanish when they
saturate, so the gradient shrinks layer after layer.

How it is measured (whatever the numbers say is printed; nothing is assumed):
  1. Steps to reach a loss target: the same MLP(2, [8, 8, 1]) with the same seed (so the
     same initial weights, He's N(0, 2/fan-in) for all three) is trained on the same
     two-moons data (--points, noise 0.1) with binary cross-entropy and full-batch SGD at
     the same learning rate; we count the steps until the loss is below --target (at most
     --max-steps), and print the loss reached.
  2. Vanishing gradients: at initialization, for MLP(2, [8] * depth + [1]) with depth
     1..--max-depth, the mean |∂loss/∂w| over the first layer's weights (the engine's
     backward on the first --grad-points points of the same data), averaged over --seeds
     initializations.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence

import _common
import matplotlib.pyplot as plt

from microgradrelu import MLP, SGD, bce_with_logits_loss, make_moons

ACTIVATIONS = ("relu", "tanh", "sigmoid")


def steps_to_target(
    activation: str, X: list[list[float]], t: list[float], seed: int, lr: float, target: float, max_steps: int
) -> tuple[int | None, list[float]]:
    """Train until the loss is below `target`; return (steps taken or None, loss curve)."""
    model = MLP(2, [8, 8, 1], activation=activation, seed=seed)
    opt = SGD(model.parameters(), lr=lr)
    curve: list[float] = []
    progress = _common.Progress(f"training {activation}", max_steps)
    for k in range(max_steps + 1):
        loss = bce_with_logits_loss([model(x) for x in X], t)
        curve.append(loss.data)
        if loss.data < target:
            return k, curve
        if k == max_steps:
            break
        opt.zero_grad()
        loss.backward()
        opt.step()
        progress.update(k + 1)
    return None, curve


def first_layer_gradient(activation: str, depth: int, X: list[list[float]], t: list[float], seed: int) -> float:
    """Mean |∂loss/∂w| over the first layer's weights, at initialization."""
    model = MLP(2, [8] * depth + [1], activation=activation, seed=seed)
    bce_with_logits_loss([model(x) for x in X], t).backward()
    weights = [w for n in model.layers[0].neurons for w in n.w]
    return sum(abs(w.grad) for w in weights) / len(weights)


def main(argv: Sequence[str] | None = None) -> dict:
    p = _common.parser(__doc__)
    p.add_argument("--points", type=_common.positive_int, default=60, help="two-moons points (default 60)")
    p.add_argument("--lr", type=_common.positive_float, default=0.5, help="learning rate (default 0.5)")
    p.add_argument("--target", type=_common.positive_float, default=0.1, help="loss target (default 0.1)")
    p.add_argument("--max-steps", type=_common.positive_int, default=300, help="step limit (default 300)")
    p.add_argument("--max-depth", type=_common.positive_int, default=10, help="deepest net for part 2 (10)")
    p.add_argument("--grad-points", type=_common.positive_int, default=20, help="points for part 2 (20)")
    p.add_argument("--seeds", type=_common.positive_int, default=5, help="initializations per depth (5)")
    args = p.parse_args(argv)
    started = time.perf_counter()
    out = _common.out_dir(args.out)
    X, y = make_moons(n=args.points, noise=0.1, seed=args.seed)
    t = [(label + 1) / 2 for label in y]  # ±1 -> 0/1 for cross-entropy

    print(f"1. Steps until the loss < {args.target}: MLP(2, [8, 8, 1]), He init, seed {args.seed},")
    print(f"   {len(X)} two-moons points, BCE, SGD lr={args.lr}, at most {args.max_steps} steps")
    steps: dict[str, int | None] = {}
    curves: dict[str, list[float]] = {}
    for act in ACTIVATIONS:
        steps[act], curves[act] = steps_to_target(act, X, t, args.seed, args.lr, args.target, args.max_steps)
    rows = [
        [act, steps[act] if steps[act] is not None else f"> {args.max_steps}", curves[act][0], curves[act][-1]]
        for act in ACTIVATIONS
    ]
    print(_common.table(["activation", "steps to target", "initial loss", "final loss"], rows))

    depths = list(range(1, args.max_depth + 1))
    print("\n2. Mean |∂loss/∂w| of the first layer at initialization, MLP(2, [8]*depth + [1]), He init,")
    Xg, tg = X[: args.grad_points], t[: args.grad_points]
    print(f"   mean over {args.seeds} seeds (seed {args.seed} onward), the first {len(Xg)} of the same points")
    grads: dict[str, list[float]] = {act: [] for act in ACTIVATIONS}
    progress = _common.Progress("depths", len(depths))
    for i, depth in enumerate(depths):
        for act in ACTIVATIONS:
            values = [first_layer_gradient(act, depth, Xg, tg, args.seed + s) for s in range(args.seeds)]
            grads[act].append(statistics.fmean(values))
        progress.update(i + 1)
    rows = [[d] + [f"{grads[act][i]:.3e}" for act in ACTIVATIONS] for i, d in enumerate(depths)]
    print(_common.table(["depth", *ACTIVATIONS], rows))
    ratio = {act: grads[act][-1] / grads[act][0] for act in ACTIVATIONS}
    print(
        f"\nfirst-layer gradient at depth {depths[-1]} / at depth 1: "
        + ", ".join(f"{act} {ratio[act]:.2e}" for act in ACTIVATIONS)
    )
    reached = {act: n for act, n in steps.items() if n is not None}
    if reached:
        best = min(reached, key=reached.__getitem__)
        print(f"fewest steps to the loss target on this setting: {best} ({reached[best]})")
    else:
        print("no activation reached the loss target on this setting")

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for act in ACTIVATIONS:
        ax1.plot(range(len(curves[act])), curves[act], label=act)
        ax2.semilogy(depths, grads[act], marker="o", label=act)
    ax1.axhline(args.target, color="grey", ls=":", lw=1)
    ax1.set_xlabel("SGD step")
    ax1.set_ylabel("BCE loss")
    ax1.set_title("training loss, same net, data and seed", fontsize=10)
    ax1.legend()
    ax2.set_xlabel("hidden layers")
    ax2.set_ylabel("mean |∂loss/∂w|, first layer")
    ax2.set_title("gradient reaching the first layer at init", fontsize=10)
    ax2.legend()
    picture = out / "activations.png"
    _common.save_figure(fig, picture)
    seconds = _common.finish(started, [picture])
    return {
        "steps_to_target": steps,
        "final_loss": {act: curves[act][-1] for act in ACTIVATIONS},
        "depths": depths,
        "first_layer_gradient": grads,
        "seconds": seconds,
        "pictures": [picture],
    }


if __name__ == "__main__":
    main()
