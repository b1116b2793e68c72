"""The renderer under stress, with both back ends: hostile labels, graphs too dense to lay out
in time, and Ctrl-C. `backend` runs a test with `dot` (when installed) and in-process."""

from __future__ import annotations

import math
import os
import shutil
import signal
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from microgradrelu import MLP, Value, draw_graph, draw_network
from microgradrelu import render as renderer
from microgradrelu.engine import topological_order

SVG = "{http://www.w3.org/2000/svg}"
HAS_DOT = shutil.which("dot") is not None
BACKENDS = [
    pytest.param("dot", marks=pytest.mark.skipif(not HAS_DOT, reason="the Graphviz dot program is not installed")),
    "in-process",
]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "in-process":  # hide dot, as on a machine without Graphviz
        real_which = shutil.which
        monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "dot" else real_which(name, *a, **k))
    return request.param


def dense(width: int, depth: int) -> Value:
    """Layers of `width` Values, each computed from every Value of the layer before: a graph
    whose edges cross so much that laying it out takes seconds to minutes."""
    layer = [Value(float(i)) for i in range(width)]
    for _ in range(depth):
        layer = [Value.sum(layer) * float(j + 1) for j in range(width)]
    return Value.sum(layer)


def texts(svg: str, name: str) -> list[str]:
    """The text lines drawn in the element titled `name` (the SVG must be well-formed XML)."""
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if g.findtext(f"{SVG}title") == name:
            return [t.text or "" for t in g.iter(f"{SVG}text")]
    raise AssertionError(f"no element titled {name!r}")


# --- labels ------------------------------------------------------------------------------------
HOSTILE_LABELS = [
    '"', 'say "hi"', "\\", "ends in a backslash \\", '\\"', '\\\\"', "<b>bold</b>", "<", ">", "<<x>>",
    "&", "&amp;", "&#60;", "&#x41;", "&lt;", "&nbsp;", "&#0;", "&#1;", "&bogus;", "a&b",
    "\\N", "\\l", "\\G", "\\E", "\\n", "\\r", "\\x01",
    "two\nlines", "carriage\rreturn", "crlf\r\nend", "tab\there", "  padded  ",
    "bell\x07", "nul\x00here", "\x01\x02\x1f", "del\x7f", "c1 \x85\x9f",
    "\ud800", "x\udc80y", "\ufffe\uffff",
    "\u200f\u202eright to left", "\u2028", "emoji 😀", "é ∂ Σ ≤",
    "x" * 3000, "{a|b}", "{", "}", "|", "[", "]", "];", "a=b", "a -> b", "--", "/* c */", "// c", "#",
    "graph", "node", "subgraph",
]  # fmt: skip


def as_drawn(label: str) -> list[str]:
    """The lines `label` should show: CR and CR LF break lines; control characters, lone
    surrogates and U+FFFE/U+FFFF appear as Python escapes. Graphviz draws no text element
    for an empty line, and keeps runs of spaces visible with no-break spaces."""
    shown = []
    for ch in label.replace("\r\n", "\n").replace("\r", "\n"):
        code = ord(ch)
        invisible = (code < 0x20 and ch not in "\n\t") or 0x7F <= code <= 0x9F
        if invisible or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
            shown.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            shown.append(ch)
    return [line for line in "".join(shown).split("\n") if line]


@pytest.mark.parametrize("label", HOSTILE_LABELS, ids=lambda label: ascii(label)[:40])
def test_any_label_renders_as_typed(backend: str, label: str) -> None:
    """The SVG is well-formed XML and each text line is the typed line (no-break spaces
    read as spaces), whatever the label holds."""
    svg = draw_graph(Value(1.5, label=label) * 2.0).svg()
    drawn = [line.replace("\xa0", " ") for line in texts(svg, "v0")[:-2]]  # the last two: data, grad
    assert drawn == [line.replace("\xa0", " ") for line in as_drawn(label)]


def test_dot_label_escapes_what_graphviz_would_interpret() -> None:
    assert renderer.dot_label("a\\lb") == "a\\\\lb"
    assert renderer.dot_label("&amp;") == "&amp;amp;"
    assert renderer.dot_label("1\r\n2\r3\n4") == "1\\n2\\n3\\n4"
    assert renderer.dot_label("\x00\x01\x7f\x85") == "\\\\x00\\\\x01\\\\x7f\\\\x85"
    assert renderer.dot_label("\ud800\uffff") == "\\\\ud800\\\\uffff"
    assert renderer.dot_label("tab\t é 😀 \u200f") == "tab\t é 😀 \u200f"


# --- timeouts ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def slow() -> Value:
    """336 Values, 5,000 edges: ~12 s in dot, longer in-process (486-node ones take minutes)."""
    return dense(30, 5)


