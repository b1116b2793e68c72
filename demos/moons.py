"""The classic: a ReLU MLP learns the two-moons data set.

Claim: MLP(2, [16, 16, 1]) with ReLU hidden layers, trained on 100 two-moons points
(noise 0.1) with the hinge loss + 1e-4·Σp² and SGD at lr = 1.0 - 0.9·k/100 for k = 0..99
(micrograd's demo setup), reaches 100% training accuracy within the 100 steps.

How it is measured: on every seed (seed s draws both the data and the initial weights),
the training accuracy (sign of the score vs the ±1 label) before each step; the claim holds
on a seed if it is 100% at some step, and the first such step is printed as median and
range over the seeds. A run stops at its first 100% step, except the first seed's, which
trains all the steps: its accuracy every 10 steps is printed and its decision boundary
drawn (matplotlib contour, PNG). The initialization is micrograd's U(-1, 1) by default
(--init uniform), so the setup is the one it is known for; --init he gives He's.

README's figures: python demos/moons.py --seeds 20 (and --first-seed 1000 for the check
that they do not depend on the seed range).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import _common
import matplotlib.pyplot as plt

from microgradrelu import MLP, SGD, Value, hinge_loss, make_moons
from microgradrelu.nn import INITS

SIZES = [16, 16, 1]


class Run(NamedTuple):
    seed: int
    points: int
    steps: int
    init: str
    full: bool  # train every step (the picture's run) instead of stopping at 100%


def train(run: Run) -> dict:
    """One seed: the first step with 100% training accuracy (None if none); the full run also
    returns its accuracy table, final accuracy and weights."""
    X, y = make_moons(n=run.points, noise=0.1, seed=run.seed)
    model = MLP(2, SIZES, activation="relu", init=run.init, seed=run.seed)
    params = model.parameters()
    opt = SGD(params, lr=1.0)
    rows, first_perfect = [], None
    for k in range(run.steps):
        opt.lr = 1.0 - 0.9 * k / run.steps
        scores = [model(x) for x in X]
        loss = hinge_loss(scores, y) + 1e-4 * Value.sum([q * q for q in params])
        acc = sum((s.data > 0) == (t > 0) for s, t in zip(scores, y)) / len(y)
        if acc == 1.0 and first_perfect is None:
            first_perfect = k
            if not run.full:
                break
        if k % 10 == 0:
            rows.append([k, round(opt.lr, 3), loss.data, acc])
        opt.zero_grad()
        loss.backward()
        opt.step()
    result = {"seed": run.seed, "first_perfect": first_perfect, "parameters": len(params)}
    if run.full:
        result.update(rows=rows, accuracy=_common.accuracy(model, X, y), state=model.state_dict())
    return result


def main(argv: Sequence[str] | None = None) -> dict:
    p = _common.parser(__doc__, points=100, steps=100)
    p.add_argument("--init", choices=sorted(INITS), default="uniform", help="weight init (default uniform)")
    args, clock = _common.start(p, argv)
    seeds = args.seed_list

    print(f"MLP(2, {SIZES}) with ReLU, init={args.init}; {args.points} two-moons points (noise 0.1)")
    print(f"loss = hinge + 1e-4·Σp², SGD lr = 1.0 - 0.9·k/{args.steps}, {args.steps} steps")
    print(f"seeds {seeds[0]}–{seeds[-1]} (seed s draws the data and the initial weights)\n")
    runs = [Run(s, args.points, args.steps, args.init, i == 0) for i, s in enumerate(seeds)]
    results = _common.run_all(train, runs, args.jobs, "seeds")
    first = results[0]
    first["rows"].append([f"end ({args.steps})", "", "", first["accuracy"]])
    print(f"\nseed {seeds[0]} (the picture's run):")
    print(_common.table(["step", "lr", "loss", "train accuracy"], first["rows"]))

    steps = [r["first_perfect"] for r in results]
    claim = _common.Claim.over(
        "reaches_full_training_accuracy",
        f"MLP(2, {SIZES}) with ReLU reaches 100% training accuracy on two moons within {args.steps} SGD steps.",
        seeds,
        [s is not None for s in steps],
        {"first_step_at_100_percent": steps, "median_step": _common.median(steps), "steps": args.steps},
        f"first step at 100% training accuracy: {_common.spread(steps, '{:.0f}', f'not within {args.steps}')}\n"
        f"per seed: {_common.per_seed(seeds, steps, '{:.0f}')}",
    )
    summaries = _common.report("moons", [claim], args)

    X, y = make_moons(n=args.points, noise=0.1, seed=seeds[0])
    model = MLP(2, SIZES, activation="relu", init=args.init, seed=seeds[0])
    model.load_state_dict(first["state"])
    fig, ax = plt.subplots(figsize=(5.2, 4.2))
    _common.plot_boundary(ax, model, X, y)
    title = f"{model}, seed {seeds[0]}\ntraining accuracy {first['accuracy']:.2f} after {args.steps} steps"
    ax.set_title(title, fontsize=9)
    picture = _common.save_figure(fig, args.out / "moons_boundary.png")
    return {
        "first_perfect_steps": steps,
        "accuracy": first["accuracy"],
        "parameters": first["parameters"],
        "claims": summaries,
        **_common.finish(clock, [picture]),
    }


if __name__ == "__main__":
    main()
