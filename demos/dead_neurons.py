"""Dead neurons: a too-large learning rate leaves ReLU units with no gradient at all; Leaky
ReLU units keep one.

Claim (the article): a ReLU neuron whose input z is negative on every example outputs 0
and, since ReLU's derivative there is 0, gets no gradient: it is dead and gradient descent
cannot bring it back. Leaky ReLU (slope 0.01 for z < 0) still passes a small gradient, so
the unit can recover.

Two words, never mixed up: a unit is NEGATIVE (on every input) when its z <= 0 on every
training input; a ReLU unit that is negative is DEAD. A Leaky ReLU unit that is negative is
not dead: it still gets slope-sized gradients.

How it is measured, on every seed (seed s draws the two-moons data and the initial weights):
the same MLP(2, [16, 16, 1]) is trained twice, once with ReLU and once with Leaky ReLU
hidden units, by full-batch SGD on the hinge loss at a constant learning rate (--lr,
default 2.0), --steps steps.
  * Before every step, `DeadNeuronHistory.record` notes which hidden units are negative
    (and so, for ReLU, dead).
  * At each of the first 5 steps and then every --every steps, `gradient_reach` runs the
    engine's backward on every input separately and counts the hidden units whose gradient
    is exactly 0 on every input: the units gradient descent cannot move. This is the main
    figure, median and range over the seeds.
  * At every step, the units dead before it are checked after the training backward: their
    weights and bias received exactly 0.0 and SGD left them bit for bit unchanged.
  * Comebacks: a unit negative at some step and active (z > 0 on some input) at a later one.
    A dead first-layer ReLU unit cannot come back (frozen weights, fixed inputs); a dead
    second-layer one can, when the first layer moves its inputs: both are measured.
  * Final training accuracy of both networks.
For the first seed, `draw_network` pictures of both networks before and after training, and
a training film (dead_neurons_film.html, `training_film`): both networks at every checked step
behind a slider, so you watch ReLU units die while Leaky ReLU units stay alive.

README's figures: python demos/dead_neurons.py --seeds 20 (and --first-seed 1000 for the
check that they do not depend on the seed range).
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import _common
import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

from microgradrelu import MLP, SGD, hinge_loss, make_moons, training_film
from microgradrelu.diagnostics import DeadNeuronHistory, gradient_reach
from microgradrelu.viz import draw_network

SIZES = [16, 16, 1]
HIDDEN = sum(SIZES[:-1])
KINDS = {"relu": "ReLU", "leaky_relu": "Leaky ReLU"}
COLORS = {"relu": "#D55E00", "leaky_relu": "#0072B2"}
EARLY = 5  # steps checked one by one at the start, where most ReLU units die


class Run(NamedTuple):
    seed: int
    activation: str
    points: int
    steps: int
    lr: float
    every: int
    draw: Path | None  # folder for the before/after network pictures (first seed only)


def checked(step: int, run: Run) -> bool:
    """The steps at which gradient reach and accuracy are measured."""
    return step < EARLY or step % run.every == 0 or step == run.steps


def train(run: Run) -> dict:
    """Train one network on one seed, measuring as the module docstring says."""
    X, y = make_moons(n=run.points, noise=0.1, seed=run.seed)
    model = MLP(2, SIZES, activation=run.activation, seed=run.seed)
    if run.draw is not None:
        draw_network(model, X).render(run.draw / f"dead_neurons_{run.activation}_before.svg")
    hidden = model.layers[:-1]
    opt = SGD(model.parameters(), lr=run.lr)
    history = DeadNeuronHistory()
    film = DeadNeuronHistory()  # the checked steps only, with their weights: the training film's frames
    negative_since: dict[tuple[int, int], int] = {}  # unit -> first step it was negative
    comebacks: list[tuple[int, int, int, int]] = []  # (layer, unit, negative at, active again at)
    checks: list[int] = []
    zero_gradient: list[int] = []
    accuracies: list[float] = []
    dead_unit_steps = moved = 0
    for k in range(run.steps + 1):
        report = history.record(k, model, X)
        for layer in report.layers:
            for n in layer.neurons:
                unit = (n.layer, n.index)
                if n.negative_everywhere:
                    negative_since.setdefault(unit, k)
                elif unit in negative_since:
                    comebacks.append((*unit, negative_since.pop(unit), k))
        if checked(k, run):
            if run.draw is not None:
                film.record(k, model, X)
            checks.append(k)
            zero_gradient.append(sum(c == 0 for layer in gradient_reach(model, X) for c in layer))
            accuracies.append(_common.accuracy(model, X, y))
        if k == run.steps:
            break
        dead = [hidden[n.layer].neurons[n.index] for layer in report.layers for n in layer.neurons if n.dead]
        loss = hinge_loss([model(x) for x in X], y)
        opt.zero_grad()
        loss.backward()
        before = [[p.data for p in n.parameters()] for n in dead]
        got_gradient = [any(p.grad != 0.0 for p in n.parameters()) for n in dead]
        opt.step()
        after = [[p.data for p in n.parameters()] for n in dead]
        dead_unit_steps += len(dead)
        moved += sum(g or b != a for g, b, a in zip(got_gradient, before, after))
    if run.draw is not None:
        draw_network(model, X).render(run.draw / f"dead_neurons_{run.activation}_after.svg")
    rows = history.rows
    return {
        "seed": run.seed,
        "steps": [row.step for row in rows],
        "negative": [sum(row.negative) for row in rows],
        "dead": [sum(row.dead) for row in rows],
        "checks": checks,
        "zero_gradient": zero_gradient,
        "accuracy": accuracies,
        "comebacks": comebacks,
        "ever_negative": len({c[:2] for c in comebacks} | set(negative_since)),
        "dead_unit_steps": dead_unit_steps,
        "dead_moved": moved,
        "history": film if run.draw is not None else None,
    }


def band(ax: plt.Axes, xs: list[int], per_seed: list[list[float]], color: str, label: str, **style: object) -> None:
    """Median over seeds as a line, the 10–90% band of the seeds shaded."""
    columns = [sorted(c) for c in zip(*per_seed)]
    low = [statistics.quantiles(c, n=10, method="inclusive")[0] if len(c) > 1 else c[0] for c in columns]
    high = [statistics.quantiles(c, n=10, method="inclusive")[-1] if len(c) > 1 else c[0] for c in columns]
    ax.fill_between(xs, low, high, color=color, alpha=0.18, lw=0)
    ax.plot(xs, [statistics.median(c) for c in columns], color=color, label=label, **style)


def plot(runs: dict[str, list[dict]], args: argparse.Namespace, seeds: list[int], path: Path) -> Path:
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.3))
    span = f"median (line) and 10–90% band over {len(seeds)} seeds ({seeds[0]}–{seeds[-1]})"
    for activation, name in KINDS.items():
        rs, color = runs[activation], COLORS[activation]
        dashed = {} if activation == "relu" else {"ls": "--"}
        band(axes[0], rs[0]["checks"], [r["zero_gradient"] for r in rs], color, name, marker="o", ms=3)
        word = "dead" if activation == "relu" else "negative, not dead (slope-sized gradient)"
        band(axes[1], rs[0]["steps"], [r["negative"] for r in rs], color, f"{name}: {word}", **dashed)
        band(axes[2], rs[0]["checks"], [r["accuracy"] for r in rs], color, name, marker="o", ms=3)
    axes[0].set_title(
        "Hidden units with zero gradient on every input\n(the engine's backward, input by input)", fontsize=9
    )
    axes[1].set_title("Hidden units with z <= 0 on every input", fontsize=9)
    axes[2].set_title("Training accuracy", fontsize=9)
    for ax in axes[:2]:
        ax.set_ylabel(f"units (of {HIDDEN})")
        ax.set_ylim(bottom=-0.5)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes[2].set_ylabel("training accuracy")
    for ax in axes:
        ax.set_xlabel("SGD step")
        ax.legend(fontsize=8)
    fig.suptitle(f"MLP(2, {SIZES}) on {args.points} two-moons points, hinge loss, SGD lr = {args.lr}\n{span}", y=1.06)
    return _common.save_figure(fig, path)


def claims(runs: dict[str, list[dict]], seeds: list[int], args: argparse.Namespace) -> list[_common.Claim]:
    relu, leaky = runs["relu"], runs["leaky_relu"]
    relu_end = [r["zero_gradient"][-1] for r in relu]
    leaky_max = [max(r["zero_gradient"]) for r in leaky]
    checked_steps = ", ".join(map(str, relu[0]["checks"]))
    unit_steps = [r["dead_unit_steps"] for r in relu]
    moved = [r["dead_moved"] for r in relu]
    back = [[len({c[:2] for c in r["comebacks"] if c[0] == layer}) for r in relu] for layer in range(len(SIZES) - 1)]
    leaky_negative = [r["ever_negative"] for r in leaky]
    leaky_back = [len({c[:2] for c in r["comebacks"]}) for r in leaky]
    acc_relu, acc_leaky = [r["accuracy"][-1] for r in relu], [r["accuracy"][-1] for r in leaky]
    return [
        _common.Claim.over(
            "relu_units_lose_all_gradient",
            f"Trained at lr {args.lr}, some ReLU units end with zero gradient on every input (checked by backward).",
            seeds,
            [n > 0 for n in relu_end],
            {"units": relu_end, "hidden_units": HIDDEN, "median": _common.median(relu_end)},
            f"ReLU units with zero gradient on every input after {args.steps} steps (of {HIDDEN}): "
            f"{_common.spread(relu_end, '{:.0f}')}",
        ),
        _common.Claim.over(
            "leaky_units_keep_gradient",
            "No Leaky ReLU unit has zero gradient on every input, at any checked step.",
            seeds,
            [n == 0 for n in leaky_max],
            {"most_units_at_any_checked_step": leaky_max, "checked_steps": relu[0]["checks"]},
            f"most Leaky ReLU units with zero gradient on every input at steps {checked_steps}: "
            f"{_common.spread(leaky_max, '{:.0f}')}",
        ),
        _common.Claim.over(
            "dead_relu_weights_get_exactly_zero",
            "While a ReLU unit is dead, its weights and bias receive exactly zero gradient and SGD leaves "
            "them unchanged.",
            seeds,
            [m == 0 for m in moved],
            {"dead_unit_steps": unit_steps, "moved": moved},
            f"(dead unit, step) pairs checked: {_common.spread(unit_steps, '{:.0f}')} per seed; "
            f"pairs with a nonzero gradient or a changed weight: {sum(moved)} in all",
        ),
        *(
            _common.Claim.over(
                f"dead_{name}_layer_relu_units_stay_dead",
                f"A {name}-layer ReLU unit dead at some step is dead at every later step: its weights are frozen "
                f"and its inputs are {inputs}.",
                seeds,
                [n == 0 for n in back[layer]],
                {"units_active_again": back[layer]},
                f"{name}-layer units dead at some step and active again later: {_common.spread(back[layer], '{:.0f}')}",
            )
            for layer, (name, inputs) in enumerate(
                (("first", "the fixed data"), ("second", "the first layer's outputs, which still train"))
            )
        ),
        _common.Claim.over(
            "leaky_negative_units_recover",
            "Some Leaky ReLU units that are negative on every input at some step are active again later.",
            seeds,
            [n > 0 for n in leaky_back],
            {"ever_negative": leaky_negative, "recovered": leaky_back},
            f"Leaky ReLU units negative at some step: {_common.spread(leaky_negative, '{:.0f}')}; "
            f"of those, active again later: {_common.spread(leaky_back, '{:.0f}')}",
        ),
        _common.Claim.higher(
            "leaky_accuracy_above_relu",
            f"After {args.steps} steps the Leaky ReLU network's training accuracy is higher than the ReLU network's.",
            seeds,
            ("Leaky ReLU", "ReLU"),
            acc_leaky,
            acc_relu,
        ),
    ]


def main(argv: Sequence[str] | None = None) -> dict:
    p = _common.parser(__doc__, points=60, steps=60, lr=2.0)
    p.add_argument(
        "--every",
        type=_common.positive_int,
        default=10,
        help=f"check gradients every N steps and at each of the first {EARLY} (default 10)",
    )
    args, clock = _common.start(p, argv)
    seeds, out = args.seed_list, args.out
    print(
        f"MLP(2, {SIZES}), {args.points} two-moons points (noise 0.1), hinge loss, full-batch SGD at a constant "
        f"lr = {args.lr}, {args.steps} steps; ReLU and Leaky ReLU on seeds {seeds[0]}–{seeds[-1]}\n"
        "negative = z <= 0 on every input; a negative ReLU unit is dead, a negative Leaky ReLU unit is not\n"
    )
    tasks = [
        Run(s, a, args.points, args.steps, args.lr, args.every, out if i == 0 else None)
        for i, s in enumerate(seeds)
        for a in KINDS
    ]
    results = _common.run_all(train, tasks, args.jobs, "trainings")
    runs = {a: [r for t, r in zip(tasks, results) if t.activation == a] for a in KINDS}

    rows = []
    for i, step in enumerate(runs["relu"][0]["checks"]):
        cells = [step]
        for activation in KINDS:
            cells.append(_common.spread([r["zero_gradient"][i] for r in runs[activation]], "{:.0f}"))
        rows.append(cells)
    print(f"\nHidden units (of {HIDDEN}) with zero gradient on every input, over the seeds:")
    print(_common.table(["step", "ReLU", "Leaky ReLU"], rows))
    rows = [
        [
            step,
            _common.spread([r["dead"][k] for r in runs["relu"]], "{:.0f}"),
            _common.spread([r["negative"][k] for r in runs["leaky_relu"]], "{:.0f}"),
        ]
        for k, step in enumerate(runs["relu"][0]["steps"])
        if checked(step, tasks[0])
    ]
    print(f"\nHidden units (of {HIDDEN}) with z <= 0 on every input, over the seeds:")
    print(_common.table(["step", "ReLU: dead", "Leaky ReLU: negative (not dead)"], rows))

    found = claims(runs, seeds, args)
    summaries = _common.report("dead_neurons", found, args)
    picture = plot(runs, args, seeds, out / "dead_neurons.png")
    X = make_moons(n=args.points, noise=0.1, seed=seeds[0])[0]
    film = {name: (MLP(2, SIZES, activation=a, seed=seeds[0]), runs[a][0]["history"]) for a, name in KINDS.items()}
    film_page = training_film(film, X, title=f"Training, seed {seeds[0]}: ReLU units die, Leaky ReLU units do not")
    pictures = [out / f"dead_neurons_{a}_{when}.svg" for a in KINDS for when in ("before", "after")]
    pictures += [picture, film_page.save(out / "dead_neurons_film.html")]
    return {
        "runs": runs,
        "histories": {a: runs[a][0]["history"] for a in KINDS},  # the first seed's checked steps, with weights
        "claims": summaries,
        **_common.finish(clock, pictures),
    }


if __name__ == "__main__":
    main()
