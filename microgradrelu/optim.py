"""Optimizers: turn the gradients left by `backward()` into parameter updates."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

from .engine import Value


def _real(x: object, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x):
        raise ValueError(f"{what} must be a finite real number, got {x!r}")
    return float(x)


class SGD:
    """Stochastic gradient descent, PyTorch's rule: with weight decay λ and momentum μ,
    g = grad + λ·p;  v = μ·v + g (v = g on the first step);  p -= lr·v."""

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        if isinstance(params, Value) or not isinstance(params, Iterable):  # e.g. SGD(model, ...)
            raise TypeError(f"SGD expects an iterable of Values, e.g. model.parameters(), got {type(params).__name__}")
        self.params = list(params)
        if not self.params:
            raise ValueError("SGD got an empty parameter list")
        seen: set[int] = set()
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"SGD params must be Values, got {type(p).__name__}")
            if id(p) in seen:  # it would be stepped twice per step
                raise ValueError(f"SGD params: the parameter at position {i} ({p!r}) is listed twice")
            seen.add(id(p))
        self.lr = lr
        self.momentum = _real(momentum, "momentum")
        self.weight_decay = _real(weight_decay, "weight_decay")
        if self.momentum < 0 or self.weight_decay < 0:
            raise ValueError(
                f"momentum and weight_decay must be >= 0, got momentum={momentum!r}, weight_decay={weight_decay!r}"
            )
        self._velocity: list[float] | None = None

    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        """Assignable, so a schedule can change it between steps."""
        lr = _real(value, "lr")
        if lr < 0:
            raise ValueError(f"lr must be >= 0, got {value!r}")
        self._lr = lr

    def step(self) -> None:
        lr, mu, wd = self._lr, self.momentum, self.weight_decay
        grads = [p.grad + wd * p.data for p in self.params] if wd else [p.grad for p in self.params]
        if mu:
            if self._velocity is None:
                self._velocity = grads
            else:
                self._velocity = [mu * v + g for v, g in zip(self._velocity, grads)]
            grads = self._velocity
        for p, g in zip(self.params, grads):
            p.data -= lr * g

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0
