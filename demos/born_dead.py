"""Deep, narrow ReLU networks are "born dead"; an asymmetric initialization keeps them alive.

Claim (Lu, Shin, Su & Karniadakis, "Dying ReLU and Initialization: Theory and Numerical
Examples", Commun. Comput. Phys. 28(5), 2020): with a symmetric initialization a deep ReLU
network of fixed width is, at initialization, constant over its input domain with a
probability that goes to 1 as the depth grows; their randomized asymmetric initialization
(RAI, `init="rai"`) lowers that probability.

How it is measured (Monte Carlo, plain float arithmetic, no autodiff graph):
  * networks with 1 input, `depth` hidden ReLU layers of `width` neurons, and a linear
    output, drawn with this library's initializers: "he" (N(0, 2/fan-in), bias 0:
    symmetric) and "rai"; widths 2..10, depths 1..50, --trials networks per (width, init)
    and seed; every seed is an independent Monte Carlo run, the tables pool all of them;
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
    The measured frequency is printed next to it, with its binomial standard error. (Any
    one input of one sign decides, so this check samples 4 of them.)

Claims, per seed: the measured frequencies agree with the closed form (every width and
depth 1, 5, 10, 50 within 4 standard errors); RAI leaves fewer networks born dead by depth 50
than He, summed over the widths.

README's figures: python demos/born_dead.py --seeds 20 (and --first-seed 1000 for the
check that they do not depend on the seed range).
"""

from __future__ import annotations

import math
import operator
import random
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import _common
import matplotlib.pyplot as plt

from microgradrelu.nn import INITS

WIDTHS = range(2, 11)
MAX_DEPTH = 50
TABLE_DEPTHS = (1, 2, 5, 10, 20, 30, 50)
CHECK_DEPTHS = (1, 5, 10, 50)
CHECK_POINTS = 4  # inputs of one sign for the closed-form check: any one decides
Z_LIMIT = 4.0  # |measured - closed form| in standard errors; 36 cells, so 3 would fail by chance now and then


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


class Cell(NamedTuple):
    """One Monte Carlo cell: `trials` networks of one width and init, on one set of inputs."""

    seed: int
    init: str
    width: int
    trials: int
    domain: str  # "symmetric" ([-√3, √3]) or "positive" ((0, √3], the closed-form check)
    xs: tuple[float, ...]


def survival(cell: Cell) -> tuple[list[int], list[int]]:
    """Counts, for depth 1..MAX_DEPTH, of networks born dead (rule) and with constant output."""
    rng = random.Random(f"{cell.seed}-{cell.init}-{cell.width}-{cell.domain}")  # each cell reproducible on its own
    dead_at = [0] * (MAX_DEPTH + 1)
    const_at = [0] * (MAX_DEPTH + 1)
    for _ in range(cell.trials):
        dead, constant = first_death(cell.width, MAX_DEPTH, cell.init, rng, cell.xs)
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


def z_scores(counts: dict[int, list[int]], n: int) -> dict[tuple[int, int], float]:
    """(measured - closed form) / binomial standard error, per (width, depth in CHECK_DEPTHS);
    the error is never taken below that of one network in n, so a certain event is not divided by 0."""
    z = {}
    for w, cum in counts.items():
        for d in CHECK_DEPTHS:
            expected = closed_form(w, d)
            se = math.sqrt(max(expected * (1 - expected), 1.0 / n) / n)
            z[w, d] = (cum[d - 1] / n - expected) / se
    return z


