"""Losses: each returns one `Value`, so `loss.backward()` reaches every parameter."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence, Set

from . import _check
from .engine import Value


def _as_list(x: object, what: str, name: str) -> list[object]:
    """One item, or an ordered collection of them (a list, a numpy array, a generator) as a
    list. Dicts and sets are refused: their order would pair predictions with wrong targets."""
    if isinstance(x, (Value, numbers.Real)):
        return [x]
    if isinstance(x, (str, bytes, Mapping, Set)) or not isinstance(x, Iterable):
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


def _softplus(z: Value) -> Value:
    """log(1 + e^z) written so that e^(big) is never computed: for z > 0 it is
    z + log(1 + e^-z). Both branches are the same function, so gradients agree."""
    if z.data > 0.0:
        return z + ((-z).exp() + 1.0).log()
    return (z.exp() + 1.0).log()


def bce_with_logits_loss(logits: Sequence[Value], targets: Sequence[float]) -> Value:
    """Binary cross-entropy on raw scores, targets in [0, 1]:
    mean(softplus(z) - t·z), which equals -t·log σ(z) - (1-t)·log(1-σ(z)) without overflow."""
    pairs = _pairs(logits, targets, "bce_with_logits_loss")
    if any(not 0.0 <= t <= 1.0 for _, t in pairs):
        raise ValueError(
            "bce_with_logits_loss: targets must be in [0, 1] (labels 0/1; for the ±1 labels of make_moons etc. "
            "pass [(t + 1) / 2 for t in y])"
        )
    bad = next((z.data for z, _ in pairs if not math.isfinite(z.data)), None)
    if bad is not None:
        raise ValueError(f"bce_with_logits_loss: a logit is {bad!r} (has training diverged? try a smaller lr)")
    return _mean([_softplus(z) - z * t for z, t in pairs])
