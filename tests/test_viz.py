"""The renderer: marks are read back from the SVG (xml.etree), never trusted from strings."""

from __future__ import annotations

import random
import shutil
import xml.etree.ElementTree as ET

import pytest

from microgradrelu import MLP, Layer, Value, draw_graph, draw_network, make_moons
from microgradrelu.diagnostics import activation_report
from microgradrelu.engine import topological_order
from microgradrelu.viz import Drawing

SVG = "{http://www.w3.org/2000/svg}"
HAS_DOT = shutil.which("dot") is not None


# --- reading the SVG ------------------------------------------------------------------------
def marked(svg: str, mark: str, kind: str = "node") -> set[str]:
    """Titles (DOT names) of the `kind` elements carrying class `mark`, legend excluded."""
    found = set()
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        classes = g.get("class", "").split()
        if kind in classes and mark in classes and "legend" not in classes:
            found.add(g.findtext(f"{SVG}title"))
    return found


def texts(svg: str, name: str) -> list[str]:
    """The text lines drawn in the node (or graph) whose title is `name`."""
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if g.findtext(f"{SVG}title") == name:
            return [t.text or "" for t in g.iter(f"{SVG}text")]
    raise AssertionError(f"no element titled {name!r}")


def caption(svg: str) -> str:
    """The graph's own label: the text elements that are direct children of the top group."""
    top = ET.fromstring(svg).find(f"{SVG}g")
    return "\n".join(t.text or "" for t in top.findall(f"{SVG}text"))


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
        assert texts(svg, title) == ["0"]


def test_zero_grad_marks_match_grad_equal_zero_exactly(after_backward):
    order, svg = after_backward
    expected = {f"v{i}" for i, v in enumerate(order) if v.grad == 0.0}
    assert 0 < len(expected) < len(order)
    assert any(0.0 < abs(v.grad) < 1e-200 for v in order)  # tiny is not zero
    assert marked(svg, "zero-grad") == expected
    assert f"{len(expected)} with zero gradient" in caption(svg)


def test_before_backward_nothing_is_marked_zero_grad_and_the_caption_says_so():
    root = relu_layer_graph()
    order = topological_order(root)
    svg = draw_graph(root).svg()
    assert marked(svg, "zero-grad") == set()
    assert "backward not run" in caption(svg)
    assert all(v.grad == 0.0 for v in order)  # the state the renderer must not call dead
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
    assert "1 attenuated Leaky ReLU" in caption(svg)


def test_edges_carry_local_derivatives_and_ops_name_their_constants():
    a, b = Value(3.0, label="a"), Value(4.0, label="b")
    y = (a * 2.0 + 0.5) / b - a
    y.backward()
    svg = draw_graph(y).svg()
    order = topological_order(y)
    ops = {v.op + str(len(v.children)): i for i, v in enumerate(order)}
    assert texts(svg, f"op{order.index(y)}") == ["+"]  # a Value minus a Value: no constant
    assert texts(svg, f"op{ops['**1']}") == ["** -1"]  # division is b ** -1
    doubled = next(i for i, v in enumerate(order) if v.op == "*" and v.local_grads == (2.0,))
    assert texts(svg, f"op{doubled}") == ["× 2"]
    assert texts(svg, f"v{order.index(a)}->op{doubled}") == ["2"]  # the edge's local derivative
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
    assert texts(svg, f"v{order.index(w)}->{op}") == ["-3"]  # ∂z/∂w = x
    assert texts(svg, f"v{order.index(x)}->{op}") == ["0.5"]  # ∂z/∂x = w
    assert texts(svg, f"v{order.index(w2)}->{op}") == ["1.5"]  # a plain-number input: an edge constant
    assert texts(svg, f"v{order.index(b)}->{op}") == ["1"]


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


def test_max_nodes_error_names_the_size_the_limit_and_the_way_out():
    y = Value(1.0)
    for _ in range(600):
        y = y + 1.0
    with pytest.raises(ValueError, match=r"601 Values.*max_nodes=500.*draw_network"):
        draw_graph(y)
    with pytest.raises(ValueError, match=r"601 Values.*max_nodes=600"):
        draw_graph(y, max_nodes=600)
    assert "v600" in draw_graph(y, max_nodes=601).source


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: draw_graph(1.0), TypeError),
        (lambda: draw_graph([Value(1.0)]), TypeError),
        (lambda: draw_graph(Value(1.0), rankdir="XY"), ValueError),
        (lambda: draw_graph(Value(1.0), max_nodes=0), ValueError),
        (lambda: draw_network("model", [[0.0, 0.0]]), TypeError),
        (lambda: draw_network(MLP(2, [2, 1], seed=0), [[0.0, 0.0]], max_edges=-1), ValueError),
        (lambda: draw_network(MLP(2, [2, 1], seed=0), []), ValueError),
    ],
)
def test_bad_arguments(call, error):
    with pytest.raises(error):
        call()


# --- draw_network ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def moons() -> list[list[float]]:
    return make_moons(40, seed=0)[0]


def test_network_marks_a_killed_relu_neuron_dead(moons):
    model = MLP(2, [6, 6, 1], seed=1)
    model.layers[0].neurons[2].b.data = -100.0  # z < 0 on every input
    report = activation_report(model, moons)
    svg = draw_network(model, moons).svg()
    expected = {f"L{n.layer}n{n.index}" for layer in report.layers for n in layer.neurons if n.dead}
    assert "L0n2" in expected
    assert marked(svg, "dead") == expected
    assert texts(svg, "L0n2") == ["2: ReLU", f"active on 0/{len(moons)}", "DEAD: no gradient"]
    assert f"layer 0: {report.layers[0].dead}/6 dead" in caption(svg)
    weights = [
        (f"L{li}n{ni}", w) for li, lay in enumerate(model.layers) for ni, n in enumerate(lay.neurons) for w in n.w
    ]
    assert len(marked(svg, "weight", kind="edge")) == len(weights) == 2 * 6 + 6 * 6 + 6
    assert len(marked(svg, "negative", kind="edge")) == sum(w.data < 0 for _, w in weights)


def test_network_marks_rarely_active_relu_at_risk(moons):
    model = MLP(2, [3, 1], seed=0)
    neuron = model.layers[0].neurons[0]
    neuron.w[0].data, neuron.w[1].data = 1.0, 0.0
    neuron.b.data = -sorted(x[0] for x in moons)[-2]  # z > 0 only on the input with the largest x0
    svg = draw_network(model, moons).svg()
    assert "L0n0" in marked(svg, "at-risk")
    assert texts(svg, "L0n0")[1] == f"active on 1/{len(moons)}"


def test_network_leaky_relu_negative_everywhere_still_passes_gradient(moons):
    model = MLP(2, [4, 1], activation="leaky_relu", seed=0)
    model.layers[0].neurons[3].b.data = -100.0
    svg = draw_network(model, moons).svg()
    assert marked(svg, "leaky-negative") == {"L0n3"}
    assert marked(svg, "dead") == set()
    assert "slope-sized gradients" in "\n".join(texts(svg, "L0n3"))


def test_network_max_edges():
    model = MLP(2, [16, 16, 1], seed=0)
    with pytest.raises(ValueError, match=r"304 weights.*max_edges=100"):
        draw_network(model, [[0.0, 0.0]], max_edges=100)


def test_drawing_reuses_its_svg_until_the_graph_changes():
    drawing = draw_graph(Value(2.0).relu())
    assert isinstance(drawing, Drawing)
    first = drawing.svg()
    assert drawing._repr_svg_() is first
    drawing.graph.attr(bgcolor="lightyellow")
    assert drawing.svg() != first
