"""Deep, narrow ReLU networks are "born dead"; an asymmetric initialization keeps them alive.

Claim (Lu, Shin, Su & Karniadakis, "Dying ReLU and Initialization: Theory and Numerical
Examples", Commun. Comput. Phys. 28(5), 2020): with a symmetric initialization a deep ReLU
network of fixed width is, at initialization, constant over its input domain with a
probability that goes to 1 as the depth grows; their randomized asymmetric initialization
(RAI, `init="rai"`) lowers that probability.

How it is measured (Monte Carlo, plain float arithmetic, no autodiff graph):
  * networks with 1 input, `depth` hidden ReLU layers of `width` neurons, and a linear
    output, drawn with this library's initializers: "he" (N(0, 2/fan-in), bias 0:
    symmetric) and "rai"; widths 2..10, depths 1..50, --trials networks per (width, init);
  * the input domain [-√3, √3] is sampled at --points evenly spaced points;
  * RULE: a network is counted BORN DEAD at depth L if one of its first L hidden layers
    outputs 0 from every neuron (z <= 0) on every sampled input. Then its output is the same
    constant on all of them, and no gradient reaches any weight at or below that layer
    from any of them (ReLU's derivative is 0 there), so training cannot revive it. This is
    the paper's "constant function" event in its strongest, gradient-blocking form; the
    weaker event "output constant over the samples" is counted too and printed beside it.
  * Check against a closed form: on inputs of one sign (x in (0, √3]) with zero biases
    (He), every layer's output is x times its output at x = 1, a vector with nonnegative
    entries. Given a nonzero such vector, each neuron's z = w·h is a symmetric Gaussian, so
    negative with probability 1/2, independently across neurons: a living layer is followed
    by an all-zero layer with probability 2^-N, and once zero it stays zero. Hence
        P(born dead at depth L) = 1 - (1 - 2^-N)^L   (width N).
    The measured frequency is printed next to it, with its binomial standard error.
"""

from __future__ import annotations

import math
import operator
import random
import time
from collections.abc import Sequence

import _common
import matplotlib.pyplot as plt

from microgradrelu.nn import INITS

WIDTHS = range(2, 11)
MAX_DEPTH = 50
TABLE_DEPTHS = (1, 2, 5, 10, 20, 30, 50)


def first_death(
    width: int, max_depth: int, init: str, rng: random.Random, xs: Sequence[float]
) -> tuple[int | None, int | None]:
    """Draw one network layer by layer; return (first depth at which a hidden layer is 0 on
    every input, first depth at which every input gives the same hidden output), or None.

    Once all inputs give identical rows, later layers see one input; the loop continues on
    that single row (cheap) to find the all-zero layer, if any."""
    rows = [[x] for x in xs]
    dead = constant = None
    mul = operator.mul
    for depth in range(1, max_depth + 1):
        nin = len(rows[0])
        layer = [INITS[init](nin, rng) for _ in range(width)]
        rows = [[z if (z := sum(map(mul, w, row)) + b) > 0.0 else 0.0 for w, b in layer] for row in rows]
        if constant is None and all(row == rows[0] for row in rows):
            constant = depth
            rows = rows[:1]
        if not any(rows[0]) and constant is not None:
            dead = depth
            break
    return dead, constant


def survival(width: int, init: str, trials: int, xs: Sequence[float], seed: int) -> tuple[list[int], list[int]]:
    """Counts, for depth 1..MAX_DEPTH, of networks born dead (rule) and with constant output."""
    rng = random.Random(f"{seed}-{init}-{width}")  # each cell reproducible on its own
    dead_at = [0] * (MAX_DEPTH + 1)
    const_at = [0] * (MAX_DEPTH + 1)
    for _ in range(trials):
        dead, constant = first_death(width, MAX_DEPTH, init, rng, xs)
        if dead is not None:
            dead_at[dead] += 1
        if constant is not None:
            const_at[constant] += 1
    # cumulative: dead by depth L
    dead_cum, const_cum, d, c = [], [], 0, 0
    for depth in range(1, MAX_DEPTH + 1):
        d += dead_at[depth]
        c += const_at[depth]
        dead_cum.append(d)
        const_cum.append(c)
    return dead_cum, const_cum


def closed_form(width: int, depth: int) -> float:
    """P(born dead by `depth`) for zero-bias symmetric weights on inputs of one sign."""
    return 1.0 - (1.0 - 2.0**-width) ** depth


