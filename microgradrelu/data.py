"""Small 2-D classification datasets in pure Python, deterministic by `seed`.

Each returns (X, y): X a list of [x1, x2] floats, y labels in {-1, +1}.
"""

from __future__ import annotations

import math
import numbers
import random


def _check(n: object, noise: object, seed: object) -> random.Random:
    """Validate the shared arguments (numpy's int64/float32 count as ints and reals)."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n <= 0:
        raise ValueError(f"n must be a positive int, got {n!r}")
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not 0.0 <= noise < math.inf:
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
        raise TypeError(f"seed must be an int or None, got {type(seed).__name__}")
    return random.Random(None if seed is None else int(seed))


def _finish(
    points: list[tuple[float, float, int]], noise: float, rng: random.Random
) -> tuple[list[list[float]], list[int]]:
    """Add Gaussian noise, shuffle, and split into X and y."""
    rng.shuffle(points)
    X = [[a + rng.gauss(0.0, noise), b + rng.gauss(0.0, noise)] for a, b, _ in points]
    return X, [label for _, _, label in points]


def make_moons(n: int = 100, noise: float = 0.1, seed: int | None = 0) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles (upper one -1, lower one +1): not linearly separable."""
    rng = _check(n, noise, seed)
    n_upper = n // 2
    n_lower = n - n_upper
    points = []
    for i in range(n_upper):
        t = math.pi * i / max(n_upper - 1, 1)
        points.append((math.cos(t), math.sin(t), -1))
    for i in range(n_lower):
        t = math.pi * i / max(n_lower - 1, 1)
        points.append((1.0 - math.cos(t), 0.5 - math.sin(t), 1))
    return _finish(points, float(noise), rng)


def make_xor(n: int = 100, noise: float = 0.1, seed: int | None = 0) -> tuple[list[list[float]], list[int]]:
    """Points around the four corners (±1, ±1), cycling through them; label +1 where the two
    signs differ (XOR), -1 where they agree. n=4, noise=0 gives exactly the four corners."""
    rng = _check(n, noise, seed)
    corners = [(-1.0, -1.0, -1), (-1.0, 1.0, 1), (1.0, -1.0, 1), (1.0, 1.0, -1)]
    return _finish([corners[i % 4] for i in range(n)], float(noise), rng)


def make_circles(
    n: int = 100, noise: float = 0.1, factor: float = 0.5, seed: int | None = 0
) -> tuple[list[list[float]], list[int]]:
    """A circle of radius 1 (label -1) around one of radius `factor` (label +1)."""
    rng = _check(n, noise, seed)
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real) or not 0.0 < factor < 1.0:
        raise ValueError(f"factor must be a number strictly between 0 and 1, got {factor!r}")
    n_outer = n // 2
    n_inner = n - n_outer
    points = []
    for count, radius, label in ((n_outer, 1.0, -1), (n_inner, float(factor), 1)):
        for i in range(count):
            t = 2.0 * math.pi * i / count
            points.append((radius * math.cos(t), radius * math.sin(t), label))
    return _finish(points, float(noise), rng)
