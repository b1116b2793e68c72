"""The pages without a browser: `backward_steps` mirrors the engine's backward exactly, the
narration says what each step does, pages are self-contained and offline, and the film shows
each recorded step's weights. tests/test_browser.py drives the same pages in Chromium."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import microgradrelu
from microgradrelu import MLP, Value, backprop_page, hinge_loss, make_moons, training_film
from microgradrelu.diagnostics import DeadNeuronHistory
from microgradrelu.engine import topological_order
from microgradrelu.pages import Page, backward_steps


def readme_neuron(activation: str = "relu") -> tuple[Value, list[Value]]:
    """README's ten-line neuron: z = -0.4, so its ReLU blocks."""
    x1, x2, x3 = Value(1.0, "X1"), Value(-2.0, "X2"), Value(0.5, "X3")
    w1, w2, w3 = Value(0.4, "W1"), Value(0.3, "W2"), Value(-0.6, "W3")
    b = Value(0.1, "b")
    z = Value.sum([x1 * w1, x2 * w2, x3 * w3, b])
    out = z.relu() if activation == "relu" else z.leaky_relu()
    return out, [x1, x2, x3, w1, w2, w3, b]


def mlp_loss(points: int = 3, seed: int = 1) -> Value:
    model = MLP(2, [3, 1], seed=seed)
    X, y = make_moons(n=points, noise=0.1, seed=0)
    return hinge_loss([model(x) for x in X], y)


def same(a: float, b: float) -> bool:
    """Equal as the engine computes them: bit for bit, NaN equal to NaN."""
    return repr(a) == repr(b)


def engine_grads(root: Value, gradient: float = 1.0, zero_leaves: bool = True) -> list[float]:
    order = topological_order(root)
    if zero_leaves:
        for v in order:
            v.grad = 0.0
    root.backward(gradient)
    return [v.grad for v in order]


def check_mirrors_engine(root: Value, gradient: float = 1.0) -> None:
    """Final gradients equal the engine's bit for bit, with leaves zeroed (default) and with
    the leaves' own gradients (accumulate=True); and every interior node hands back exactly
    the gradient the engine leaves in it (an interior gradient is complete when processed)."""
    order = topological_order(root)
    start, steps, final = backward_steps(root, gradient)
    expected = engine_grads(root, gradient)
    assert all(map(same, final, expected)), (final, expected)
    assert same(start[-1], 0.0 + float(gradient))
    for step in steps:
        assert step.node >= 0 and order[step.node].children
        assert all(same(u.upstream, expected[step.node]) for u in step.updates)
    assert [s.node for s in steps] == [i for i in reversed(range(len(order))) if order[i].children]
    # now leaves hold gradients from the pass above: accumulate=True must add exactly as backward does
    _, steps2, final2 = backward_steps(root, gradient, accumulate=True)
    again = engine_grads(root, gradient, zero_leaves=False)
    assert all(map(same, final2, again)), (final2, again)
    assert (steps2[-1].kind == "accumulate") == any(v.grad and not v.children for v in order)


def test_readme_neuron_steps_are_the_engines() -> None:
    out, _ = readme_neuron()
    check_mirrors_engine(out)
    start, steps, _ = backward_steps(out)
    assert start == [0.0] * 11 + [1.0]
    assert [s.kind for s in steps] == ["blocked", "zero", "zero", "zero", "zero"]
    leaky, _ = readme_neuron("leaky")
    check_mirrors_engine(leaky)
    assert [s.kind for s in backward_steps(leaky)[1]] == ["pass"] * 5


def test_mlp_steps_are_the_engines() -> None:
    loss = mlp_loss(points=4)
    check_mirrors_engine(loss)
    kinds = {s.kind for s in backward_steps(loss)[1]}
    assert kinds == {"pass", "blocked", "zero"}  # this net has blocked ReLUs and nodes they cut off


# Random graphs built to reach every branch of backpropagate: blocked nodes (relu, slope-0 leaky,
# x ** 0), zero gradients skipped, zero gradients NOT skipped because a local derivative is inf or
# NaN (sqrt at 0, log at 0, 1/0), and inf/NaN seeds, which blocked nodes must not pass on.
UNARY: dict[str, Callable[[Value], Value]] = {
    "relu": Value.relu,
    "leaky0": lambda v: v.leaky_relu(0.0),
    "leaky": lambda v: v.leaky_relu(0.1),
    "pow0": lambda v: v**0,
    "sqrt": lambda v: v**0.5,
    "log": Value.log,
    "square": lambda v: v**2,
    "times0": lambda v: v * 0.0,
    "tanh": Value.tanh,
}
BINARY: dict[str, Callable[[Value, Value], Value]] = {
    "+": lambda a, b: a + b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "sum": lambda a, b: Value.sum([a, b, a]),
    "wsum": lambda a, b: Value.weighted_sum([a], [b], a),
}
special = st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.5, math.inf, -math.inf, math.nan])
numbers = st.one_of(special, st.floats(-3.0, 3.0, allow_nan=False))
program = st.lists(
    st.tuples(st.sampled_from(sorted(UNARY) + sorted(BINARY)), st.integers(0, 99), st.integers(0, 99)),
    min_size=1,
    max_size=12,
)