def main(argv: Sequence[str] | None = None) -> dict:
    p = _common.parser(__doc__)
    p.add_argument("--trials", type=_common.positive_int, default=200, help="networks per width and init (200)")
    p.add_argument("--points", type=_common.positive_int, default=16, help="sampled inputs (default 16)")
    p.add_argument(
        "--widths", type=_common.positive_int, nargs="+", default=list(WIDTHS), help="widths (default 2..10)"
    )
    args = p.parse_args(argv)
    started = time.perf_counter()
    out = _common.out_dir(args.out)
    a = math.sqrt(3.0)
    m = args.points
    xs = [-a + 2 * a * (i + 0.5) / m for i in range(m)]  # midpoints: symmetric, 0 excluded
    xs_pos = [a * (i + 1) / m for i in range(m)]  # (0, √3]
    widths = sorted(set(args.widths))

    print(f"{args.trials} random networks per width and initialization, 1 input, {m} sampled inputs, seed {args.seed}")
    print("born dead at depth L = some hidden layer among the first L is 0 on every sampled input\n")
    dead: dict[str, dict[int, list[int]]] = {"he": {}, "rai": {}}
    const: dict[str, dict[int, list[int]]] = {"he": {}, "rai": {}}
    jobs = [(init, w) for init in ("he", "rai") for w in widths]
    progress = _common.Progress("Monte Carlo on [-√3, √3]", len(jobs) + len(widths))
    for i, (init, w) in enumerate(jobs):
        dead[init][w], const[init][w] = survival(w, init, args.trials, xs, args.seed)
        progress.update(i + 1)
    check: dict[int, list[int]] = {}
    for i, w in enumerate(widths):
        check[w], _ = survival(w, "he", args.trials, xs_pos, args.seed + 1)
        progress.update(len(jobs) + i + 1)

    n = args.trials
    for init, name in (("he", "He (symmetric)"), ("rai", "RAI (asymmetric)")):
        rows = [[w] + [dead[init][w][d - 1] / n for d in TABLE_DEPTHS] for w in widths]
        print(f"\nP(born dead), {name}, by depth:")
        print(_common.table(["width"] + [f"L={d}" for d in TABLE_DEPTHS], rows))
    rows = []
    for w in widths:
        rows.append([w] + [f"{dead[i][w][-1] / n:.3f} / {const[i][w][-1] / n:.3f}" for i in ("he", "rai")])
    print(f"\nAt depth {MAX_DEPTH}: born dead (rule) / output constant over the samples (weaker event):")
    print(_common.table(["width", "He", "RAI"], rows))

    print("\nClosed-form check: He, inputs x in (0, √3] (one sign), P = 1 - (1 - 2^-N)^L:")
    rows, worst = [], 0.0
    for w in widths:
        for d in (1, 5, 10, 50):
            expected = closed_form(w, d)
            measured = check[w][d - 1] / n
            se = math.sqrt(max(expected * (1 - expected), 1.0 / n) / n)
            z = (measured - expected) / se
            worst = max(worst, abs(z))
            rows.append([w, d, f"{measured:.3f}", f"{expected:.3f}", f"{se:.3f}", f"{z:+.1f}"])
    print(_common.table(["width", "depth", "measured", "closed form", "std err", "z"], rows))
    print(f"largest |measured - closed form| / std err: {worst:.1f}")

    depths = list(range(1, MAX_DEPTH + 1))
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), sharey=True)
    cmap = plt.get_cmap("viridis")
    for ax, init, title in ((axes[0], "he", "He (symmetric)"), (axes[1], "rai", "RAI (asymmetric)")):
        for k, w in enumerate(widths):
            ax.plot(depths, [c / n for c in dead[init][w]], color=cmap(k / max(len(widths) - 1, 1)), label=f"N={w}")
        ax.set_title(f"P(born dead), {title}", fontsize=10)
        ax.set_xlabel("depth (hidden layers)")
    axes[0].set_ylabel(f"fraction of {n} networks")
    axes[0].legend(fontsize=7, ncol=2)
    for k, w in enumerate(widths):
        color = cmap(k / max(len(widths) - 1, 1))
        axes[2].plot(depths, [c / n for c in check[w]], color=color, lw=1)
        axes[2].plot(depths, [closed_form(w, d) for d in depths], color=color, ls="--", lw=1)
    axes[2].set_title("He, x > 0: measured (solid) vs 1-(1-2^-N)^L (dashed)", fontsize=9)
    axes[2].set_xlabel("depth (hidden layers)")
    picture = out / "born_dead.png"
    _common.save_figure(fig, picture)
    seconds = _common.finish(started, [picture])
    return {
        "trials": n,
        "widths": widths,
        "born_dead": {init: {w: [c / n for c in dead[init][w]] for w in widths} for init in dead},
        "constant": {init: {w: [c / n for c in const[init][w]] for w in widths} for init in const},
        "closed_form_check": {w: [c / n for c in check[w]] for w in widths},
        "closed_form_max_z": worst,
        "seconds": seconds,
        "pictures": [picture],
    }


if __name__ == "__main__":
    main()
