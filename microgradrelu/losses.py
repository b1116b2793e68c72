"""Losses: each returns one `Value`, so `loss.backward()` reaches every parameter."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

from . import _check
from .engine import Value


def _as_list(x: object, what: str, name: str) -> list[object]:
    """One item, or an ordered collection of them (a list, a numpy array, a generator) as a
    list. Dicts and sets are refused: their order would pair predictions with wrong targets."""
    if isinstance(x, (Value, numbers.Real)):
        return [x]
    if not _check.ordered(x):
        raise TypeError(f"{name}: {what} must be a list (or one of them), got {type(x).__name__}")
    return list(x)


def _pairs(preds: Sequence[Value | float], targets: Sequence[float], name: str) -> list[tuple[Value, float]]:
    """Check lengths and types; numbers among the predictions become constant Values."""
    preds = _as_list(preds, "predictions (Values or numbers)", name)  # type: ignore[assignment]
    targets = _as_list(targets, "targets (numbers)", name)  # type: ignore[assignment]
    if len(preds) == 0:
        raise ValueError(f"{name}: empty input")
    if len(preds) != len(targets):
        raise ValueError(f"{name}: {len(preds)} predictions but {len(targets)} targets")
    return [
        (
            p
            if isinstance(p, Value)
            else Value(_check.real(p, f"{name}: every prediction", "a Value or a real number")),
            _check.finite(t, f"{name}: every target"),
        )
        for p, t in zip(preds, targets)
    ]


def _mean(terms: list[Value]) -> Value:
    return Value.sum(terms) * (1.0 / len(terms))


def hinge_loss(scores: Sequence[Value], targets: Sequence[float]) -> Value:
    """mean(relu(1 - y·s)) with y = ±1: zero (and zero gradient) once a point is classified
    with margin 1. It is the data term of micrograd's demo loss (which adds 1e-4·Σp²)."""
    pairs = _pairs(scores, targets, "hinge_loss")
    if any(t not in (-1.0, 1.0) for _, t in pairs):
        raise ValueError("hinge_loss: targets must be -1 or +1")
    return _mean([(1.0 - t * s).relu() for s, t in pairs])


def mse_loss(preds: Sequence[Value], targets: Sequence[float]) -> Value:
    """mean((p - t)**2)."""
    pairs = _pairs(preds, targets, "mse_loss")
    return _mean([(p - t) ** 2 for p, t in pairs])


def _finite_logits(zs: list[Value], name: str) -> None:
    """A NaN or inf logit means training diverged: say so rather than return a NaN loss."""
    bad = next((z.data for z in zs if not math.isfinite(z.data)), None)
    if bad is not None:
        raise ValueError(f"{name}: a logit is {bad!r} (has training diverged? try a smaller lr)")


def bce_with_logits_loss(logits: Sequence[Value], targets: Sequence[float]) -> Value:
    """Binary cross-entropy on raw scores, targets in [0, 1]: mean((1-t)·z - log σ(z)), which
    equals -t·log σ(z) - (1-t)·log(1-σ(z)) without overflow. -log σ(z) is written with log1p,
    as PyTorch does: log1p(e^-z) for z > 0 (so z = 40, t = 1 costs 4.2e-18, not 0), and
    -z + log1p(e^z) otherwise. The gradient is σ(z) - t."""
    pairs = _pairs(logits, targets, "bce_with_logits_loss")
    if any(not 0.0 <= t <= 1.0 for _, t in pairs):
        raise ValueError(
            "bce_with_logits_loss: targets must be in [0, 1] (labels 0/1; for the ±1 labels of make_moons etc. "
            "pass [(t + 1) / 2 for t in y])"
        )
    _finite_logits([z for z, _ in pairs], "bce_with_logits_loss")
    return _mean([z * (1.0 - t) + (-z).exp().log1p() if z.data > 0.0 else z * -t + z.exp().log1p() for z, t in pairs])


def _at_least_minus_100(log: Value) -> Value:
    """A log term clamped at -100, as PyTorch's binary_cross_entropy clamps it: a probability of
    exactly 0 costs 100, not inf. Where the clamp holds the term is a constant (no gradient)."""
    return log if log.data >= -100.0 else Value(-100.0)