def build(xs: list[float], ops: list[tuple[str, int, int]]) -> Value:
    nodes = [Value(x) for x in xs]
    for op, i, j in ops:
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        nodes.append(UNARY[op](a) if op in UNARY else BINARY[op](a, b))
    return nodes[-1] if len(ops) % 3 else Value.sum(nodes[len(xs) :]).relu()


@given(st.lists(numbers, min_size=1, max_size=4), program, special)
def test_random_graphs_and_seeds_step_exactly_as_the_engine(xs: list[float], ops: list, seed: float) -> None:
    check_mirrors_engine(build(xs, ops), seed)


def test_a_lone_leaf_has_no_steps() -> None:
    v = Value(3.0, "x")
    assert backward_steps(v) == ([1.0], [], [1.0])
    v.grad = 2.0
    start, steps, final = backward_steps(v, accumulate=True)
    assert (start, final, steps[0].kind) == ([1.0], [3.0], "accumulate")


def test_nothing_in_the_graph_changes() -> None:
    out, _ = readme_neuron("leaky")
    out.backward()
    out.children[0].grad = 123.0  # a stale interior gradient
    before = [v.grad for v in topological_order(out)]
    backward_steps(out, accumulate=True)
    pages = [backprop_page(out), backprop_page(out, accumulate=True)]
    assert [v.grad for v in topological_order(out)] == before
    # the picture is drawn with one fresh backward's gradients, whatever the graph holds: nothing
    # in it is flagged as left over from another pass, and it marks zero-grad the final zeros
    dead, _ = readme_neuron()
    dead.backward()
    dead.backward()  # leaves hold two passes
    pages.append(backprop_page(dead, accumulate=True))
    for page, zeros in zip(pages, [0, 0, 11]):
        assert "WARNING" not in page.html and "stale" not in page.html
        classes = re.findall(r'class="node([^"]*)">\s*<title>v\d+</title>', page.html)
        assert len(classes) == 12 and sum("zero&#45;grad" in c or "zero-grad" in c for c in classes) == zeros


