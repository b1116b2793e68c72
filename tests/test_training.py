"""Training pieces: SGD, the losses, the datasets, and a short end-to-end run."""

from __future__ import annotations

import math
from types import ModuleType

import pytest

from microgradrelu import (
    MLP,
    SGD,
    Value,
    bce_with_logits_loss,
    hinge_loss,
    make_circles,
    make_moons,
    make_xor,
    mse_loss,
)

# --- SGD ---------------------------------------------------------------------------------


def run_sgd(grads: list[list[float]], start: list[float], **kwargs: float) -> list[float]:
    """Set each step's gradients by hand and step; returns the final parameter values."""
    params = [Value(x) for x in start]
    opt = SGD(params, **kwargs)
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = g
        opt.step()
    return [p.data for p in params]


def test_sgd_plain_step_by_hand() -> None:
    assert run_sgd([[0.5, -2.0]], [1.0, 3.0], lr=0.1) == pytest.approx([0.95, 3.2], rel=1e-15)


def test_sgd_momentum_two_steps_by_hand() -> None:
    # step 1: v = 0.5, p = 1 - 0.1*0.5 = 0.95;  step 2: v = 0.9*0.5 + 0.25 = 0.7, p = 0.95 - 0.07 = 0.88
    assert run_sgd([[0.5], [0.25]], [1.0], lr=0.1, momentum=0.9) == pytest.approx([0.88], rel=1e-15)


def test_sgd_weight_decay_by_hand() -> None:
    # g = 0.5 + 0.1*2.0 = 0.7; p = 2.0 - 0.1*0.7 = 1.93; then g = 0 + 0.1*1.93, p = 1.93 - 0.01*1.93
    assert run_sgd([[0.5], [0.0]], [2.0], lr=0.1, weight_decay=0.1) == pytest.approx([1.9107], rel=1e-14)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("weight_decay", [0.0, 0.05])
def test_sgd_matches_torch(torch: ModuleType, momentum: float, weight_decay: float) -> None:
    start = [1.0, -0.5, 2.5]
    grads = [[0.3, -1.2, 0.0], [-0.7, 0.4, 2.0], [0.1, 0.1, -0.5]]
    ours = run_sgd(grads, start, lr=0.2, momentum=momentum, weight_decay=weight_decay)

    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.2, momentum=momentum, weight_decay=weight_decay)
    for g in grads:
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
    assert ours == pytest.approx(p.tolist(), rel=1e-14, abs=1e-15)


def test_sgd_lr_is_assignable_and_used() -> None:
    p = Value(1.0)
    opt = SGD([p], lr=0.1)
    opt.lr = 0.5
    assert opt.lr == 0.5
    p.grad = 1.0
    opt.step()
    assert p.data == 0.5


@pytest.mark.parametrize(
    ("bad", "error"),
    [(-0.1, ValueError), (math.nan, ValueError), (math.inf, ValueError), ("0.1", TypeError), (None, TypeError),
     (True, TypeError)],
    ids=repr,
)  # fmt: skip
def test_sgd_rejects_bad_lr(bad: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="lr"):
        SGD([Value(1.0)], lr=bad)  # type: ignore[arg-type]
    opt = SGD([Value(1.0)], lr=0.1)
    with pytest.raises(error, match="lr"):
        opt.lr = bad  # type: ignore[assignment]
    assert opt.lr == 0.1


def test_sgd_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="momentum"):
        SGD([Value(1.0)], lr=0.1, momentum=-0.5)
    with pytest.raises(ValueError, match="weight_decay"):
        SGD([Value(1.0)], lr=0.1, weight_decay=math.nan)
    with pytest.raises(ValueError, match="empty"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match="float"):
        SGD([1.0], lr=0.1)  # type: ignore[list-item]


def test_sgd_zero_grad() -> None:
    params = [Value(1.0), Value(2.0)]
    opt = SGD(params, lr=0.1)
    (params[0] * params[1]).backward()
    opt.zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


# --- losses --------------------------------------------------------------------------------


def grads_of(loss_fn, preds: list[float], targets: list[float]) -> tuple[float, list[float]]:
    values = [Value(p) for p in preds]
    loss = loss_fn(values, targets)
    assert isinstance(loss, Value)
    loss.backward()
    return loss.data, [v.grad for v in values]


def test_hinge_loss_by_hand() -> None:
    # margins 1 - y*s: -1 (inactive), 0.5, 1.3, and exactly 0 (at the kink: no gradient)
    loss, grads = grads_of(hinge_loss, [2.0, 0.5, 0.3, -1.0], [1, 1, -1, -1])
    assert loss == pytest.approx((0.0 + 0.5 + 1.3 + 0.0) / 4, rel=1e-15)
    assert grads == pytest.approx([0.0, -0.25, 0.25, 0.0], rel=1e-15)


def test_mse_loss_by_hand() -> None:
    loss, grads = grads_of(mse_loss, [1.0, -2.0, 0.5], [0.0, 1.0, 0.5])
    assert loss == pytest.approx((1.0 + 9.0 + 0.0) / 3, rel=1e-15)
    assert grads == pytest.approx([2 / 3, -2.0, 0.0], rel=1e-15)


def bce_reference(z: float, t: float) -> tuple[float, float]:
    """(loss, dloss/dz) from the textbook formula, for moderate |z|."""
    s = 1.0 / (1.0 + math.exp(-z))
    return -t * math.log(s) - (1.0 - t) * math.log(1.0 - s), s - t


