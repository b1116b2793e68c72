"""Multi-class cross-entropy, BCE on probabilities, BCE on logits, and the cs231n spiral:
values and gradients against PyTorch's float64 losses, and the spiral against its recipe."""

from __future__ import annotations

import math
import random
from types import ModuleType
from typing import Any

import pytest

from microgradrelu import Value, bce_loss, bce_with_logits_loss, cross_entropy_loss, make_spiral


def assert_close(ours: float, theirs: float, what: object) -> None:
    """Equal to 1e-12, relative to the size of the numbers (absolute near 0)."""
    assert abs(ours - theirs) <= 1e-12 * max(1.0, abs(theirs)), (what, ours, theirs)


# --- cross-entropy ------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(6))
def test_cross_entropy_value_and_gradients_equal_torch(torch: ModuleType, seed: int) -> None:
    rng = random.Random(seed)
    n, k = rng.randint(1, 7), rng.randint(2, 6)
    scale = [0.1, 3.0, 30.0, 300.0][seed % 4]  # up to huge logits, where a naive softmax overflows
    rows = [[Value(rng.gauss(0.0, scale)) for _ in range(k)] for _ in range(n)]
    targets = [rng.randrange(k) for _ in range(n)]
    loss = cross_entropy_loss(rows, targets)
    loss.backward()
    logits = torch.tensor([[v.data for v in row] for row in rows], dtype=torch.float64, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(logits, torch.tensor(targets))
    expected.backward()
    assert_close(loss.data, expected.item(), "loss")
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            assert_close(v.grad, logits.grad[i, j].item(), (i, j))


def test_cross_entropy_by_hand_is_softmax_minus_one_hot_over_the_batch() -> None:
    rows = [[Value(1.0), Value(2.0), Value(3.0)], [Value(0.0), Value(0.0), Value(0.0)]]
    loss = cross_entropy_loss(rows, [2, 0])
    loss.backward()
    e = [math.exp(1.0), math.exp(2.0), math.exp(3.0)]
    p = [x / sum(e) for x in e]
    assert loss.data == pytest.approx((-math.log(p[2]) + math.log(3.0)) / 2, rel=1e-15)
    assert [v.grad for v in rows[0]] == pytest.approx([p[0] / 2, p[1] / 2, (p[2] - 1) / 2], rel=1e-14)
    assert [v.grad for v in rows[1]] == pytest.approx([(1 / 3 - 1) / 2, 1 / 6, 1 / 6], rel=1e-14)


def test_cross_entropy_does_not_overflow_and_takes_numbers_and_tuples() -> None:
    loss = cross_entropy_loss([(1000.0, Value(-1000.0))], [1])
    assert loss.data == 2000.0
    assert cross_entropy_loss([[Value(800.0), Value(800.0)]], [0]).data == pytest.approx(math.log(2.0), rel=1e-15)


# --- BCE on probabilities ------------------------------------------------------------------------
def same_as_torch(torch: ModuleType, ours: Any, theirs: Any, inputs: list[float], targets: list[float]) -> None:
    """Our loss and PyTorch's on the same inputs: equal values and gradients (to 1e-12)."""
    values = [Value(x) for x in inputs]
    loss = ours(values, targets)
    loss.backward()
    xt = torch.tensor(inputs, dtype=torch.float64, requires_grad=True)
    expected = theirs(xt, torch.tensor(targets, dtype=torch.float64))
    expected.backward()
    assert_close(loss.data, expected.item(), "loss")
    for i, v in enumerate(values):
        assert_close(v.grad, xt.grad[i].item(), i)


def test_bce_value_and_gradients_equal_torch_away_from_0_and_1(torch: ModuleType) -> None:
    rng = random.Random(0)
    probs = [rng.uniform(1e-6, 1.0 - 1e-6) for _ in range(30)] + [1e-11, 1.0 - 1e-11, 0.5]
    targets = [rng.choice([0.0, 1.0, rng.random()]) for _ in probs]
    same_as_torch(torch, bce_loss, torch.nn.functional.binary_cross_entropy, probs, targets)


@pytest.mark.parametrize("p", [0.0, 1e-300, 1e-50, 1.0 - 1e-16, 1.0])
@pytest.mark.parametrize("t", [0.0, 1.0, 0.5])
def test_bce_values_equal_torch_where_the_log_is_clamped_at_minus_100(torch: ModuleType, p: float, t: float) -> None:
    ours = bce_loss([Value(p)], [t]).data
    theirs = torch.nn.functional.binary_cross_entropy(
        torch.tensor([p], dtype=torch.float64), torch.tensor([t], dtype=torch.float64)
    ).item()
    assert_close(ours, theirs, (p, t))
    assert ours <= 100.0 + 1e-12  # a certain, wrong prediction costs 100, never inf


def test_bce_gradient_differs_from_torch_only_within_1e_12_of_0_or_1(torch: ModuleType) -> None:
    """README, "Numbers": our gradient is the derivative of the loss we compute; PyTorch's
    replaces p(1 - p) by about 1e-12 when it is smaller, and passes a gradient through a clamped log."""
    for p, t, ours_expected in ((1e-13, 1.0, -1e13), (0.0, 1.0, 0.0), (1.0, 0.0, 0.0)):
        v = Value(p)
        bce_loss([v], [t]).backward()
        pt = torch.tensor([p], dtype=torch.float64, requires_grad=True)
        torch.nn.functional.binary_cross_entropy(pt, torch.tensor([t], dtype=torch.float64)).backward()
        assert v.grad == pytest.approx(ours_expected, rel=1e-12)
        assert abs(pt.grad.item()) == pytest.approx(1e12, rel=1e-6)


# --- BCE on logits ---------------------------------------------------------------------------------
def test_bce_with_logits_keeps_the_tiny_loss_of_a_confident_right_answer(torch: ModuleType) -> None:
    """At z = 40, t = 1 the loss is log1p(e^-40) = 4.25e-18 (log(1 + e^-40) would round to 0)."""
    loss = bce_with_logits_loss([Value(40.0)], [1.0])
    theirs = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor([40.0], dtype=torch.float64), torch.tensor([1.0], dtype=torch.float64)
    )
    assert loss.data == theirs.item() == math.log1p(math.exp(-40.0)) > 4e-18


