"""PReLU (a Leaky ReLU whose slope learns), log1p, and per-layer activations with an output
activation: the ops against finite differences and PyTorch, and the models through training,
saving, diagnostics and drawing."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

import microgradrelu
from microgradrelu import MLP, SGD, Neuron, Value, cross_entropy_loss, draw_graph, draw_network, make_spiral
from microgradrelu.activations import ACTIVATIONS
from microgradrelu.diagnostics import activation_report, gradient_reach, pre_activations
from microgradrelu.engine import backpropagate, central_difference, passes_no_gradient, topological_order
from microgradrelu.viz import neuron_mark

SVG = "{http://www.w3.org/2000/svg}"


def classes_of(svg: str, title: str) -> list[str]:
    """The class list of the SVG element whose <title> is `title` (a DOT node name)."""
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if g.findtext(f"{SVG}title") == title:
            return g.get("class", "").split()
    raise AssertionError(f"no element titled {title!r}")


def train(model: MLP, X: list[list[float]], y: list[int], lr: float, steps: int) -> list[float]:
    """Full-batch SGD on the cross-entropy; the loss before each step."""
    opt = SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        loss = cross_entropy_loss([model(x) for x in X], y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.data)
    return losses


# --- the PReLU op ---------------------------------------------------------------------------
@pytest.mark.parametrize("x", [-3.0, -0.7, 0.4, 2.5])
@pytest.mark.parametrize("a", [0.25, 0.0, -0.5, 1.7])
def test_prelu_gradients_equal_central_differences_for_x_and_the_slope(x: float, a: float) -> None:
    xv, av = Value(x), Value(a)
    out = xv.prelu(av)
    out.backward()
    assert out.data == (x if x > 0 else a * x)
    assert xv.grad == pytest.approx(central_difference(lambda t: Value(t).prelu(Value(a)).data, x), abs=1e-8)
    assert av.grad == pytest.approx(central_difference(lambda t: Value(x).prelu(Value(t)).data, a), abs=1e-8)
    assert (xv.grad, av.grad) == ((1.0, 0.0) if x > 0 else (a, x))


def test_prelu_with_slope_zero_is_not_blocked_its_slope_still_learns() -> None:
    x, a = Value(-2.0), Value(0.0)
    out = x.prelu(a)
    assert not passes_no_gradient(out)
    out.backward()
    assert (x.grad, a.grad) == (0.0, -2.0)  # no gradient to x this time, but the slope moves
    leaky = Value(-2.0).leaky_relu(0.0)
    assert passes_no_gradient(leaky)  # a fixed slope 0 is ReLU


def test_prelu_with_a_number_slope_is_a_constant_and_equals_leaky_relu() -> None:
    for x in (-2.0, -0.0, 0.0, 3.0):
        v, w = Value(x), Value(x)
        p, q = v.prelu(0.3), w.leaky_relu(0.3)
        p.backward()
        q.backward()
        assert (p.data, v.grad, len(p.children)) == (q.data, w.grad, 1)


PRELU_POINTS = [-3.0, -1e-300, -0.0, 0.0, 1e-300, 0.5, 40.0, math.inf, -math.inf, math.nan]


@pytest.mark.parametrize("a", [0.25, 0.0, -0.5])
@pytest.mark.parametrize("x", PRELU_POINTS)
@pytest.mark.parametrize("seed", [1.0, -2.5, math.inf])
def test_prelu_value_and_gradients_equal_torch_even_at_zero_and_for_inf(
    torch: ModuleType, x: float, a: float, seed: float
) -> None:
    """Bit for bit (NaN as NaN), at the kink (∂/∂x = a, ∂/∂a = 0 at x = 0, as PyTorch) and when
    an infinite gradient arrives (PyTorch passes 0 to the slope for x > 0: a is no input there)."""
    xv, av = Value(x), Value(a)
    out = xv.prelu(av)
    backpropagate(topological_order(out), seed)
    f64 = torch.float64
    xt = torch.tensor([x], dtype=f64, requires_grad=True)
    at = torch.tensor([a], dtype=f64, requires_grad=True)
    yt = torch.nn.functional.prelu(xt, at)
    yt.backward(torch.tensor([seed], dtype=f64))
    for ours, theirs in ((out.data, yt.item()), (xv.grad, xt.grad.item()), (av.grad, at.grad.item())):
        assert (math.isnan(ours) and math.isnan(theirs)) or ours == theirs, (ours, theirs)


# --- log1p ----------------------------------------------------------------------------------
@pytest.mark.parametrize("x", [-0.9, -1e-18, 0.0, 1e-18, 0.5, 40.0])
def test_log1p_gradient_equals_central_differences_and_is_exact_for_tiny_x(x: float) -> None:
    v = Value(x)
    out = v.log1p()
    out.backward()
    assert out.data == math.log1p(x)
    h = min(1e-6, abs(x) / 10) if x else 1e-6
    assert v.grad == pytest.approx(central_difference(lambda t: Value(t).log1p().data, x, h), rel=1e-6)
    assert Value(4.248354255291589e-18).log1p().data == 4.248354255291589e-18  # log(1 + x) would give 0


@pytest.mark.parametrize("x", [-1.0, -2.0, -math.inf, math.inf, math.nan, -0.0, 1e-300, 1e308])
def test_log1p_edge_cases_equal_torch(torch: ModuleType, x: float) -> None:
    v = Value(x)
    out = v.log1p()
    out.backward()
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    yt = torch.log1p(xt)
    yt.backward()
    for ours, theirs in ((out.data, yt.item()), (v.grad, xt.grad.item())):
        assert (math.isnan(ours) and math.isnan(theirs)) or ours == theirs, (x, ours, theirs)


# --- PReLU neurons: one slope per neuron, a parameter --------------------------------------------
def test_a_prelu_neuron_owns_one_slope_parameter_initialised_at_a_quarter() -> None:
    model = MLP(2, [3, 1], activation="prelu", seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names[:4] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b",
                         "layers.0.neurons.0.a"]  # fmt: skip
    slopes = [n.a for n in model.layers[0].neurons]
    assert [a.data for a in slopes] == [0.25] * 3 and len({id(a) for a in slopes}) == 3
    assert not hasattr(model.layers[1].neurons[0], "a")  # the linear output layer has none
    assert len(model.parameters()) == 3 * 3 + 3 + 4


def test_assigning_an_activation_adds_or_removes_the_slope_parameter() -> None:
    n = Neuron(2, activation="relu")
    assert len(n.parameters()) == 3 and n.slope == 0.01
    n.activation = "prelu"
    assert [name for name, _ in n.named_parameters()] == ["w.0", "w.1", "b", "a"] and n.slope is n.a
    n.a.data = 0.7
    n.activation = "prelu"  # assigning it again keeps the learned slope
    assert n.a.data == 0.7
    n.activation = "leaky_relu"
    assert len(n.parameters()) == 3 and not hasattr(n, "a")


def test_sgd_trains_the_slopes_and_the_graph_sees_the_new_values() -> None:
    X, y = make_spiral(10, seed=0)
    model = MLP(2, [8, 3], activation="prelu", seed=1)
    losses = train(model, X, y, lr=0.5, steps=15)
    slopes = [n.a.data for n in model.layers[0].neurons]
    assert losses[-1] < losses[0]
    assert all(a != 0.25 for a in slopes) and len(set(slopes)) == len(slopes)  # each neuron its own
    # the float twin (diagnostics) uses the learned slope, bit for bit as the graph does
    zs = pre_activations(model, X)
    assert [v.data for v in model(X[0])] == [z[0] for z in zs[-1]]


# --- diagnostics and drawings tell the truth about PReLU units -------------------------------------
def negative_everywhere_prelu(slope: float) -> tuple[MLP, list[list[float]]]:
    model = MLP(2, [2, 1], activation="prelu", seed=0)
    unit = model.layers[0].neurons[0]
    unit.b.data = -50.0  # z < 0 on every input
    unit.a.data = slope
    return model, [[0.5, -1.0], [1.0, 2.0], [-0.3, 0.2]]


@pytest.mark.parametrize("slope", [0.25, 0.0])
def test_a_prelu_unit_negative_everywhere_is_not_dead_even_with_slope_zero(slope: float) -> None:
    model, X = negative_everywhere_prelu(slope)
    activity = activation_report(model, X).layers[0].neurons[0]
    assert activity.negative_everywhere and not activity.dead and not activity.can_die
    assert neuron_mark(activity) == "leaky-negative"
    # the engine agrees: some parameter of the unit gets a gradient on every input
    assert gradient_reach(model, X)[0][0] == len(X)
    unit = model.layers[0].neurons[0]
    model.zero_grad()
    model(X[0]).backward()
    assert unit.a.grad != 0.0 and (unit.b.grad != 0.0) == (slope != 0.0)
    svg = draw_network(model, X).svg()
    assert "leaky-negative" in classes_of(svg, "L0n0")
    assert "PReLU" in "".join(t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text"))


def test_can_die_is_false_for_a_learned_slope_at_zero() -> None:
    assert not ACTIVATIONS["prelu"].can_die(0.0) and not ACTIVATIONS["prelu"].can_die(0.25)
    assert ACTIVATIONS["leaky_relu"].can_die(0.0)


def test_the_graph_drawing_marks_a_prelu_on_its_negative_side_attenuated_with_the_slope_edge() -> None:
    x, a = Value(-2.0, "x"), Value(0.25, "a")
    out = x.prelu(a)
    out.backward()
    drawing = draw_graph(out)
    svg = drawing.svg()
    ops = [g for g in ET.fromstring(svg).iter(f"{SVG}g") if "attenuated" in g.get("class", "").split()]
    ops = [g for g in ops if "node" in g.get("class", "").split() and "legend" not in g.get("class", "")]
    assert len(ops) == 1
    assert 'label="prelu ×0.25"' in drawing.source
    assert 'v0 -> op2 [label="∂ -2"]' in drawing.source  # the slope's edge carries x, and is not attenuated
    positive = Value(1.5).prelu(Value(0.25))
    assert "class=attenuated" not in draw_graph(positive).source.split("cluster_legend")[0]


# --- per-layer activations and an output activation ----------------------------------------------
def test_per_layer_activations_and_output_activation() -> None:
    model = MLP(2, [16, 16, 3], activation=["relu", "tanh"], output_activation=None, seed=0)
    assert [layer.neurons[0].activation for layer in model.layers] == ["relu", "tanh", "linear"]
    assert model.activation == ["relu", "tanh"] and model.output_activation == "linear"
    assert repr(model) == "MLP(2 → 16 relu → 16 tanh → 3 linear)"
    probs = MLP(2, [4, 2], activation="leaky_relu", output_activation="sigmoid", seed=0)
    assert probs.activation == "leaky_relu"  # one name still means every hidden layer
    assert all(0.0 < v.data < 1.0 for v in probs([3.0, -1.0]))


def test_existing_calls_build_the_same_model_as_before() -> None:
    """MLP(nin, nouts, activation, negative_slope, init, seed) positionally: same weights, linear output."""
    old_style = MLP(3, [5, 4, 2], "leaky_relu", 0.2, "uniform", 7)
    new_style = MLP(3, [5, 4, 2], ["leaky_relu", "leaky_relu"], 0.2, "uniform", 7, None)
    assert old_style.state_dict() == new_style.state_dict()
    assert [layer.neurons[0].activation for layer in old_style.layers] == ["leaky_relu", "leaky_relu", "linear"]


def test_per_layer_model_trains_saves_diagnoses_and_draws(tmp_path: Path) -> None:
    X, y = make_spiral(12, seed=0)
    model = MLP(2, [6, 5, 3], activation=["relu", "prelu"], seed=2)
    train(model, X, y, lr=0.3, steps=5)
    loaded = microgradrelu.load(microgradrelu.save(model, tmp_path / "m.json"))
    assert repr(loaded) == repr(model) and loaded.state_dict() == model.state_dict()
    assert loaded.activation == ["relu", "prelu"]
    assert [v.data for v in loaded(X[3])] == [v.data for v in model(X[3])]
    report = activation_report(model, X)
    assert [n.activation for n in report.layers[1].neurons] == ["prelu"] * 5
    assert [n.can_die for n in report.layers[0].neurons] == [True] * 6
    svg = draw_network(model, X).svg()
    words = "".join(t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text"))
    assert "ReLU" in words and "PReLU" in words


# --- the file format: version 2, and version 1 still loads ------------------------------------------
def test_the_file_records_per_layer_activations_and_the_output_activation(tmp_path: Path) -> None:
    model = MLP(2, [3, 3, 2], activation=["tanh", "prelu"], output_activation="sigmoid", seed=0)
    doc = json.loads(microgradrelu.save(model, tmp_path / "m.json").read_text())
    assert doc["version"] == 2
    assert doc["architecture"]["activation"] == ["tanh", "prelu"]
    assert doc["architecture"]["output_activation"] == "sigmoid"
    assert doc["parameters"]["layers.1.neurons.2.a"] == 0.25
    loaded = microgradrelu.load(tmp_path / "m.json")
    assert loaded.output_activation == "sigmoid" and loaded.state_dict() == model.state_dict()


def test_a_version_1_file_still_loads(tmp_path: Path) -> None:
    model = MLP(2, [2, 1], activation="leaky_relu", negative_slope=0.1, seed=0)
    v1 = {
        "format": "microgradrelu.mlp",
        "version": 1,
        "architecture": {"nin": 2, "nouts": [2, 1], "activation": "leaky_relu", "negative_slope": 0.1, "init": "he"},
        "parameters": model.state_dict(),
    }
    (tmp_path / "old.json").write_text(json.dumps(v1))
    loaded = microgradrelu.load(tmp_path / "old.json")
    assert loaded.state_dict() == model.state_dict() and loaded.output_activation == "linear"
    v1["architecture"]["output_activation"] = "linear"  # a version-2 key in a version-1 file
    (tmp_path / "odd.json").write_text(json.dumps(v1))
    with pytest.raises(ValueError, match=r"architecture: unknown \['output_activation'\]"):
        microgradrelu.load(tmp_path / "odd.json")


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda a, p: p.pop("layers.0.neurons.1.a"), "2 -> [2, 1] has 11 parameters, the file lists 10"),
        (lambda a, p: a.update(activation=["prelu", "relu"]), "activation has 2 names but the model has 1 hidden"),
        (lambda a, p: a.update(output_activation="softmax"), "unknown output_activation 'softmax'"),
        (lambda a, p: a.update(activation=7), "activation must be a name or a list of names"),
        (lambda a, p: a.update(activation="relu"), "has 9 parameters, the file lists 11"),
    ],
)
def test_a_wrong_architecture_is_a_value_error(tmp_path: Path, change: object, fragment: str) -> None:
    path = microgradrelu.save(MLP(2, [2, 1], activation="prelu", seed=0), tmp_path / "m.json")
    doc = json.loads(path.read_text())
    change(doc["architecture"], doc["parameters"])  # type: ignore[operator]
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=r"m\.json is not a valid model file") as info:
        microgradrelu.load(path)
    assert fragment in str(info.value)
