"""Small 2-D classification datasets in pure Python, deterministic by `seed`.

Each returns (X, y): X a list of [x1, x2] floats, y labels in {-1, +1}.
"""

from __future__ import annotations

import math
import random

from . import _check


def _arguments(n: object, noise: object, seed: object) -> tuple[int, float, random.Random]:
    """The shared arguments, checked: (n, noise, a generator seeded with `seed`)."""
    n = _check.whole(n, "n")
    noise = _check.finite(noise, "noise", minimum=0.0)
    return n, noise, random.Random(_check.seed(seed))


def _finish(
    points: list[tuple[float, float, int]], noise: float, rng: random.Random
) -> tuple[list[list[float]], list[int]]:
    """Add Gaussian noise, shuffle, and split into X and y."""
    rng.shuffle(points)
    X = [[a + rng.gauss(0.0, noise), b + rng.gauss(0.0, noise)] for a, b, _ in points]
    return X, [label for _, _, label in points]


def make_moons(n: int = 100, noise: float = 0.1, seed: int | None = 0) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles (upper one -1, lower one +1): not linearly separable."""
    n, noise, rng = _arguments(n, noise, seed)
    n_upper = n // 2
    n_lower = n - n_upper
    points = []
    for i in range(n_upper):
        t = math.pi * i / max(n_upper - 1, 1)
        points.append((math.cos(t), math.sin(t), -1))
    for i in range(n_lower):
        t = math.pi * i / max(n_lower - 1, 1)
        points.append((1.0 - math.cos(t), 0.5 - math.sin(t), 1))
    return _finish(points, noise, rng)


def make_xor(n: int = 100, noise: float = 0.1, seed: int | None = 0) -> tuple[list[list[float]], list[int]]:
    """Points around the four corners (±1, ±1), cycling through them; label +1 where the two
    signs differ (XOR), -1 where they agree. n=4, noise=0 gives exactly the four corners."""
    n, noise, rng = _arguments(n, noise, seed)
    corners = [(-1.0, -1.0, -1), (-1.0, 1.0, 1), (1.0, -1.0, 1), (1.0, 1.0, -1)]
    return _finish([corners[i % 4] for i in range(n)], noise, rng)


def make_circles(
    n: int = 100, noise: float = 0.1, factor: float = 0.5, seed: int | None = 0
) -> tuple[list[list[float]], list[int]]:
    """A circle of radius 1 (label -1) around one of radius `factor` (label +1)."""
    n, noise, rng = _arguments(n, noise, seed)
    factor = _check.real(factor, "factor")
    if not 0.0 < factor < 1.0:
        raise ValueError(f"factor must be a number strictly between 0 and 1, got {factor!r}")
    n_outer = n // 2
    n_inner = n - n_outer
    points = []
    for count, radius, label in ((n_outer, 1.0, -1), (n_inner, factor, 1)):
        for i in range(count):
            t = 2.0 * math.pi * i / count
            points.append((radius * math.cos(t), radius * math.sin(t), label))
    return _finish(points, noise, rng)
