"""Pages that move: watch backward run node by node, and watch a network train.

- `backprop_page(root)`: the graph of `root` (drawn by `draw_graph`) with Next/Previous
  buttons and the arrow keys walking the backward pass in the engine's own order. Each step
  highlights the node being processed and shows, for each input, grad(input) += local ×
  grad(node) with the numbers and what the input's gradient becomes; at a blocked ReLU it
  shows 0 × upstream = 0 and the gradient stopping there.
- `training_film(runs, X)`: `draw_network` at every step a `DeadNeuronHistory` recorded,
  behind a slider, for one run or several side by side (ReLU units dying, Leaky ReLU ones not).

Both return a `Page`: `.html` (one self-contained file), `.save(path)`, and inline display
in Jupyter. A page works offline and loads nothing: SVG, CSS and script are inline, and no
network address appears anywhere in it (the SVG's namespace declarations, which HTML does
not need, are dropped; any "://" in a label is written as an entity).

The steps are computed here in Python by `backward_steps`, which mirrors
`engine.backpropagate` exactly (same order, same skips, same float operations; the tests
compare it with the engine on random graphs, inf and NaN included); the page's script only
shows them. Each Value's SVG group carries `data-grad`, the gradient it currently shows as
Python's repr of the float ("0.01", "-inf", "nan"), so `float()` reads it back exactly.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from . import _check
from .diagnostics import DeadNeuronHistory, HistoryRow
from .engine import Value, hands_back_nothing, passes_no_gradient, topological_order
from .files import write_atomic
from .nn import MLP
from .viz import ZERO_FILL, draw_graph, draw_network

__all__ = ["BackwardStep", "Page", "Update", "backprop_page", "backward_steps", "training_film"]

SUFFIXES = (".html", ".htm")


def _num(x: float) -> str:
    """How a number is shown: four significant digits, as in the drawings (0, never -0)."""
    return f"{x + 0.0:.4g}"


# --- the page object --------------------------------------------------------------------------
class Page:
    """One self-contained HTML page: `.html` (the text), `.save(path)`; displays inline in
    Jupyter, inside an iframe so that two pages in one notebook keep their own ids, styles
    and keys."""

    def __init__(self, html_text: str, title: str, height: int) -> None:
        self.html = html_text
        self.title = title
        self.height = height  # pixels the inline display gives it

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page (.html or .htm); the file appears complete or not at all."""
        path = Path(path)
        if path.suffix.lower() not in SUFFIXES:
            raise ValueError(f"cannot save a page as {path.name!r}: the suffix must be .html or .htm")
        write_atomic(path, self.html.encode("utf-8"))
        return path

    def _repr_html_(self) -> str:
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" title="{_escape(self.title)}" '
            f'style="width: 100%; height: {self.height}px; border: 1px solid #ccc"></iframe>'
        )

    def __repr__(self) -> str:
        return f"<Page {self.title!r}: {len(self.html):,} characters of HTML>"


_ASSETS = resources.files(__package__) / "assets"


def _asset(name: str) -> str:
    return (_ASSETS / name).read_text(encoding="utf-8")


def _page(title: str, body: str, data: object, script: str, height: int) -> Page:
    """The shell every page shares: inline style, body, the data as JSON, inline script."""
    text = (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">\n'
        f"<title>{_escape(title)}</title>\n"
        f"<style>\n{_asset('page.css').replace('ZERO_FILL', ZERO_FILL)}</style>\n"
        f"</head><body>\n{body}\n"
        f'<script type="application/json" id="mg-data">{_script_json(data)}</script>\n'
        f"<script>\n{_asset(script)}</script>\n"
        "</body></html>\n"
    )
    return Page(text, title, height)


def _escape(text: str) -> str:
    """Text for HTML: markup escaped, and a "://" written so that no address appears."""
    return html.escape(text).replace("://", ":&#47;/")


