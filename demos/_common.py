"""What every demo shares: the command line (--out, --seed), progress lines, tables,
atomic picture writing and the closing "pictures are in ..." line.

Demos import this as `_common` (Python puts the script's folder on sys.path)."""

from __future__ import annotations

import argparse
import io
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no window: works on a server, in CI and in tests
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from microgradrelu.files import write_atomic

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "demos" / "out"


def parser(doc: str | None, seed: int = 0) -> argparse.ArgumentParser:
    """An argument parser whose help text is the demo's docstring, with --out and --seed."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"folder for pictures (default: {DEFAULT_OUT})")
    p.add_argument("--seed", type=int, default=seed, help=f"random seed (default: {seed})")
    return p


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


def save_figure(fig: Figure, path: Path) -> Path:
    """Write a matplotlib figure atomically: drawn into memory, then written in one rename."""
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format=path.suffix.lstrip("."), dpi=110, bbox_inches="tight")
    finally:
        plt.close(fig)
    write_atomic(path, buffer.getvalue())
    return path


def finish(started: float, pictures: Sequence[Path]) -> float:
    """Print the run time and where the pictures went; return the time in seconds."""
    seconds = time.perf_counter() - started
    print(f"\nran in {seconds:.1f} s")
    if pictures:
        print(f"pictures written to {Path(pictures[0]).parent}/:")
        for p in pictures:
            print(f"  {Path(p).name}")
    return seconds