def test_bce_with_logits_by_hand() -> None:
    logits, targets = [0.3, -1.7, 2.5, 0.0], [1, 0, 0, 1]
    loss, grads = grads_of(bce_with_logits_loss, logits, targets)
    expected = [bce_reference(z, t) for z, t in zip(logits, targets)]
    assert loss == pytest.approx(sum(e[0] for e in expected) / 4, rel=1e-14)
    assert grads == pytest.approx([e[1] / 4 for e in expected], rel=1e-14)


def test_bce_with_logits_stable_for_large_logits() -> None:
    loss, grads = grads_of(bce_with_logits_loss, [1000.0, -1000.0, 1000.0, -1000.0], [0, 1, 1, 0])
    # wrong-side logits cost |z| each; right-side ones cost ~0
    assert loss == pytest.approx((1000.0 + 1000.0) / 4, rel=1e-15)
    assert grads == pytest.approx([0.25, -0.25, 0.0, 0.0], abs=1e-15)


def test_bce_with_logits_matches_torch(torch: ModuleType) -> None:
    logits = [1000.0, -1000.0, 40.0, -40.0, 3.5, -0.2, 0.0, 12.0]
    targets = [0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.3]
    loss, grads = grads_of(bce_with_logits_loss, logits, targets)
    z = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(z, torch.tensor(targets, dtype=torch.float64))
    expected.backward()
    assert loss == pytest.approx(expected.item(), rel=1e-9, abs=1e-12)
    assert grads == pytest.approx(z.grad.tolist(), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("loss_fn", [hinge_loss, mse_loss, bce_with_logits_loss])
def test_losses_reject_length_mismatch_and_empty(loss_fn) -> None:
    with pytest.raises(ValueError, match="3 predictions but 2 targets"):
        loss_fn([Value(1.0)] * 3, [1, 1])
    with pytest.raises(ValueError, match="empty"):
        loss_fn([], [])


def test_losses_reject_bad_targets() -> None:
    with pytest.raises(ValueError, match=r"-1 or \+1"):
        hinge_loss([Value(1.0)], [0])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        bce_with_logits_loss([Value(1.0)], [2])


def test_losses_take_a_single_value_and_number_predictions() -> None:
    assert hinge_loss(Value(0.5), 1).data == 0.5
    assert mse_loss([3.0, Value(1.0)], [1.0, 1.0]).data == 2.0


# --- datasets ------------------------------------------------------------------------------

DATASETS = [make_moons, make_xor, make_circles]


@pytest.mark.parametrize("make", DATASETS)
def test_dataset_shapes_labels_and_determinism(make) -> None:
    X, y = make(n=51, seed=3)
    assert len(X) == len(y) == 51
    assert all(len(x) == 2 and all(type(c) is float for c in x) for x in X)
    assert set(y) == {-1, 1}
    assert make(n=51, seed=3) == (X, y)
    assert make(n=51, seed=4) != (X, y)
    assert make() == make()  # default seed 0


def test_moons_without_noise_lie_on_the_two_half_circles() -> None:
    X, y = make_moons(n=40, noise=0.0, seed=1)
    assert y.count(-1) == y.count(1) == 20
    for (a, b), label in zip(X, y):
        if label == -1:  # upper moon: unit circle around (0, 0), y >= 0
            assert math.hypot(a, b) == pytest.approx(1.0) and b >= -1e-12
        else:  # lower moon: unit circle around (1, 0.5), y <= 0.5
            assert math.hypot(a - 1.0, b - 0.5) == pytest.approx(1.0) and b <= 0.5 + 1e-12


def test_circles_without_noise_have_radius_1_and_factor() -> None:
    X, y = make_circles(n=30, noise=0.0, factor=0.3, seed=1)
    for (a, b), label in zip(X, y):
        assert math.hypot(a, b) == pytest.approx(1.0 if label == -1 else 0.3)


def test_xor_four_points_are_the_corners() -> None:
    X, y = make_xor(n=4, noise=0.0, seed=5)
    assert sorted((a, b, label) for (a, b), label in zip(X, y)) == [
        (-1.0, -1.0, -1),
        (-1.0, 1.0, 1),
        (1.0, -1.0, 1),
        (1.0, 1.0, -1),
    ]


@pytest.mark.parametrize("make", DATASETS)
def test_dataset_argument_checks(make) -> None:
    for n, error in ((0, ValueError), (-5, ValueError), (2.5, TypeError), (True, TypeError)):
        with pytest.raises(error, match="n must be"):
            make(n=n)
    for noise, error in ((-0.1, ValueError), (math.nan, ValueError), (math.inf, ValueError), ("0.1", TypeError)):
        with pytest.raises(error, match="noise"):
            make(noise=noise)
    with pytest.raises(TypeError, match="seed"):
        make(seed=1.5)


def test_circles_factor_check() -> None:
    for factor in (0.0, 1.0, 1.5, -0.5):
        with pytest.raises(ValueError, match="factor"):
            make_circles(factor=factor)


# --- end to end ----------------------------------------------------------------------------


def test_training_on_moons_reduces_the_loss() -> None:
    X, y = make_moons(n=40, noise=0.1, seed=0)
    model = MLP(2, [8, 8, 1], seed=0)
    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses, accuracies = [], []
    for _ in range(40):
        scores = [model(x) for x in X]
        loss = hinge_loss(scores, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.data)
        accuracies.append(sum((s.data > 0) == (t > 0) for s, t in zip(scores, y)) / len(y))
    assert losses[-1] < 0.5 * losses[0], losses
    assert accuracies[-1] > accuracies[0] and accuracies[-1] >= 0.8, accuracies
