"""The activation functions a neuron can use: one table, read by everything that needs one.

`Neuron` applies an entry's `apply` to its Z (a `Layer` maps the entry's `op` when it has
one); `diagnostics` computes the same function on plain floats with `apply_float` (no graph,
bit for bit the same numbers); the drawings name a unit by `label` and mark it by
`below_zero`, which says what the unit passes back when its Z <= 0 — the question this
library is about:

- "blocks":  nothing (ReLU). A unit with Z <= 0 on every input gets no gradient: it is *dead*.
- "leaks":   a slope-sized gradient (Leaky ReLU, PReLU). Negative on every input, it still
             learns (unless a fixed slope is 0: then it is ReLU, see `Activation.can_die`).
- "passes":  its ordinary derivative (linear, tanh, sigmoid): Z <= 0 is nothing special.

Adding an activation is its `Value` op plus one entry here (tests/test_activations.py adds
softplus).

PReLU's slope is learned: an entry with `learned_slope` makes every neuron that uses it own a
slope parameter `a` (one per neuron, initialised at `learned_slope`), and `apply` then gets
that `Value` as its slope instead of the neuron's fixed `negative_slope`; `apply_float` always
gets a plain float (`a.data`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from . import _check
from .engine import Value

BELOW_ZERO = ("blocks", "leaks", "passes")
# What `apply` gets as the slope: the neuron's fixed negative_slope, or its learned slope parameter
Slope = float | Value


@dataclass(frozen=True)
class Activation:
    """One activation: its name, its op on a Value, its twin on a float, and how it is drawn.
    Both functions take the neuron's slope second (most ignore it): `negative_slope`, or for an
    entry with `learned_slope` the neuron's slope parameter (a Value; its float for `apply_float`)."""

    name: str
    label: str
    apply: Callable[[Value, Slope], Value]
    apply_float: Callable[[float, float], float]
    below_zero: str
    learned_slope: float | None = None  # initial value of a per-neuron slope parameter (PReLU)
    torch: str | None = None  # the torch.nn module computing the same function (to_torch, from_torch)
    # The Value op itself, for an activation that takes no slope (Value.relu): a layer whose neurons
    # all use this entry maps it over its Zs in one call, instead of calling `apply` per neuron.
    # It must make the node `apply` makes (tests/test_activations.py checks every entry).
    op: Callable[[Value], Value] | None = None

    def __post_init__(self) -> None:
        _check.choice(self.below_zero, BELOW_ZERO, "below_zero")

    def can_die(self, negative_slope: float) -> bool:
        """True when a unit negative on every input gets no gradient at all: ReLU, and a
        leaky one whose fixed slope is 0 (the engine treats that as ReLU too). A learned slope
        at 0 is not dead: the slope itself still gets z × the gradient, so it can move."""
        fixed_zero = self.below_zero == "leaks" and self.learned_slope is None and negative_slope == 0.0
        return self.below_zero == "blocks" or fixed_zero


def _relu(z: float, slope: float) -> float:
    return 0.0 if z <= 0.0 else z  # Value.relu's test, so NaN gives NaN here too


def _leaky_relu(z: float, slope: float) -> float:
    return z if z > 0.0 else slope * z


def _sigmoid(z: float, slope: float) -> float:
    return Value(z).sigmoid().data  # the engine's own, so the number is the graph's to the last bit


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("relu", "ReLU", lambda z, s: z.relu(), _relu, "blocks", torch="ReLU", op=Value.relu),
        Activation("leaky_relu", "Leaky ReLU", lambda z, s: z.leaky_relu(s), _leaky_relu, "leaks", torch="LeakyReLU"),
        # one slope per neuron, 0.25 at first (He et al. 2015; torch.nn.PReLU's init)
        Activation("prelu", "PReLU", lambda z, a: z.prelu(a), _leaky_relu, "leaks", learned_slope=0.25, torch="PReLU"),
        Activation("linear", "linear", lambda z, s: z, lambda z, s: z, "passes"),  # torch: no module (or Identity)
        Activation(
            "tanh", "tanh", lambda z, s: z.tanh(), lambda z, s: math.tanh(z), "passes", torch="Tanh", op=Value.tanh
        ),
        Activation(
            "sigmoid", "sigmoid", lambda z, s: z.sigmoid(), _sigmoid, "passes", torch="Sigmoid", op=Value.sigmoid
        ),
    )
}


def activation(name: object, what: str = "activation") -> Activation:
    """The table entry called `name`; an unknown name is a ValueError listing the valid ones."""
    return ACTIVATIONS[_check.choice(name, ACTIVATIONS, what)]
