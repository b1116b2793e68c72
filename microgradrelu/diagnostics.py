"""Dead-neuron analysis: on how many inputs is each hidden neuron active?

Two words, never mixed up:
- *negative everywhere*: the neuron's pre-activation z = w·x + b is <= 0 on every input;
- *dead*: negative everywhere AND its activation passes no gradient there (ReLU: derivative
  0 for z <= 0). It receives no gradient from any input, so gradient descent can never move
  its weights again. A Leaky ReLU neuron negative everywhere is not dead: it still gets
  slope-sized gradients and can recover; nor is a PReLU one, even with its slope at 0 (the
  slope itself still learns). (`activations.Activation.can_die` decides.)

These functions measure that with plain float arithmetic (no graph is built), so they are
cheap enough to call every step; `gradient_reach` checks it with the engine's backward.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import _check
from .activations import activation
from .engine import Value, dot
from .nn import MLP, Neuron

# A neuron active on at most this fraction of the inputs (but not none) is "at risk".
AT_RISK_FRACTION = 0.05


def _checked(model: object) -> MLP:
    """An MLP with finite weights: with a NaN weight z is NaN, and `z > 0` would silently call the
    unit inactive (dead), when it is training that has diverged."""
    if not isinstance(model, MLP):
        raise TypeError(f"expected an MLP, got {type(model).__name__}")
    for name, p in model.named_parameters():
        if not math.isfinite(p.data):
            raise ValueError(f"parameter {name} is {p.data!r}: training has diverged (try a smaller lr)")
    return model


def pre_activations(model: MLP, X: Sequence[Sequence[float]]) -> list[list[list[float]]]:
    """z for every layer, neuron and input: result[layer][neuron][input]."""
    _checked(model)
    rows = [_input_row(x, model.nin, i) for i, x in enumerate(_check.rows(X))]
    if not rows:
        raise ValueError("X is empty: need at least one input")
    result: list[list[list[float]]] = []
    for layer in model.layers:
        zs = []
        outs = []
        for n in layer.neurons:
            w = [wi.data for wi in n.w]
            b = n.b.data
            z = [dot(w, row) + b for row in rows]
            zs.append(z)
            f, slope = activation(n.activation).apply_float, slope_of(n)  # bit-identical to the graph's op
            outs.append([f(zi, slope) for zi in z])
        result.append(zs)
        rows = [list(col) for col in zip(*outs)]
    return result


def slope_of(n: Neuron) -> float:
    """The neuron's slope as a number: its learned `a` (PReLU) now, else its negative_slope."""
    s = n.slope
    return s.data if isinstance(s, Value) else s


def _input_row(x: object, nin: int, i: int) -> list[float]:
    """One input row as floats: a list, tuple or 1-D numpy array of `nin` real numbers.
    Dicts and sets are refused: their order is not the inputs'."""
    try:
        n = len(x) if _check.ordered(x) else -1  # type: ignore[arg-type]
    except TypeError:  # a generator, a 0-d numpy array
        n = -1
    if n < 0:
        raise TypeError(f"X[{i}] must be a sequence of {nin} numbers, got {type(x).__name__}")
    if n != nin:
        raise ValueError(f"X[{i}] has {n} values; the model expects {nin}")
    # finite: z would be NaN/inf and the neuron silently count as inactive
    return [_check.finite(v, f"X[{i}]: every input") for v in x]


@dataclass(frozen=True)
class NeuronActivity:
    """How one hidden neuron behaves over a dataset."""

    layer: int
    index: int
    activation: str
    active: int  # inputs with pre-activation z > 0
    total: int
    can_die: bool  # its activation passes no gradient for z <= 0 (ReLU)

    @property
    def negative_everywhere(self) -> bool:
        """z <= 0 on every input (for any activation)."""
        return self.active == 0

    @property
    def dead(self) -> bool:
        """Negative everywhere with an activation that passes nothing back there (ReLU, or a Leaky
        ReLU with slope 0): no gradient reaches its weights from any input. A Leaky ReLU neuron
        with a slope, or a PReLU one, is never dead."""
        return self.can_die and self.active == 0

    @property
    def at_risk(self) -> bool:
        """A ReLU neuron active on at most AT_RISK_FRACTION of the inputs (but not none)."""
        return self.can_die and 0 < self.active <= AT_RISK_FRACTION * self.total


@dataclass(frozen=True)
class LayerActivity:
    index: int
    neurons: list[NeuronActivity] = field(default_factory=list)

    @property
    def dead(self) -> int:
        return sum(n.dead for n in self.neurons)

    @property
    def negative_everywhere(self) -> int:
        return sum(n.negative_everywhere for n in self.neurons)

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
    def negative_everywhere(self) -> int:
        return sum(layer.negative_everywhere for layer in self.layers)

    @property
    def dead_fraction(self) -> float:
        return self.dead / self.neurons if self.neurons else 0.0

    def __str__(self) -> str:
        head = f"{'layer':>5} {'neurons':>7} {'dead':>5} {'negative':>8}  active inputs per neuron (of {self.n_inputs})"
        lines = [head]
        for layer in self.layers:
            counts = " ".join(str(n.active) for n in layer.neurons)
            row = f"{layer.index:>5} {len(layer.neurons):>7} {layer.dead:>5} {layer.negative_everywhere:>8}  {counts}"
            lines.append(row)
        lines.append("dead: z <= 0 on every input and no gradient there (ReLU); negative: z <= 0 on every input")
        return "\n".join(lines)