def _script_json(data: object) -> str:
    """JSON that is safe inside a <script> element and holds no "://": the characters that
    could end the element or spell an address are written as escapes (all inside strings)."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("/", "\\/")


_SVG_HEAD = re.compile(r"<\?xml.*?\?>|<!DOCTYPE.*?>|<!--.*?-->", re.DOTALL)
_XMLNS = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_SVG_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')
FIT_WIDTH = 1600  # CSS pixels: a graph up to this wide is shrunk to the window's width; a wider one scrolls


def _inline_svg(svg: str) -> str:
    """Graphviz's SVG as an inline element: no XML prolog, doctype or comments, and no
    namespace declarations (an HTML parser puts <svg> in its namespace by itself), so no
    address is left; a "://" in a label becomes ":&#47;/"."""
    svg = _SVG_HEAD.sub("", svg)
    svg = _XMLNS.sub("", svg)
    return svg.replace("://", ":&#47;/").strip()


def _svg_size(svg: str) -> tuple[int, int]:
    """Graphviz's width and height (points) in CSS pixels."""
    m = _SVG_SIZE.search(svg)
    return (round(float(m.group(1)) * 4 / 3), round(float(m.group(2)) * 4 / 3)) if m else (800, 600)


# --- the backward pass, step by step ------------------------------------------------------------
@dataclass(frozen=True)
class Update:
    """What one step does to one input (`child`, an index into the topological order):
    grad(child) goes from `before` to `after` by adding local × upstream (`passed` is False
    when the step passes nothing: a blocked node, or a zero gradient the engine skips)."""

    child: int
    local: float
    upstream: float
    passed: bool
    before: float
    after: float


@dataclass(frozen=True)
class BackwardStep:
    """One step of the backward pass. `kind`: "pass" (the chain rule, one multiply-add per
    input), "blocked" (a node that passes no gradient), "zero" (grad 0: nothing to pass back,
    skipped) or "accumulate" (leaves add back what they held before the pass; `node` is -1).
    `node` indexes `topological_order(root)`; `updates` lists the inputs touched."""

    node: int
    kind: str
    updates: tuple[Update, ...]


