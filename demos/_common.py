"""What every demo shares: the command line (--out, --seeds, --first-seed, --json, --jobs), the
loop over seeds (on every core, the same results whatever the scheduling), claims and how they
are printed and saved, progress lines, tables, decision-boundary plots, atomic picture writing
and the closing "ran in ..." line.

A demo states its claims and measures each one on seeds S … S+N−1; a claim prints the
statistic over the seeds and "holds on k of N seeds", and `--json PATH` writes

    {"demo": "<name>", "claims": [{"id": "<snake_case>", "statement": "<one sentence>",
      "seeds": [...], "held": k, "of": N, "figures": {...}}]}

A claim that no seed can change (a derivative at a point) has "of": 1.

Demos import this as `_common` (Python puts the script's folder on sys.path)."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import operator
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import matplotlib

matplotlib.use("Agg")  # files only, no window: works on a server, in CI and in tests
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from microgradrelu import MLP
from microgradrelu.diagnostics import pre_activations
from microgradrelu.files import write_atomic

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "demos" / "out"
T = TypeVar("T")
R = TypeVar("R")


def cores() -> int:
    """The cores this process may run on (the default for --jobs)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class _Renamed(argparse.Action):
    """`--seed` is gone: say what replaced it instead of a bare "unrecognized argument"."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        parser.error("--seed is now --first-seed S (with --seeds N the demo runs seeds S … S+N−1)")


def parser(
    doc: str | None, seeds: int = 10, *, points: int = 0, steps: int = 0, lr: float = 0.0
) -> argparse.ArgumentParser:
    """An argument parser whose help text is the demo's docstring, with the options every demo has:
    --out, --seeds (default `seeds`), --first-seed, --json and --jobs; and, where a default is
    given, --points (two-moons points), --steps (SGD steps) and --lr (learning rate)."""
    p = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False
    )
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"folder for pictures (default: {DEFAULT_OUT})")
    p.add_argument("--seeds", type=positive_int, default=seeds, help=f"how many seeds (default {seeds})")
    p.add_argument("--first-seed", type=int, default=0, help="the seeds are S … S+N−1 (default 0); pictures use S")
    p.add_argument("--json", type=Path, default=None, help="also write the claims as JSON to this file")
    p.add_argument(
        "--jobs", type=positive_int, default=cores(), help=f"processes for the seeds (default: {cores()}, the cores)"
    )
    p.add_argument("--seed", nargs="?", action=_Renamed, help=argparse.SUPPRESS)
    for name, default, kind, what in (
        ("points", points, positive_int, "two-moons points"),
        ("steps", steps, positive_int, "SGD steps"),
        ("lr", lr, positive_float, "learning rate"),
    ):
        if default:
            p.add_argument(f"--{name}", type=kind, default=default, help=f"{what} (default {default})")
    return p


def start(p: argparse.ArgumentParser, argv: Sequence[str] | None) -> tuple[argparse.Namespace, Clock]:
    """Parse the command line, create the --out folder, start the clock. `args.seed_list` is the
    seeds S … S+N−1."""
    args = p.parse_args(argv)
    out_dir(args.out)
    args.seed_list = seed_range(args)
    return args, Clock()


def seed_range(args: argparse.Namespace) -> list[int]:
    """The seeds S … S+N−1 given by --first-seed and --seeds."""
    return list(range(args.first_seed, args.first_seed + args.seeds))


def run_all(fn: Callable[[T], R], tasks: Sequence[T], jobs: int, label: str) -> list[R]:
    """`[fn(t) for t in tasks]`, on up to `jobs` processes. The results come back in the order of
    `tasks` and each depends only on its task (every run seeds its own generator), so they are
    the same whatever the number of processes and their scheduling. `fn` must be a module-level
    function (it is sent to the workers by name)."""
    progress = Progress(label, len(tasks))
    workers = min(jobs, len(tasks))
    results: list[R] = []
    with ProcessPoolExecutor(max_workers=workers) if workers > 1 else contextlib.nullcontext() as pool:
        for result in pool.map(fn, tasks) if pool is not None else map(fn, tasks):
            results.append(result)
            progress.update(len(results))
    return results


@dataclass
class Claim:
    """One claim of a demo, as measured: `held` of `of` seeds (or 1 of 1 for a claim no seed can
    change). `detail` is the statistic over the seeds, printed under the statement."""

    id: str
    statement: str
    seeds: list[int]
    held: int
    of: int
    figures: dict[str, Any] = field(default_factory=dict)
    detail: str = ""
    seedless: bool = False  # no seed changes it (printed so; the JSON says "of": 1)

    @classmethod
    def over(
        cls, id: str, statement: str, seeds: Sequence[int], holds: Sequence[bool], figures: dict, detail: str
    ) -> Claim:
        """A claim checked once per seed: `holds[i]` is whether it held on `seeds[i]`."""
        if len(holds) != len(seeds):
            raise ValueError(f"claim {id}: {len(holds)} results for {len(seeds)} seeds")
        return cls(id, statement, list(seeds), sum(map(bool, holds)), len(seeds), figures, detail)

    @classmethod
    def exact(cls, id: str, statement: str, held: bool, figures: dict, detail: str, seeds: Sequence[int] = ()) -> Claim:
        """A claim no seed changes ("of": 1); `seeds` lists any seeds its check ran on."""
        return cls(id, statement, list(seeds), int(bool(held)), 1, figures, detail, seedless=True)

    @classmethod
    def higher(
        cls,
        id: str,
        statement: str,
        seeds: Sequence[int],
        names: tuple[str, str],
        a: Sequence[float],
        b: Sequence[float],
    ) -> Claim:
        """A claim that `a` (called names[0]) is higher than `b` (names[1]): held on the seeds where it is
        strictly higher; the detail gives both spreads and on how many seeds a is higher, equal and lower."""
        count = [sum(op(x, y) for x, y in zip(a, b)) for op in (operator.gt, operator.eq, operator.lt)]
        detail = (
            f"{names[0]}: {spread(a, '{:.2f}')}; {names[1]}: {spread(b, '{:.2f}')}\n"
            f"{names[0]} higher on {count[0]} seeds, equal on {count[1]}, lower on {count[2]}; per seed "
            f"({names[0]}/{names[1]}): " + " ".join(f"{s}:{x:.2f}/{y:.2f}" for s, x, y in zip(seeds, a, b))
        )
        held = [x > y for x, y in zip(a, b)]
        figures = {name.lower().replace(" ", "_"): list(v) for name, v in zip(names, (a, b))}
        return cls.over(id, statement, seeds, held, figures, detail)

    def summary(self) -> dict[str, Any]:
        """The JSON form (the documented shape)."""
        return {
            "id": self.id,
            "statement": self.statement,
            "seeds": self.seeds,
            "held": self.held,
            "of": self.of,
            "figures": self.figures,
        }

    def __str__(self) -> str:
        if self.seedless:
            verdict = ("holds" if self.held else "does NOT hold") + " (exact: no seed changes it)"
        else:
            verdict = f"holds on {self.held} of {self.of} seed" + ("s" if self.of != 1 else "")
        lines = [f"* {self.id}: {self.statement}"]
        lines += [f"    {line}" for line in self.detail.splitlines() if line]
        lines.append(f"    -> {verdict}")
        return "\n".join(lines)


def report(demo: str, claims: Sequence[Claim], args: argparse.Namespace) -> list[dict[str, Any]]:
    """Print every claim with its statistic and "holds on k of N"; write --json if asked.
    Returns the JSON summaries (what `main` hands back under "claims")."""
    seeds = seed_range(args)
    span = f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {seeds[0]}–{seeds[-1]} ({len(seeds)} seeds)"
    random = any(c.seeds for c in claims)
    print(f"\nWhat holds, measured on {span}:" if random else "\nWhat holds (nothing random: exact computations):")
    for claim in claims:
        print(claim)
    summaries = [c.summary() for c in claims]
    if args.json is not None:
        text = json.dumps({"demo": demo, "claims": summaries}, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
        write_atomic(args.json, text.encode())
        print(f"claims written to {args.json}")
    return summaries


def spread(values: Iterable[float | None], fmt: str = "{:.3g}", missing: str = "never") -> str:
    """'median m, range a to b' over seeds. None stands for "not reached": it counts as above
    every number for the median (printed as `missing` where it decides it), the range is over
    the numbers, and how many seeds did not reach is said."""
    values = list(values)
    numbers = sorted(v for v in values if v is not None)
    if numbers and len(numbers) == len(values) and numbers[0] == numbers[-1]:
        return f"{fmt.format(numbers[0])} on every seed"
    m = median(values)
    text = f"median {missing if m is None else fmt.format(m)}"
    if numbers:
        text += f", range {fmt.format(numbers[0])} to {fmt.format(numbers[-1])}"
    if len(numbers) < len(values):
        text += f"; {len(values) - len(numbers)} of {len(values)} seeds: {missing}"
    return text


def per_seed(seeds: Sequence[int], values: Sequence[object], fmt: str = "{:.3g}", missing: str = "-") -> str:
    """'seed: value' for every seed, on one line (None printed as `missing`)."""
    return " ".join(f"{s}:{missing if v is None else fmt.format(v)}" for s, v in zip(seeds, values))


def median(values: Iterable[float | None]) -> float | None:
    """The median over seeds (None, "not reached", counts as above every number); None if a
    "not reached" decides it. With an even count and a None present, the upper middle value."""
    ordered = sorted(math.inf if v is None else v for v in values)
    m = statistics.median_high(ordered) if math.inf in ordered else statistics.median(ordered)
    return None if m == math.inf else m


def positive_int(text: str) -> int:
    """argparse type: an int >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite float > 0."""
    value = float(text)
    if not 0.0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def out_dir(path: Path) -> Path:
    """Create the output folder (and parents) and return it."""
    path.mkdir(parents=True, exist_ok=True)
    return path


class Progress:
    """Prints "label: i/total (seconds)", so a long loop shows it is alive: rewritten in place on
    a terminal, a new line every few seconds otherwise (logs, pytest)."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total = label, total
        self.tty = sys.stdout.isatty()
        self.every = 0.5 if self.tty else 5.0  # a log file gets a line every few seconds
        self.start = self._last = time.perf_counter()

    def update(self, done: int) -> None:
        now = time.perf_counter()
        if now - self._last >= self.every or (done == self.total and self.tty):
            self._last = now
            line = f"  {self.label}: {done}/{self.total} ({now - self.start:.1f} s)"
            if self.tty:
                print("\r" + line, end="\n" if done == self.total else "", flush=True)
            else:
                print(line, flush=True)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table, columns right-aligned to their widest cell."""
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def accuracy(model: MLP, X: Sequence[Sequence[float]], y: Sequence[int]) -> float:
    """Training accuracy: the sign of the score against the ±1 label (plain floats, no graph)."""
    scores = pre_activations(model, X)[-1][0]
    return sum((s > 0) == (t > 0) for s, t in zip(scores, y)) / len(y)


def plot_boundary(ax: Axes, model: MLP, X: Sequence[Sequence[float]], y: Sequence[int], n: int = 60) -> None:
    """The model's score over a grid around the data (float forward, no graph): the two sides of 0
    shaded, the 0 level drawn as the decision boundary, the points coloured by label."""
    xs = [p[0] for p in X]
    ys = [p[1] for p in X]
    lo_x, hi_x = min(xs) - 0.5, max(xs) + 0.5
    lo_y, hi_y = min(ys) - 0.5, max(ys) + 0.5
    gx = [lo_x + (hi_x - lo_x) * i / (n - 1) for i in range(n)]
    gy = [lo_y + (hi_y - lo_y) * j / (n - 1) for j in range(n)]
    scores = pre_activations(model, [[a, b] for b in gy for a in gx])[-1][0]
    Z = [scores[j * n : (j + 1) * n] for j in range(n)]
    ax.contourf(gx, gy, Z, levels=[-1e300, 0.0, 1e300], colors=["#f4c7c3", "#c6dbef"], alpha=0.8)
    if min(scores) < 0.0 < max(scores):
        ax.contour(gx, gy, Z, levels=[0.0], colors="k", linewidths=1)
    ax.scatter(xs, ys, c=["#d62728" if t < 0 else "#1f77b4" for t in y], s=18, edgecolors="k", linewidths=0.3)


def save_figure(fig: Figure, path: Path) -> Path:
    """Write a matplotlib figure atomically: drawn into memory, then written in one rename."""
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format=path.suffix.lstrip("."), dpi=110, bbox_inches="tight")
    finally:
        plt.close(fig)
    write_atomic(path, buffer.getvalue())
    return path


class Clock:
    """Wall time and CPU time (this process and its finished workers) since it was made."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = _cpu()

    def elapsed(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, _cpu() - self.cpu


def _cpu() -> float:
    t = os.times()  # children: the pool's workers, once they have exited (0 where the OS does not say)
    return t.user + t.system + t.children_user + t.children_system


def finish(clock: Clock, pictures: Sequence[Path]) -> dict[str, Any]:
    """Print the run time (wall and CPU) and where the pictures went; returns
    {"seconds": wall, "cpu_seconds": cpu, "pictures": [...]} for `main`'s result."""
    wall, cpu = clock.elapsed()
    print(f"\nran in {wall:.1f} s (CPU {cpu:.1f} s over all processes)")
    if pictures:
        print(f"pictures written to {Path(pictures[0]).parent}/:")
        for p in pictures:
            print(f"  {Path(p).name}")
    return {"seconds": wall, "cpu_seconds": cpu, "pictures": list(pictures)}
