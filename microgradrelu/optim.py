"""Optimizers: turn the gradients left by `backward()` into parameter updates."""

from __future__ import annotations

from collections.abc import Iterable

from . import _check
from .engine import Value


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
        self.momentum = _check.finite(momentum, "momentum", minimum=0.0)
        self.weight_decay = _check.finite(weight_decay, "weight_decay", minimum=0.0)
        self._velocity: list[float] | None = None

    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        """Assignable, so a schedule can change it between steps."""
        self._lr = _check.finite(value, "lr", minimum=0.0)

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
