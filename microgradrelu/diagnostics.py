"""Dead-neuron analysis: on how many inputs is each hidden neuron active?

A ReLU neuron whose pre-activation z = w·x + b is <= 0 on every input outputs 0 everywhere
and, since ReLU's derivative there is 0, receives no gradient from any input: gradient
descent can never move its weights again. It is *dead*. These functions measure that with
plain float arithmetic (no graph is built), so they are cheap enough to call every step.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field

from .engine import Value
from .nn import MLP, Neuron

# A neuron active on at most this fraction of the inputs (but not none) is "at risk".
AT_RISK_FRACTION = 0.05


def _activate(z: float, neuron: Neuron) -> float:
    """The neuron's activation of a plain float, bit-identical to the Value op's result."""
    act = neuron.activation
    if act == "relu":
        return z if z > 0.0 else 0.0
    if act == "leaky_relu":
        return z if z > 0.0 else neuron.negative_slope * z
    if act == "tanh":
        return math.tanh(z)
    if act == "sigmoid":
        return Value(z).sigmoid().data  # the engine's own formula, so the next layer's z matches the graph's
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
    """Σ wᵢxᵢ summed left to right, as `Value.weighted_sum` does, so z here is bit-identical to the graph's."""
    total = 0.0
    for wi, xi in zip(w, x):
        total += wi * xi
    return total


def _input_row(x: object, nin: int, i: int) -> list[float]:
    """One input row as floats: a list, tuple or 1-D numpy array of `nin` real numbers.
    Dicts and sets are refused: their order is not the inputs'."""
    ordered = isinstance(x, Iterable) and not isinstance(x, (str, bytes, Mapping, Set))
    try:
        n = len(x) if ordered else -1  # type: ignore[arg-type]
    except TypeError:  # a generator, a 0-d numpy array
        n = -1
    if n < 0:
        raise TypeError(f"X[{i}] must be a sequence of {nin} numbers, got {type(x).__name__}")
    if n != nin:
        raise ValueError(f"X[{i}] has {n} values; the model expects {nin}")
    row = []
    for v in x:
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(f"X[{i}] must hold real numbers, got {type(v).__name__}")
        if not math.isfinite(v):  # z would be NaN/inf and the neuron silently count as inactive
            raise ValueError(f"X[{i}] holds {float(v)!r}: inputs must be finite")
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
    return ActivationReport(len(zs[0][0]), layers)  # (X may be a generator, now used up)


@dataclass(frozen=True)
class HistoryRow:
    """One `DeadNeuronHistory.record`: the step and the dead count of every hidden layer."""

    step: int
    dead: tuple[int, ...]  # per hidden layer
    neurons: tuple[int, ...]  # per hidden layer

    @property
    def dead_fraction(self) -> float:
        total = sum(self.neurons)
        return sum(self.dead) / total if total else 0.0


class DeadNeuronHistory:
    """The dead count per hidden layer, recorded during training, for a table or a plot.

    Call `record(step, model, X)` every few steps; `str(history)` is the table. Recording
    uses `activation_report` (plain floats, no graph), so it costs about one forward pass.
    """

    def __init__(self) -> None:
        self.rows: list[HistoryRow] = []

    def record(self, step: int, model: MLP, X: Sequence[Sequence[float]]) -> ActivationReport:
        """Measure `model` on `X` and append the dead counts; returns the full report."""
        if isinstance(step, bool) or not isinstance(step, numbers.Integral):
            raise TypeError(f"step must be an int, got {type(step).__name__}")
        if self.rows and step <= self.rows[-1].step:
            raise ValueError(f"steps must increase: got {step} after {self.rows[-1].step}")
        report = activation_report(model, X)
        neurons = tuple(len(layer.neurons) for layer in report.layers)
        if self.rows and neurons != self.rows[0].neurons:
            raise ValueError(f"model has hidden layers {neurons}, earlier records had {self.rows[0].neurons}")
        self.rows.append(HistoryRow(step, tuple(layer.dead for layer in report.layers), neurons))
        return report

    @property
    def steps(self) -> list[int]:
        return [row.step for row in self.rows]

    @property
    def dead_fractions(self) -> list[float]:
        """Fraction of all hidden neurons that are dead, one value per record."""
        return [row.dead_fraction for row in self.rows]

    def layer_dead(self, layer: int) -> list[int]:
        """Dead count of hidden layer `layer`, one value per record."""
        if not self.rows:
            return []
        if isinstance(layer, bool) or not isinstance(layer, numbers.Integral):
            raise TypeError(f"layer must be an int, got {type(layer).__name__}")
        if not 0 <= layer < len(self.rows[0].neurons):
            raise IndexError(f"hidden layer {layer} does not exist; there are {len(self.rows[0].neurons)}")
        return [row.dead[layer] for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    def __str__(self) -> str:
        if not self.rows:
            return "(no records)"
        sizes = self.rows[0].neurons
        head = [f"{'step':>6}"] + [f"L{i} dead/{n}".rjust(11) for i, n in enumerate(sizes)] + [f"{'dead %':>7}"]
        lines = [" ".join(head)]
        for row in self.rows:
            cells = [f"{row.step:>6}"] + [f"{d:>11}" for d in row.dead] + [f"{100 * row.dead_fraction:>6.1f}%"]
            lines.append(" ".join(cells))
        return "\n".join(lines)


def gradient_reach(model: MLP, X: Sequence[Sequence[float]]) -> list[list[int]]:
    """For every hidden neuron: on how many inputs of `X` a nonzero gradient reaches it.

    Measured with the autodiff engine, not inferred from signs: for each input the model's
    output (the sum of its outputs if it has several) is backpropagated, and the neuron's
    bias gradient d(output)/d(b) = d(output)/d(z) is read. A count of 0 means gradient
    descent cannot move that neuron's weights on this data: dead ReLUs, but also neurons
    whose every downstream path is blocked. result[layer][neuron], hidden layers only.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"expected an MLP, got {type(model).__name__}")
    rows = [_input_row(x, model.nin, i) for i, x in enumerate(X)]
    if not rows:
        raise ValueError("X is empty: need at least one input")
    hidden = model.layers[:-1]
    counts = [[0] * len(layer.neurons) for layer in hidden]
    saved = [p.grad for p in model.parameters()]
    try:
        for row in rows:
            model.zero_grad()
            out = model(row)
            total = out if not isinstance(out, list) else Value.sum(out)
            total.backward()
            for li, layer in enumerate(hidden):
                for ni, n in enumerate(layer.neurons):
                    if n.b.grad != 0.0:
                        counts[li][ni] += 1
    finally:  # leave the caller's accumulated gradients as they were
        for p, g in zip(model.parameters(), saved):
            p.grad = g
    return counts
