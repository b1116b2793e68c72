"""Dead neurons: a too-large learning rate kills ReLU units for good; Leaky ReLU keeps a
gradient flowing through every unit.

Claim (the article): a ReLU neuron whose input z is negative on every example outputs 0
and, since ReLU's derivative there is 0, gets no gradient: it is dead and gradient descent
cannot bring it back. Leaky ReLU (slope 0.01 for z < 0) still passes a small gradient.

How it is measured: the same MLP(2, [16, 16, 1]) (same seed, so the same initial weights)
is trained on the same two-moons data twice, once with ReLU and once with Leaky ReLU
hidden units, by full-batch SGD on the hinge loss at a constant learning rate (--lr,
default 2.0: high enough to kill ReLU units in this setting, as the output shows).
  * At each of the first 5 steps and then every --every steps, `DeadNeuronHistory`
    records per hidden layer how many neurons have z <= 0 on every training input
    (`activation_report`): "dead" for ReLU, "negative everywhere" for Leaky ReLU.
  * After training, `gradient_reach` runs the engine's backward on every input and counts
    the neurons that received a zero gradient (∂output/∂bias = 0) on every input, i.e.
    neurons that gradient descent can no longer change. This is measured, not inferred.
  * Training accuracy of both; `draw_network` pictures of both networks before and after
    training; a plot of the dead fraction over the steps.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

import _common
import matplotlib.pyplot as plt

from microgradrelu import MLP, SGD, hinge_loss, make_moons
from microgradrelu.diagnostics import DeadNeuronHistory, gradient_reach, pre_activations
from microgradrelu.viz import draw_network

SIZES = [16, 16, 1]
KINDS = {"relu": "ReLU", "leaky_relu": "Leaky ReLU"}


EARLY = 5  # steps recorded one by one at the start, where most ReLU units die


def accuracy(model: MLP, X: Sequence[Sequence[float]], y: Sequence[int]) -> float:
    scores = pre_activations(model, X)[-1][0]
    return sum((s > 0) == (t > 0) for s, t in zip(scores, y)) / len(y)


def train(
    activation: str, X: list[list[float]], y: list[int], args: argparse.Namespace, out: Path
) -> tuple[MLP, DeadNeuronHistory, list[float], float]:
    """Train one network, recording the dead counts; returns (model, history, accuracies, loss)."""
    model = MLP(2, SIZES, activation=activation, seed=args.seed)
    draw_network(model, X).render(out / f"dead_neurons_{activation}_before.svg")
    opt = SGD(model.parameters(), lr=args.lr)
    steps: int = args.steps
    history = DeadNeuronHistory()
    accuracies: list[float] = []
    loss = float("nan")
    progress = _common.Progress(f"training {KINDS[activation]}", steps)
    for k in range(steps + 1):
        if k < EARLY or k % args.every == 0 or k == steps:  # units die early: record each first step
            history.record(k, model, X)
            accuracies.append(accuracy(model, X, y))
        if k == steps:
            break
        loss_value = hinge_loss([model(x) for x in X], y)
        opt.zero_grad()
        loss_value.backward()
        opt.step()
        loss = loss_value.data
        progress.update(k + 1)
    draw_network(model, X).render(out / f"dead_neurons_{activation}_after.svg")
    return model, history, accuracies, loss


def main(argv: Sequence[str] | None = None) -> dict:
    p = _common.parser(__doc__)
    p.add_argument("--lr", type=_common.positive_float, default=2.0, help="constant learning rate (default 2.0)")
    p.add_argument("--steps", type=_common.positive_int, default=60, help="SGD steps (default 60)")
    p.add_argument("--points", type=_common.positive_int, default=100, help="two-moons points (default 100)")
    p.add_argument(
        "--every",
        type=_common.positive_int,
        default=5,
        help=f"record every N steps and each of the first {EARLY} (default 5)",
    )
    args = p.parse_args(argv)
    started = time.perf_counter()
    out = _common.out_dir(args.out)
    X, y = make_moons(n=args.points, noise=0.1, seed=args.seed)
    print(
        f"MLP(2, {SIZES}), seed {args.seed}; {len(X)} two-moons points (noise 0.1); hinge loss, "
        f"full-batch SGD, constant lr = {args.lr}, {args.steps} steps\n"
    )

    results: dict = {"lr": args.lr, "steps": args.steps, "seed": args.seed}
    histories, accs = {}, {}
    for activation, name in KINDS.items():
        model, history, accuracies, loss = train(activation, X, y, args, out)
        reach = gradient_reach(model, X)
        zero_grad = [sum(c == 0 for c in layer) for layer in reach]
        final = history.rows[-1]
        histories[activation], accs[activation] = history, accuracies
        results[activation] = {
            "dead_per_layer": list(final.dead),
            "dead": sum(final.dead),
            "zero_gradient_per_layer": zero_grad,
            "zero_gradient": sum(zero_grad),
            "accuracy": accuracies[-1],
            "loss": loss,
            "gradient_reach": reach,
            "model": model,
        }
        word = "dead" if activation == "relu" else "negative everywhere"
        print(f"\n{name}: per hidden layer, neurons with z <= 0 on all {len(X)} inputs ({word}):")
        print(history)

    hidden = sum(SIZES[:-1])
    rows = []
    for activation, name in KINDS.items():
        r = results[activation]
        rows.append(
            [
                name,
                " + ".join(map(str, r["dead_per_layer"])) + f" = {r['dead']}",
                " + ".join(map(str, r["zero_gradient_per_layer"])) + f" = {r['zero_gradient']}",
                f"{r['accuracy']:.2f}",
                r["loss"],
            ]
        )
    print(f"\nAfter training (hidden neurons: layer 0 + layer 1 = total, of {hidden}):")
    print(
        _common.table(
            ["network", "z <= 0 on every input", "zero gradient on every input (backward)", "accuracy", "last loss"],
            rows,
        )
    )
    relu, leaky = results["relu"], results["leaky_relu"]
    print(
        f"\nReLU: {relu['dead']} of {hidden} hidden neurons are dead and {relu['zero_gradient']} get a zero "
        f"gradient from every input. Leaky ReLU: {leaky['dead']} are negative everywhere, and "
        f"{leaky['zero_gradient']} get a zero gradient from every input."
    )

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for activation, name in KINDS.items():
        h = histories[activation]
        label = f"{name} ({'dead' if activation == 'relu' else 'negative everywhere'})"
        ax1.plot(h.steps, [100 * f for f in h.dead_fractions], marker="o", label=label)
        ax2.plot(h.steps, accs[activation], marker="o", label=name)
    ax1.set_xlabel("SGD step")
    ax1.set_ylabel("% of hidden neurons with z <= 0 on every input")
    ax1.set_title(f"MLP(2, {SIZES}), lr = {args.lr}", fontsize=10)
    ax1.legend()
    ax2.set_xlabel("SGD step")
    ax2.set_ylabel("training accuracy")
    ax2.legend()
    plot = _common.save_figure(fig, out / "dead_neurons.png")
    pictures = [out / f"dead_neurons_{a}_{when}.svg" for a in KINDS for when in ("before", "after")] + [plot]
    results["seconds"] = _common.finish(started, pictures)
    results["pictures"] = pictures
    return results


if __name__ == "__main__":
    main()