@pytest.mark.parametrize("seed", range(4))
def test_bce_with_logits_value_and_gradients_equal_torch(torch: ModuleType, seed: int) -> None:
    rng = random.Random(seed)
    logits = [rng.gauss(0.0, [1.0, 10.0, 40.0, 400.0][seed]) for _ in range(20)]
    targets = [rng.choice([0.0, 1.0, rng.random()]) for _ in logits]
    same_as_torch(torch, bce_with_logits_loss, torch.nn.functional.binary_cross_entropy_with_logits, logits, targets)


# --- the spiral -----------------------------------------------------------------------------------
def test_make_spiral_follows_the_cs231n_recipe() -> None:
    n, k = 50, 4
    X, y = make_spiral(n, classes=k, noise=0.0, seed=3)
    assert len(X) == n * k and sorted(set(y)) == list(range(k)) and all(y.count(j) == n for j in range(k))
    for j in range(k):
        arm = [x for x, label in zip(X, y) if label == j]
        radii = sorted(math.hypot(a, b) for a, b in arm)
        assert radii == pytest.approx([i / (n - 1) for i in range(n)], abs=1e-15)  # evenly over [0, 1]
        for a, b in arm:  # without noise, the angle t = 4j + 4r: the point is (r sin t, r cos t)
            r = math.hypot(a, b)
            t = 4.0 * j + 4.0 * r
            assert (a, b) == pytest.approx((r * math.sin(t), r * math.cos(t)), abs=1e-12)


def test_make_spiral_noise_is_on_the_angle_and_seeded() -> None:
    X, y = make_spiral(200, noise=0.2, seed=0)
    assert (X, y) == make_spiral(200, noise=0.2, seed=0)
    assert make_spiral(200, noise=0.2, seed=1)[0] != X
    deviations = []
    for (a, b), j in zip(X, y):
        r = math.hypot(a, b)
        if r > 0.05:
            t = math.atan2(a, b)  # (r sin t, r cos t): the angle from the second axis
            d = (t - (4.0 * j + 4.0 * r) + math.pi) % (2 * math.pi) - math.pi
            deviations.append(d)
    std = math.sqrt(sum(d * d for d in deviations) / len(deviations))
    assert 0.17 < std < 0.23  # Gaussian noise of std 0.2 on the angle; the radius is exact
