"""Dead-neuron analysis: on how many inputs is each hidden neuron active?

A ReLU neuron whose pre-activation z = w·x + b is <= 0 on every input outputs 0 everywhere
and, since ReLU's derivative there is 0, receives no gradient from any input: gradient
descent can never move its weights again. It is *dead*. These functions measure that with
plain float arithmetic (no graph is built), so they are cheap enough to call every step.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from .nn import MLP, Neuron

# A neuron active on at most this fraction of the inputs (but not none) is "at risk".
AT_RISK_FRACTION = 0.05


def _activate(z: float, neuron: Neuron) -> float:
    """The neuron's activation on a plain float (same formulas as the Value ops)."""
    act = neuron.activation
    if act == "relu":
        return z if z > 0.0 else 0.0
    if act == "leaky_relu":
        return z if z > 0.0 else neuron.negative_slope * z
    if act == "tanh":
        return math.tanh(z)
    if act == "sigmoid":
        return 0.5 * (1.0 + math.tanh(0.5 * z))  # = 1/(1+e^-z), without overflow
    return z


def pre_activations(model: MLP, X: Sequence[Sequence[float]]) -> list[list[list[float]]]:
    """z for every layer, neuron and input: result[layer][neuron][input]."""
    if not isinstance(model, MLP):
        raise TypeError(f"expected an MLP, got {type(model).__name__}")
    rows = [_input_row(x, model.nin, i) for i, x in enumerate(X)]
    if not rows:
        raise ValueError("X is empty: need at least one input")
    result: list[list[list[float]]] = []
    for layer in model.layers:
        zs = []
        outs = []
        for n in layer.neurons:
            w = [wi.data for wi in n.w]
            b = n.b.data
            z = [_dot(w, row) + b for row in rows]
            zs.append(z)
            outs.append([_activate(zi, n) for zi in z])
        result.append(zs)
        rows = [list(col) for col in zip(*outs)]
    return result


def _dot(w: list[float], x: list[float]) -> float:
    """Σ wᵢxᵢ summed left to right, as `Value.sum` does, so z here is bit-identical to the graph's."""
    total = 0.0
    for wi, xi in zip(w, x):
        total += wi * xi
    return total


def _input_row(x: object, nin: int, i: int) -> list[float]:
    if not isinstance(x, Sequence) or isinstance(x, (str, bytes)):
        raise TypeError(f"X[{i}] must be a sequence of {nin} numbers, got {type(x).__name__}")
    if len(x) != nin:
        raise ValueError(f"X[{i}] has {len(x)} values; the model expects {nin}")
    row = []
    for v in x:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise TypeError(f"X[{i}] must hold real numbers, got {type(v).__name__}")
        row.append(float(v))
    return row


@dataclass(frozen=True)
class NeuronActivity:
    """How one hidden neuron behaves over a dataset."""

    layer: int
    index: int
    activation: str
    active: int  # inputs with pre-activation z > 0
    total: int

    @property
    def dead(self) -> bool:
        """Active on no input. For ReLU: no gradient reaches its weights from any input.
        (A Leaky ReLU neuron like this still gets slope-sized gradients.)"""
        return self.active == 0

    @property
    def at_risk(self) -> bool:
        return 0 < self.active <= AT_RISK_FRACTION * self.total


@dataclass(frozen=True)
class LayerActivity:
    index: int
    neurons: list[NeuronActivity] = field(default_factory=list)

    @property
    def dead(self) -> int:
        return sum(n.dead for n in self.neurons)

    @property
    def dead_fraction(self) -> float:
        return self.dead / len(self.neurons)


@dataclass(frozen=True)
class ActivationReport:
    """Per hidden layer, per neuron: on how many of `n_inputs` inputs it is active."""

    n_inputs: int
    layers: list[LayerActivity]

    @property
    def dead(self) -> int:
        return sum(layer.dead for layer in self.layers)

    @property
    def neurons(self) -> int:
        return sum(len(layer.neurons) for layer in self.layers)

    @property
    def dead_fraction(self) -> float:
        return self.dead / self.neurons if self.neurons else 0.0

    def __str__(self) -> str:
        lines = [
            f"{'layer':>5} {'neurons':>7} {'dead':>5} {'dead %':>7}  active inputs per neuron (of {self.n_inputs})"
        ]
        for layer in self.layers:
            counts = " ".join(str(n.active) for n in layer.neurons)
            lines.append(
                f"{layer.index:>5} {len(layer.neurons):>7} {layer.dead:>5} {100 * layer.dead_fraction:>6.1f}%  {counts}"
            )
        return "\n".join(lines)


def activation_report(model: MLP, X: Sequence[Sequence[float]]) -> ActivationReport:
    """Count, for every hidden neuron of `model`, the inputs in `X` on which z > 0."""
    zs = pre_activations(model, X)
    layers = []
    for li, (layer, layer_z) in enumerate(zip(model.layers[:-1], zs)):
        neurons = [
            NeuronActivity(li, ni, n.activation, sum(z > 0.0 for z in nz), len(nz))
            for ni, (n, nz) in enumerate(zip(layer.neurons, layer_z))
        ]
        layers.append(LayerActivity(li, neurons))
    return ActivationReport(len(X), layers)
