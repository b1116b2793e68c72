"""Small 2-D classification datasets in pure Python, deterministic by `seed`.

Each returns (X, y): X a list of [x1, x2] floats, and y labels: -1 and +1 for the two-class
sets (the hinge loss's labels), class indices 0..K-1 for `make_spiral` (cross-entropy's).
"""

from __future__ import annotations

import math
import random

from . import _check


def _arguments(n: object, noise: object, seed: object, n_name: str = "n") -> tuple[int, float, random.Random]:
    """The shared arguments, checked: (n, noise, a generator seeded with `seed`)."""
    n = _check.whole(n, n_name)
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


def make_spiral(
    n_per_class: int = 100, classes: int = 3, noise: float = 0.2, seed: int | None = 0
) -> tuple[list[list[float]], list[int]]:
    """cs231n's spiral ("minimal neural network case study"): `classes` arms of `n_per_class`
    points, labels 0..classes-1 (class indices, for `cross_entropy_loss`; not ±1). Arm j: the
    radius r runs evenly over [0, 1] and the angle t evenly over [4j, 4j + 4] radians plus
    Gaussian noise of std `noise`; the point is (r·sin t, r·cos t). No linear classifier
    separates it (cs231n: a linear softmax gets about 49%, one hidden ReLU layer about 98%)."""
    n, noise, rng = _arguments(n_per_class, noise, seed, "n_per_class")
    classes = _check.whole(classes, "classes")
    points = []
    for j in range(classes):
        for i in range(n):
            step = i / (n - 1) if n > 1 else 0.0
            r, t = step, 4.0 * j + 4.0 * step + rng.gauss(0.0, noise)
            points.append((r * math.sin(t), r * math.cos(t), j))
    rng.shuffle(points)
    return [[a, b] for a, b, _ in points], [label for _, _, label in points]