def backward_steps(
    root: Value, gradient: float = 1.0, *, accumulate: bool = False
) -> tuple[list[float], list[BackwardStep], list[float]]:
    """`root.backward(gradient)` one node at a time, without touching the graph.

    Returns (start, steps, final): the gradients (indexed like `topological_order(root)`)
    when the pass begins (every interior node reset to 0, leaves at 0 for this pass, the
    root seeded), one `BackwardStep` per interior node in the engine's order (reversed
    topological order), and the gradients at the end. With `accumulate=False` the leaves
    start from 0, as after `zero_grad()`; with `accumulate=True` they keep what they hold
    and `final` is exactly what `root.backward(gradient)` would leave in every node now.
    Mirrors `engine.backpropagate`, skips and float operations included.
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward_steps expects a Value, got {type(root).__name__}")
    seed = _check.real(gradient, "gradient")
    if not isinstance(accumulate, bool):
        raise TypeError(f"accumulate must be a bool, got {type(accumulate).__name__}")
    order = topological_order(root)
    index = {v: i for i, v in enumerate(order)}
    grads = [0.0] * len(order)
    earlier = [(i, v.grad) for i, v in enumerate(order) if accumulate and not v.children and v.grad]
    grads[-1] += seed
    start = list(grads)
    steps: list[BackwardStep] = []
    for i in range(len(order) - 1, -1, -1):
        node = order[i]
        if not node.children:
            continue  # a leaf: nothing to hand back (the engine's loop over no children)
        g = grads[i]
        if passes_no_gradient(node):
            kind = "blocked"
        elif hands_back_nothing(node, g):
            kind = "zero"
        else:
            kind = "pass"
        updates = []
        for child, local in zip(node.children, node.local_grads):
            j = index[child]
            before = grads[j]
            if kind == "pass":
                grads[j] += local * g
            updates.append(Update(j, local, g, kind == "pass", before, grads[j]))
        steps.append(BackwardStep(i, kind, tuple(updates)))
    if earlier:
        updates = []
        for j, g in earlier:
            before = grads[j]
            grads[j] += g
            updates.append(Update(j, 1.0, g, True, before, grads[j]))
        steps.append(BackwardStep(-1, "accumulate", tuple(updates)))
    return start, steps, grads


def _expression(node: Value, kids: list[str], shown_kids: str) -> str:
    """How the node was computed from its inputs, as a student would write it: "X1 × W1",
    "v53 × -1" (a constant factor is the edge's local derivative), "relu(Z)"."""
    if node.op == "*":
        return f"{kids[0]} × {kids[1] if len(kids) == 2 else _num(node.local_grads[0])}"
    if node.op == "/":
        return f"{kids[0]} / {kids[1]}" if len(kids) == 2 else f"a constant / {kids[0]}"
    if node.op == "+":
        shown = " + ".join(kids[:4]) + (f" + … ({len(kids)} inputs)" if len(kids) > 4 else "")
        return shown if len(kids) > 1 else f"{shown} + a constant"
    if node.op == "weighted_sum":
        return f"Σ w·x + b over {shown_kids}"
    if node.op == "**":
        return f"{shown_kids} ** a constant"
    return f"{node.op.replace('_', ' ')}({shown_kids})"


def _blocked_reason(node: Value) -> str:
    x = node.children[0].data
    if node.op == "relu":
        return f"relu's input was {_num(x)} ≤ 0"
    if node.op == "leaky_relu":
        return f"a Leaky ReLU with slope 0 had input {_num(x)} ≤ 0"
    if node.op == "**":
        return "x ** 0 is the constant 1"
    return "this node passes no gradient"


class _Narrator:
    """Turns `BackwardStep`s into what the page says: a heading, a note, one row per input."""

    def __init__(self, order: list[Value], accumulate: bool) -> None:
        self.order = order
        self.accumulate = accumulate
        labels = Counter(v.label for v in order)
        # a label names a node only if no other node has it (an MLP's neurons all have a "b");
        # other nodes are called by their node name v<i>, which the page writes beside the box
        self.names = [
            v.label if v.label and labels[v.label] == 1 else f"{v.label} v{i}".lstrip() for i, v in enumerate(order)
        ]
        self.root = self.names[-1]

    def name(self, i: int) -> str:
        return self.names[i]

    def start(self, seed: float, n_steps: int) -> dict[str, object]:
        leaves = "leaves start this pass at 0 and add back what they held at the end"
        if not self.accumulate:
            leaves = "leaves start at 0, as after zero_grad()"
        walk = (
            "Next (or →) processes the nodes in reverse topological order, the output first: each hands "
            "local derivative × its own gradient to each of its inputs."
            if n_steps
            else "There is nothing to process: the output is a leaf."
        )
        note = (
            f"Backward starts at the output {self.root}: grad({self.root}) = {_num(seed)}, the seed "
            f"(d{self.root}/d{self.root} = 1 unless backward(gradient) says otherwise). Every other gradient "
            f"starts at 0: interior nodes are reset, {leaves}. {walk}"
        )
        return {"node": len(self.order) - 1, "kind": "start", "head": f"start at {self.root}", "note": note}

    def step(self, step: BackwardStep) -> dict[str, object]:
        if step.kind == "accumulate":
            note = "Leaves accumulate across passes, as in PyTorch: each adds back the gradient it held before."
            rows = [
                [u.child, f"grad({self.name(u.child)}) += {_num(u.upstream)}, held before this pass", self._becomes(u)]
                for u in step.updates
            ]
            return {"node": -1, "kind": "accumulate", "head": "leaves add back", "note": note, "rows": rows}
        node = self.order[step.node]
        me = self.name(step.node)
        kids = [self.name(u.child) for u in step.updates]
        shown_kids = ", ".join(kids[:4]) + (f", … ({len(kids)} inputs)" if len(kids) > 4 else "")
        g = step.updates[0].upstream
        head = f"{me} = {_expression(node, kids, shown_kids)} · data {_num(node.data)} · grad({me}) = {_num(g)}"
        if step.kind == "pass":
            note = f"Chain rule, for each input: grad(input) += ∂{me}/∂input × grad({me})."
        elif step.kind == "blocked":
            stop = f"0 × upstream {_num(g)} = 0" if math.isfinite(g) else f"nothing, not even the {_num(g)} upstream"
            note = (
                f"Blocked: {_blocked_reason(node)}, so its local derivative is 0 and it passes {stop}. "
                f"The gradient stops here: nothing flows back through {me} to {shown_kids} or anything before it."
            )
        else:
            note = (
                f"grad({me}) is 0, so each input would get local × 0 = 0: nothing to pass back, and the engine "
                "skips this node."
            )
        rows = [[u.child, self._formula(u, step.kind), self._becomes(u)] for u in step.updates]
        return {"node": step.node, "kind": step.kind, "head": head, "note": note, "rows": rows}

    def _formula(self, u: Update, kind: str) -> str:
        lhs = f"grad({self.name(u.child)}) += {_num(u.local)} × {_num(u.upstream)}"
        if u.passed:
            return f"{lhs} = {_num(u.local * u.upstream)}"
        if kind == "blocked":
            return f"{lhs} = 0: blocked, nothing passes" if math.isfinite(u.upstream) else f"{lhs}: blocked, skipped"
        return f"{lhs} = 0: skipped"

    @staticmethod
    def _becomes(u: Update) -> str:
        return f"{_num(u.before)} → {_num(u.after)}" if u.passed else f"stays {_num(u.after)}"

    def done(self) -> str:
        start = "" if self.accumulate else " after zero_grad()"
        return f"Done: every node now shows what {self.root}.backward() gives{start}."


def backprop_page(
    root: Value,
    *,
    gradient: float = 1.0,
    accumulate: bool = False,
    rankdir: str = "LR",
    max_nodes: int = 500,
    title: str = "",
) -> Page:
    """A page that steps through `root.backward(gradient)` node by node (see the module doc).

    The graph is not changed: the steps come from `backward_steps` (with `accumulate=False`,
    the default, leaves start from 0, as after `zero_grad()`; with True, from the gradients
    they hold). `rankdir` and `max_nodes` are passed to `draw_graph`. Element ids: `prev`,
    `next` (buttons; the arrow keys, Home and End work too), `step` ("k / n"), `explain`
    (the text), `graph` (the SVG, every Value's group carrying `data-grad`).
    """
    if not isinstance(root, Value):
        raise TypeError(f"backprop_page expects a Value, got {type(root).__name__}")
    if not isinstance(title, str):
        raise TypeError(f"title must be a str, got {type(title).__name__}")
    start, steps, final = backward_steps(root, gradient, accumulate=accumulate)
    order = topological_order(root)
    fresh = backward_steps(root, gradient)[2] if accumulate else final
    svg = _inline_svg(_draw(root, order, fresh, rankdir, max_nodes))
    width, height = _svg_size(svg)
    fit = ' class="fit"' if width <= FIT_WIDTH else ""  # shrunk to the window if that keeps its text readable
    narrator = _Narrator(order, accumulate)
    records = [narrator.start(start[-1], len(steps))] + [narrator.step(s) for s in steps]
    records[-1]["note"] = f"{records[-1]['note']} {narrator.done()}"
    data = {
        "start": [[repr(g), _num(g)] for g in start],
        "sets": [[[u.child, repr(u.after), _num(u.after)] for u in s.updates if u.passed] for s in steps],
        "steps": records,
        "badges": [f"v{i}" if name != v.label else "" for i, (name, v) in enumerate(zip(narrator.names, order))],
    }
    title = title or f"Backward through {narrator.root}, step by step"
    body = (
        f'<header><h1>{_escape(title)}</h1><div class="controls">'
        '<button id="prev" type="button" title="previous step (←)">◀ Previous</button>'
        '<span id="step" aria-live="polite"></span>'
        '<button id="next" type="button" title="next step (→)">Next ▶</button>'
        '<span class="hint">keys: ← → Home End</span><span class="key">'
        '<span class="swatch current"></span>node processed <span class="swatch receiving"></span>its inputs '
        '<span class="swatch blocked"></span>blocked <span class="swatch zero"></span>gradient 0 so far</span></div>'
        '<div id="explain"></div></header>\n'
        f'<main id="graph"{fit}>{svg}</main>'
    )
    return _page(title, body, data, "backprop.js", height=min(height, 560) + 330)


def _draw(root: Value, order: list[Value], grads: list[float], rankdir: str, max_nodes: int) -> str:
    """draw_graph's SVG with `grads` (one fresh backward's) in `.grad` for the drawing only,
    then put back: draw_graph sizes each box to the gradient it shows and checks them against
    a fresh backward, so these give boxes that fit the final numbers, no staleness warning,
    and a caption that counts the zero gradients the last step shows. (A wider number met on
    the way is squeezed into its box by the page's script.)"""
    saved = [v.grad for v in order]
    try:
        for v, g in zip(order, grads):
            v.grad = g
        svg = draw_graph(root, rankdir=rankdir, max_nodes=max_nodes).svg()
        return svg.replace(" with zero gradient ·", " with zero gradient at the end ·", 1)  # mid-walk, more are grey
    finally:
        for v, g in zip(order, saved):
            v.grad = g


# --- the training film ---------------------------------------------------------------------------
def training_film(
    runs: Mapping[str, tuple[MLP, DeadNeuronHistory]], X: Sequence[Sequence[float]], *, title: str = ""
) -> Page:
    """A page with a slider over the steps the histories recorded: `draw_network(model, X)`
    with the weights of each recorded step (`row.state`), one picture per run, side by side.

    `runs` maps a name ("ReLU", "Leaky ReLU") to (model, history); every history must have
    recorded the same steps. Each model is put back to the weights it had. Element ids:
    `prev`, `next`, `play` (buttons; arrow keys too), `frame` (the slider), `step` ("k / n").
    """
    if not isinstance(runs, Mapping):
        raise TypeError(f"runs must be a dict of name -> (model, history), got {type(runs).__name__}")
    if not runs:
        raise ValueError("runs is empty: give at least one name -> (model, history)")
    for name, run in runs.items():
        if not isinstance(name, str):
            raise TypeError(f"run names must be str, got {type(name).__name__}")
        if not (isinstance(run, tuple) and len(run) == 2):
            raise TypeError(f"runs[{name!r}] must be a (model, history) tuple, got {type(run).__name__}")
        if not isinstance(run[0], MLP):
            raise TypeError(f"runs[{name!r}]: the model must be an MLP, got {type(run[0]).__name__}")
        if not isinstance(run[1], DeadNeuronHistory):
            raise TypeError(f"runs[{name!r}]: the history must be a DeadNeuronHistory, got {type(run[1]).__name__}")
    if not isinstance(title, str):
        raise TypeError(f"title must be a str, got {type(title).__name__}")
    X = _check.rows(X)  # drawn once per frame: a generator would be used up by the first
    histories = [history for _, history in runs.values()]
    steps = histories[0].steps
    if not steps:
        raise ValueError("the histories are empty: record at least one step (DeadNeuronHistory.record)")
    for name, (_, history) in runs.items():
        if history.steps != steps:
            raise ValueError(f"every history must record the same steps: {name!r} has {history.steps}, not {steps}")
    pictures = {name: _frames(model, history, X) for name, (model, history) in runs.items()}
    frames = []
    for k, step in enumerate(steps):
        figures = "".join(
            f"<figure><figcaption>{_escape(name)} · step {step}: {_counts(runs[name][1].rows[k])}</figcaption>"
            f"{pictures[name][k]}</figure>"
            for name in runs
        )
        frames.append(f'<section class="frame" data-step="{step}" hidden>{figures}</section>')
    title = title or f"Training, step by step: {' vs '.join(runs)}"
    body = (
        f'<header><h1>{_escape(title)}</h1><div class="controls">'
        '<button id="prev" type="button" title="previous frame (←)">◀</button>'
        '<button id="play" type="button">▶ Play</button>'
        '<button id="next" type="button" title="next frame (→)">▶</button>'
        f'<input id="frame" type="range" min="0" max="{len(steps) - 1}" value="0" aria-label="frame">'
        '<span id="step" aria-live="polite"></span></div></header>\n'
        f'<main id="film">{"".join(frames)}</main>'
    )
    return _page(title, body, {"steps": steps}, "film.js", height=760)


def _frames(model: MLP, history: DeadNeuronHistory, X: Sequence[Sequence[float]]) -> list[str]:
    """draw_network at each recorded step's weights; the model's own weights are restored."""
    saved = model.state_dict()
    try:
        pictures = []
        for row in history.rows:
            model.load_state_dict(row.state)
            pictures.append(_inline_svg(draw_network(model, X).svg()))
        return pictures
    finally:
        model.load_state_dict(saved)


def _counts(row: HistoryRow) -> str:
    """'0/32 hidden units dead; 11 negative everywhere, still passing a gradient' for one history row."""
    total, dead, negative = sum(row.neurons), sum(row.dead), sum(row.negative)
    extra = f"; {negative - dead} negative everywhere, still passing a gradient" if negative > dead else ""
    return f"{dead}/{total} hidden units dead{extra}"