def bce_loss(probs: Sequence[Value], targets: Sequence[float]) -> Value:
    """Binary cross-entropy on probabilities p in [0, 1] (a sigmoid's output), targets in [0, 1]:
    mean(-t·log p - (1-t)·log(1-p)), each log clamped at -100 and log(1-p) computed as
    log1p(-p), as in PyTorch. Prefer
    `bce_with_logits_loss` on raw scores: it never needs the clamp. The gradient is the
    derivative of this loss, -t/p + (1-t)/(1-p); PyTorch's replaces p(1-p) by 1e-12 when
    smaller, so the two differ only for p within about 1e-12 of 0 or 1 (README, "Numbers")."""
    pairs = _pairs(probs, targets, "bce_loss")
    if any(not 0.0 <= t <= 1.0 for _, t in pairs):
        raise ValueError("bce_loss: targets must be in [0, 1] (for ±1 labels pass [(t + 1) / 2 for t in y])")
    bad = next((p.data for p, _ in pairs if not 0.0 <= p.data <= 1.0), None)
    if bad is not None:
        raise ValueError(
            f"bce_loss: a probability is {bad!r}, outside [0, 1] (pass sigmoid outputs, or raw scores to "
            "bce_with_logits_loss)"
        )
    return _mean([_at_least_minus_100(p.log()) * -t + _at_least_minus_100((-p).log1p()) * (t - 1.0) for p, t in pairs])


def cross_entropy_loss(logits: Sequence[Sequence[Value | float]], targets: Sequence[int]) -> Value:
    """Multi-class cross-entropy, PyTorch's `F.cross_entropy`: `logits` holds one row of K class
    scores per example (a K-output MLP's output), `targets` the class indices 0..K-1.

    Per example: log Σ e^z - z[target] (the negative log of the softmax probability of the right
    class), averaged over the batch. The log-sum-exp subtracts the largest score m first,
    log Σ e^(z - m) + m, so no e^z overflows; m is a constant, which changes no gradient. The
    gradient of a row is softmax(z) - one_hot(target), divided by the batch size."""
    name = "cross_entropy_loss"
    rows = _as_list(logits, "logits (one list of class scores per example)", name)
    labels = _as_list(targets, "targets (class indices)", name)
    if not rows:
        raise ValueError(f"{name}: empty input")
    if len(rows) != len(labels):
        raise ValueError(f"{name}: {len(rows)} rows of logits but {len(labels)} targets")
    scores = [_logit_row(row, i, name) for i, row in enumerate(rows)]
    k = len(scores[0])
    terms = []
    for i, (zs, t) in enumerate(zip(scores, labels)):
        if len(zs) != k:
            raise ValueError(f"{name}: row {i} of logits has {len(zs)} scores, row 0 has {k}")
        t = _check.whole(t, f"{name}: every target (a class index)", minimum=0)
        if t >= k:
            raise ValueError(f"{name}: target {t} is not a class index; the logits have {k} classes (0..{k - 1})")
        _finite_logits(zs, name)
        m = max(z.data for z in zs)
        log_sum_exp = Value.sum([(z - m).exp() for z in zs]).log() + m
        terms.append(log_sum_exp - zs[t])
    return _mean(terms)


def _logit_row(row: object, i: int, name: str) -> list[Value]:
    """One example's class scores as Values (numbers become constants)."""
    if isinstance(row, (Value, numbers.Real)):
        raise TypeError(
            f"{name}: logits must be a list of rows, one list of K class scores per example; row {i} is "
            f"{type(row).__name__} (one score per example, as from a model with one output, is binary: use "
            "bce_with_logits_loss or hinge_loss; for a single example pass [scores])"
        )
    zs = _as_list(row, f"row {i} of logits (class scores)", name)
    if not zs:
        raise ValueError(f"{name}: row {i} of logits is empty")
    return [
        z if isinstance(z, Value) else Value(_check.real(z, f"{name}: every logit", "a Value or a real number"))
        for z in zs
    ]