def activation_report(model: MLP, X: Sequence[Sequence[float]]) -> ActivationReport:
    """Count, for every hidden neuron of `model`, the inputs in `X` on which z > 0."""
    zs = pre_activations(model, X)
    layers = []
    for li, (layer, layer_z) in enumerate(zip(model.layers[:-1], zs)):
        neurons = [
            NeuronActivity(
                li,
                ni,
                n.activation,
                sum(z > 0.0 for z in nz),
                len(nz),
                activation(n.activation).can_die(slope_of(n)),
            )
            for ni, (n, nz) in enumerate(zip(layer.neurons, layer_z))
        ]
        layers.append(LayerActivity(li, neurons))
    return ActivationReport(len(zs[0][0]), layers)  # (X may be a generator, now used up)


@dataclass(frozen=True)
class HistoryRow:
    """One `DeadNeuronHistory.record`: the step, per hidden layer the dead and the negative-
    everywhere counts, and the model's weights then (`state`, for drawing that moment again)."""

    step: int
    dead: tuple[int, ...]  # per hidden layer
    negative: tuple[int, ...]  # per hidden layer: z <= 0 on every input (dead or not)
    neurons: tuple[int, ...]  # per hidden layer
    state: dict[str, float] = field(repr=False)

    @property
    def dead_fraction(self) -> float:
        total = sum(self.neurons)
        return sum(self.dead) / total if total else 0.0

    @property
    def negative_fraction(self) -> float:
        total = sum(self.neurons)
        return sum(self.negative) / total if total else 0.0


class DeadNeuronHistory:
    """Dead and negative-everywhere counts per hidden layer, recorded during training, for a
    table, a plot or a film (each row keeps the weights of its step).

    Call `record(step, model, X)` every few steps; `str(history)` is the table. Recording
    uses `activation_report` (plain floats, no graph), so it costs about one forward pass.
    """

    def __init__(self) -> None:
        self.rows: list[HistoryRow] = []

    def record(self, step: int, model: MLP, X: Sequence[Sequence[float]]) -> ActivationReport:
        """Measure `model` on `X` and append the counts; returns the full report."""
        step = _check.whole(step, "step", minimum=None)
        if self.rows and step <= self.rows[-1].step:
            raise ValueError(f"steps must increase: got {step} after {self.rows[-1].step}")
        report = activation_report(model, X)
        neurons = tuple(len(layer.neurons) for layer in report.layers)
        if self.rows and neurons != self.rows[0].neurons:
            raise ValueError(f"model has hidden layers {neurons}, earlier records had {self.rows[0].neurons}")
        dead = tuple(layer.dead for layer in report.layers)
        negative = tuple(layer.negative_everywhere for layer in report.layers)
        self.rows.append(HistoryRow(step, dead, negative, neurons, model.state_dict()))
        return report

    @property
    def steps(self) -> list[int]:
        return [row.step for row in self.rows]

    @property
    def dead_fractions(self) -> list[float]:
        """Fraction of all hidden neurons that are dead, one value per record."""
        return [row.dead_fraction for row in self.rows]

    @property
    def negative_fractions(self) -> list[float]:
        """Fraction of all hidden neurons negative on every input (dead or not), per record."""
        return [row.negative_fraction for row in self.rows]

    def layer_dead(self, layer: int) -> list[int]:
        """Dead count of hidden layer `layer`, one value per record."""
        layer = _check.whole(layer, "layer", minimum=0)
        if not self.rows:
            return []
        if layer >= len(self.rows[0].neurons):
            raise ValueError(f"hidden layer {layer} does not exist; there are {len(self.rows[0].neurons)}")
        return [row.dead[layer] for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    def __str__(self) -> str:
        if not self.rows:
            return "(no records)"
        sizes = self.rows[0].neurons
        head = [f"{'step':>6}"] + [f"L{i} dead/{n}".rjust(11) for i, n in enumerate(sizes)]
        head += [f"L{i} negative".rjust(11) for i in range(len(sizes))] + [f"{'dead %':>7}"]
        lines = [" ".join(head)]
        for row in self.rows:
            cells = [f"{row.step:>6}"] + [f"{d:>11}" for d in (*row.dead, *row.negative)]
            lines.append(" ".join([*cells, f"{100 * row.dead_fraction:>6.1f}%"]))
        return "\n".join(lines)


def gradient_reach(model: MLP, X: Sequence[Sequence[float]]) -> list[list[int]]:
    """For every hidden neuron: on how many inputs of `X` a nonzero gradient reaches it.

    Measured with the autodiff engine, not inferred from signs: for each input the model's
    output (the sum of its outputs if it has several) is backpropagated, and the neuron's
    bias gradient d(output)/d(b) = d(output)/d(z) is read, and its slope's if it learns one
    (a PReLU with slope 0 passes nothing to z, but its slope still learns). A count of 0
    means gradient descent cannot move that neuron on this data: dead ReLUs, but also
    neurons whose every downstream path is blocked. result[layer][neuron], hidden layers only.
    """
    _checked(model)
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
                    slope = n.slope
                    if n.b.grad != 0.0 or (isinstance(slope, Value) and slope.grad != 0.0):
                        counts[li][ni] += 1
    finally:  # leave the caller's accumulated gradients as they were
        for p, g in zip(model.parameters(), saved):
            p.grad = g
    return counts