def test_bad_arguments() -> None:
    out, _ = readme_neuron()
    with pytest.raises(TypeError, match="Value"):
        backprop_page(1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="gradient"):
        backprop_page(out, gradient="1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="accumulate"):
        backprop_page(out, accumulate=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="title"):
        backprop_page(out, title=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_nodes"):
        backprop_page(out, max_nodes=5)


# --- what the page says ------------------------------------------------------------------------------


def page_data(page: Page) -> dict:
    import json

    match = re.search(r'<script type="application/json" id="mg-data">(.*?)</script>', page.html, re.DOTALL)
    assert match
    return json.loads(match.group(1))


def test_the_blocked_relu_step_says_the_gradient_stops() -> None:
    out, _ = readme_neuron()
    data = page_data(backprop_page(out))
    start, blocked, *rest = data["steps"]
    assert start["kind"] == "start" and "grad(v11) = 1" in start["note"]
    assert blocked["kind"] == "blocked"
    assert "relu's input was -0.4 ≤ 0" in blocked["note"]
    assert "0 × upstream 1 = 0" in blocked["note"] and "stops here" in blocked["note"]
    assert blocked["rows"] == [[10, "grad(v10) += 0 × 1 = 0: blocked, nothing passes", "stays 0"]]
    assert all(r["kind"] == "zero" for r in rest)
    assert "Done" in rest[-1]["note"] and "Done" not in blocked["note"]


def test_a_pass_step_shows_the_chain_rule_with_its_numbers() -> None:
    out, _ = readme_neuron("leaky")
    steps = page_data(backprop_page(out))["steps"]
    relu, total, *products = steps[1:]
    assert relu["rows"] == [[10, "grad(v10) += 0.01 × 1 = 0.01", "0 → 0.01"]]
    assert total["head"].startswith("v10 = v9 + v6 + v3 + b · data -0.4")  # written as a student would
    assert relu["head"].startswith("v11 = leaky relu(v10)")
    assert [total["node"], total["rows"][2][0]] == [10, 3]
    x2w2 = next(s for s in products if "X2" in s["head"])
    assert x2w2["head"].startswith("v6 = X2 × W2 · data -0.6")
    negated = page_data(backprop_page(-Value(2.0, "x")))["steps"][1]
    assert negated["head"].startswith("v1 = x × -1")  # the constant factor, not "×(x)"
    assert "11 with zero gradient at the end" in backprop_page(readme_neuron()[0]).html  # the caption's count
    quotient = page_data(backprop_page(Value(1.0, "a") / Value(2.0, "b")))["steps"][1]
    assert quotient["head"].startswith("v2 = a / b")
    assert x2w2["rows"] == [
        [5, "grad(X2) += 0.3 × 0.01 = 0.003", "0 → 0.003"],
        [4, "grad(W2) += -2 × 0.01 = -0.02", "0 → -0.02"],
    ]


def test_an_infinite_gradient_at_a_blocked_node_is_not_passed() -> None:
    z = Value(-1.0, "z")
    data = page_data(backprop_page(z.relu(), gradient=math.inf))
    assert "nothing, not even the inf upstream" in data["steps"][1]["note"]
    assert data["steps"][1]["rows"][0][1] == "grad(z) += 0 × inf: blocked, skipped"


def test_repeated_labels_are_told_apart_by_node_name() -> None:
    data = page_data(backprop_page(mlp_loss()))
    names = [row[1].split(")")[0] for s in data["steps"][1:] for row in s["rows"]]
    assert "grad(w0 v15" in names and "grad(w0" not in names
    assert data["badges"][15] == "v15" and data["badges"].count("") > 0


# --- one offline file --------------------------------------------------------------------------------


def test_the_page_is_one_file_that_names_no_address(tmp_path: Path) -> None:
    x = Value(2.0, "see https://example.com/</script><b>")
    page = backprop_page((x * x).relu(), title="a <title> with http://x")
    path = page.save(tmp_path / "p.html")
    text = path.read_text(encoding="utf-8")
    assert text == page.html and text.startswith("<!DOCTYPE html>")
    assert not re.search(r"\w+://", text)
    assert not re.search(r"\s(src|href|xmlns(:\w+)?)=", text, re.IGNORECASE)
    assert text.count("<svg") == 1 and text.count("</script>") == 2
    with pytest.raises(ValueError, match=r"\.html"):
        page.save(tmp_path / "p.svg")


def test_inline_display_is_an_iframe_holding_the_page() -> None:
    out, _ = readme_neuron()
    page = backprop_page(out)
    shown = page._repr_html_()
    match = re.fullmatch(r'<iframe srcdoc="([^"]*)" title="[^"]*" style="[^"]*"></iframe>', shown)
    assert match and html.unescape(match.group(1)) == page.html
    assert "://" not in shown
    assert microgradrelu.backprop_page is backprop_page


# --- the training film -------------------------------------------------------------------------------


def record_training(activation: str, steps: int = 4) -> tuple[MLP, DeadNeuronHistory, list[list[float]]]:
    X, y = make_moons(n=30, noise=0.1, seed=0)
    model = MLP(2, [8, 8, 1], activation=activation, seed=0)
    history = DeadNeuronHistory()
    for k in range(steps + 1):
        history.record(k, model, X)
        loss = hinge_loss([model(x) for x in X], y)
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 3.0 * p.grad
    return model, history, X


def test_the_film_shows_each_recorded_step() -> None:
    relu, relu_history, X = record_training("relu")
    leaky, leaky_history, _ = record_training("leaky_relu")
    weights = relu.state_dict()
    film = training_film({"ReLU": (relu, relu_history), "Leaky ReLU": (leaky, leaky_history)}, X)
    assert relu.state_dict() == weights  # put back
    frames = re.findall(r'<section class="frame" data-step="(\d+)" hidden>(.*?)</section>', film.html, re.DOTALL)
    assert [int(step) for step, _ in frames] == relu_history.steps
    assert not re.search(r"\w+://", film.html)
    for (_, frame), row in zip(frames, relu_history.rows):
        assert frame.count("<svg") == 2
        # the ReLU picture is the network with that step's weights: its title counts that step's dead units
        relu_svg = frame.split("</figure>")[0]
        assert f"layer 0: {row.dead[0]}/8 dead" in relu_svg and f"layer 1: {row.dead[1]}/8 dead" in relu_svg
        assert f"{sum(row.dead)}/16 hidden units dead" in relu_svg
    assert sum(relu_history.rows[-1].dead) > sum(relu_history.rows[0].dead)  # units died on screen


def test_the_film_takes_its_points_as_any_iterable() -> None:
    model, history, X = record_training("relu", steps=1)
    as_list = training_film({"ReLU": (model, history)}, X).html
    assert training_film({"ReLU": (model, history)}, (x for x in X)).html == as_list  # drawn once per frame


def test_film_arguments() -> None:
    model, history, X = record_training("relu", steps=1)
    other, shorter, _ = record_training("relu", steps=0)
    with pytest.raises(ValueError, match="same steps"):
        training_film({"a": (model, history), "b": (other, shorter)}, X)
    with pytest.raises(ValueError, match="empty"):
        training_film({}, X)
    with pytest.raises(ValueError, match="record at least one"):
        training_film({"a": (model, DeadNeuronHistory())}, X)
    with pytest.raises(TypeError, match="dict"):
        training_film([("a", model, history)], X)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="model must be an MLP"):
        training_film({"a": (history, model)}, X)  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="tuple"):
        training_film({"a": model}, X)  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="does not match"):
        training_film({"a": (MLP(2, [3, 1]), history)}, X)