def test_a_dense_graph_is_stopped_at_its_timeout(backend: str, slow: Value, tmp_path: Path) -> None:
    drawing = draw_graph(slow, max_edges=10_000)
    renderer.render("digraph { a -> b }", "svg")  # compiles the in-process renderer outside the timed part
    start = time.monotonic()
    with pytest.raises(renderer.RenderTimeout) as info:
        drawing.render(tmp_path / "dense.svg", timeout=1.0)
    assert time.monotonic() - start < 10.0  # stopped near 1 s, where the layout needs 12 s or more
    nodes, edges = renderer.graph_size(drawing.source)
    assert nodes >= 2 * len(topological_order(slow)) - 30  # Values and their ops (30 are leaves)
    message = str(info.value)
    assert f"({nodes} nodes, {edges} edges)" in message and "timeout=1 s" in message
    assert "draw_network(model, X)" in message and "larger timeout" in message
    assert isinstance(info.value, TimeoutError)
    assert list(tmp_path.iterdir()) == []
    assert draw_graph(Value(2.0).relu()).svg(timeout=5).startswith("<?xml")  # the renderer is usable again


def test_waiting_for_another_threads_render_counts_against_the_timeout(
    slow: Value, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The in-process renderer draws one graph at a time; a render queued behind a slow one must
    still stop at its own timeout, not wait for the other's."""
    import threading

    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "dot" else real_which(name, *a, **k))
    renderer.render("digraph { a -> b }", "svg")  # compile outside the timed part
    outcome: list[BaseException] = []

    def slow_render() -> None:
        try:
            draw_graph(slow, max_edges=10_000).svg(timeout=4.0)
        except renderer.RenderTimeout as exc:
            outcome.append(exc)

    busy = threading.Thread(target=slow_render)
    busy.start()
    time.sleep(0.5)
    start = time.monotonic()
    with pytest.raises(renderer.RenderTimeout):
        draw_graph(Value(2.0).relu()).svg(timeout=1.0)
    assert time.monotonic() - start < 2.5  # near 1 s; it used to wait for the other render (3.5 s more)
    busy.join()
    assert outcome  # the slow one was stopped at its own timeout


def test_the_default_timeout_applies_without_an_argument(slow: Value, monkeypatch: pytest.MonkeyPatch) -> None:
    """Jupyter's display calls svg() without arguments: the module default bounds it (the back
    end does not matter here: both read the timeout from render())."""
    renderer.render("digraph { a -> b }", "svg")
    monkeypatch.setattr(renderer, "TIMEOUT", 1.0)
    start = time.monotonic()
    with pytest.raises(renderer.RenderTimeout, match="timeout=1 s"):
        draw_graph(slow, max_edges=10_000)._repr_mimebundle_()
    assert time.monotonic() - start < 10.0


def test_graph_size_counts_the_nodes_and_edges_laid_out() -> None:
    """Every node the SVG draws, and every edge it draws plus the invisible ones that only shape the layout."""
    model = MLP(2, [3, 1], seed=0)
    root = Value.sum([Value(1.0, label='a -> "b"'), Value(2.0, label="node [x]")])
    for drawing in (draw_network(model, [[0.0, 1.0]]), draw_graph(root)):
        groups = [g.get("class", "").split() for g in ET.fromstring(drawing.svg()).iter(f"{SVG}g")]
        nodes, edges = sum("node" in c for c in groups), sum("edge" in c for c in groups)
        invisible = sum(" -> " in line and "invis" in line for line in drawing.source.splitlines())
        assert renderer.graph_size(drawing.source) == (nodes, edges + invisible)
    assert renderer.graph_size(draw_graph(root).source) == (3 + 1, 3)  # two Values, their sum, one op


@pytest.mark.parametrize("source", ["digraph {", "digraph { a -> }"])
def test_dot_source_graphviz_rejects_is_a_render_error(backend: str, source: str) -> None:
    with pytest.raises(renderer.RenderError):
        renderer.render(source, "svg")
    assert renderer.render("digraph { a -> b }", "svg").startswith(b"<?xml")


# --- Ctrl-C ------------------------------------------------------------------------------------
@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_ctrl_c_stops_a_render_within_two_seconds(backend: str, slow: Value) -> None:
    """SIGINT to this process (what Ctrl-C and Jupyter's interrupt send; `dot` does not get it)
    half a second into a layout that needs 12 s or more: KeyboardInterrupt within 2 s."""
    drawing = draw_graph(slow, max_edges=10_000)
    renderer.render("digraph { a -> b }", "svg")  # compiles the in-process renderer before the timed part
    rendering = threading.Event()
    sent: list[float] = []

    def interrupt() -> None:
        if not rendering.wait(10):
            return
        time.sleep(0.5)
        if rendering.is_set():  # never outside the pytest.raises block below
            sent.append(time.monotonic())
            os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        rendering.set()
        try:
            drawing.svg(timeout=60)
        finally:
            rendering.clear()
    assert sent and time.monotonic() - sent[0] < 2.0
    assert draw_graph(Value(2.0).relu()).svg(timeout=5).startswith("<?xml")  # the renderer is usable again


@pytest.mark.parametrize(
    ("timeout", "error", "fragment"),
    [
        (0, ValueError, "timeout must be a positive number of seconds"),
        (-1.0, ValueError, "got -1.0"),
        (math.nan, ValueError, "got nan"),
        ("60", TypeError, "timeout must be a number of seconds (or None for the default), got str"),
        (True, TypeError, "got bool"),
    ],
)
def test_a_bad_timeout_is_refused_before_rendering(timeout: object, error: type, fragment: str) -> None:
    with pytest.raises(error) as info:
        renderer.render("digraph { a }", "svg", timeout)  # type: ignore[arg-type]
    assert fragment in str(info.value)