def main(argv: Sequence[str] | None = None) -> dict:
    p = _common.parser(__doc__)
    p.add_argument("--trials", type=_common.positive_int, default=30, help="networks per width, init and seed (30)")
    p.add_argument("--points", type=_common.positive_int, default=16, help="sampled inputs (default 16)")
    p.add_argument(
        "--widths", type=_common.positive_int, nargs="+", default=list(WIDTHS), help="widths (default 2..10)"
    )
    args, clock = _common.start(p, argv)
    seeds = args.seed_list
    a = math.sqrt(3.0)
    m = args.points
    xs = tuple(-a + 2 * a * (i + 0.5) / m for i in range(m))  # midpoints: symmetric, 0 excluded
    xs_pos = tuple(a * (i + 1) / CHECK_POINTS for i in range(CHECK_POINTS))  # (0, √3]
    widths = sorted(set(args.widths))
    n = args.trials * len(seeds)  # networks per (width, init), all seeds pooled

    print(
        f"{args.trials} random networks per width, initialization and seed, seeds {seeds[0]}–{seeds[-1]} "
        f"({n} per width and initialization in all);\n1 input, {m} sampled inputs; born dead at depth L = some "
        "hidden layer among the first L is 0 on every sampled input\n"
    )
    cells = [Cell(s, i, w, args.trials, "symmetric", xs) for i in ("rai", "he") for w in widths for s in seeds]
    cells += [Cell(s, "he", w, args.trials, "positive", xs_pos) for w in widths for s in seeds]
    found = dict(zip(cells, _common.run_all(survival, cells, args.jobs, "Monte Carlo cells")))

    def pooled(init: str, domain: str, which: int) -> dict[int, list[int]]:
        """Per width, counts by depth summed over the seeds (which: 0 born dead, 1 constant)."""
        mine = [c for c in cells if c.init == init and c.domain == domain]
        return {w: [sum(col) for col in zip(*(found[c][which] for c in mine if c.width == w))] for w in widths}

    dead = {init: pooled(init, "symmetric", 0) for init in ("he", "rai")}
    const = {init: pooled(init, "symmetric", 1) for init in ("he", "rai")}
    check = pooled("he", "positive", 0)
    for init, name in (("he", "He (symmetric)"), ("rai", "RAI (asymmetric)")):
        rows = [[w] + [f"{dead[init][w][d - 1] / n:.3f}" for d in TABLE_DEPTHS] for w in widths]
        print(f"\nP(born dead), {name}, by depth, {n} networks per width:")
        print(_common.table(["width"] + [f"L={d}" for d in TABLE_DEPTHS], rows))
    rows = []
    for w in widths:
        rows.append([w] + [f"{dead[i][w][-1] / n:.3f} / {const[i][w][-1] / n:.3f}" for i in ("he", "rai")])
    print(f"\nAt depth {MAX_DEPTH}: born dead (rule) / output constant over the samples (weaker event):")
    print(_common.table(["width", "He", "RAI"], rows))

    print(f"\nClosed-form check: He, inputs x in (0, √3] (one sign), P = 1 - (1 - 2^-N)^L, {n} networks per width:")
    z_all = z_scores(check, n)
    rows = [
        [w, d, f"{check[w][d - 1] / n:.3f}", f"{closed_form(w, d):.3f}", f"{z_all[w, d]:+.1f}"]
        for w in widths
        for d in CHECK_DEPTHS
    ]
    print(_common.table(["width", "depth", "measured", "closed form", "z"], rows))
    worst = max(abs(z) for z in z_all.values())
    print(f"largest |measured - closed form| / std err, all seeds pooled: {worst:.1f}")

    claims = seed_claims(found, cells, seeds, widths, args)
    summaries = _common.report("born_dead", claims, args)
    picture = plot(dead, check, widths, n, args.out)
    return {
        "trials": n,
        "widths": widths,
        "born_dead": {init: {w: [c / n for c in dead[init][w]] for w in widths} for init in dead},
        "constant": {init: {w: [c / n for c in const[init][w]] for w in widths} for init in const},
        "closed_form_check": {w: [c / n for c in check[w]] for w in widths},
        "closed_form_max_z": worst,
        "claims": summaries,
        **_common.finish(clock, [picture]),
    }


def seed_claims(found: dict, cells: list[Cell], seeds: list[int], widths: list[int], args) -> list[_common.Claim]:
    """The two claims, each checked on every seed's own Monte Carlo run."""
    n = args.trials

    def counts(seed: int, init: str, domain: str) -> dict[int, list[int]]:
        return {c.width: found[c][0] for c in cells if (c.seed, c.init, c.domain) == (seed, init, domain)}

    worst = [max(abs(z) for z in z_scores(counts(s, "he", "positive"), n).values()) for s in seeds]
    he = [sum(cum[-1] for cum in counts(s, "he", "symmetric").values()) for s in seeds]
    rai = [sum(cum[-1] for cum in counts(s, "rai", "symmetric").values()) for s in seeds]
    total = n * len(widths)
    return [
        _common.Claim.over(
            "born_dead_matches_closed_form",
            f"With He's symmetric init on inputs of one sign, the fraction of networks born dead by depth L is "
            f"1 - (1 - 2^-N)^L (width N): every width and depth {', '.join(map(str, CHECK_DEPTHS))} within "
            f"{Z_LIMIT:g} standard errors.",
            seeds,
            [z <= Z_LIMIT for z in worst],
            {"largest_abs_z": worst, "limit": Z_LIMIT, "networks_per_cell": n},
            f"largest |z| over the {len(widths) * len(CHECK_DEPTHS)} (width, depth) cells, {n} networks each: "
            f"{_common.spread(worst, '{:.1f}')}",
        ),
        _common.Claim.over(
            "rai_fewer_born_dead_than_he",
            f"RAI leaves fewer networks born dead by depth {MAX_DEPTH} than He, summed over widths "
            f"{widths[0]}–{widths[-1]} on [-√3, √3].",
            seeds,
            [r < h for r, h in zip(rai, he)],
            {"he": he, "rai": rai, "networks": total},
            f"born dead by depth {MAX_DEPTH}, of {total} networks: He {_common.spread(he, '{:.0f}')}; "
            f"RAI {_common.spread(rai, '{:.0f}')}",
        ),
    ]


def plot(dead: dict, check: dict, widths: list[int], n: int, out: Path) -> Path:
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
    return _common.save_figure(fig, out / "born_dead.png")


if __name__ == "__main__":
    main()
