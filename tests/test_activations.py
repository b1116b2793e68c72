"""One home per concept: the activation table, one meaning of "passes no gradient", parameter
names found from sub-modules, and micrograd's names pointing to ours."""

from __future__ import annotations

import copy
import math
import pickle
import xml.etree.ElementTree as ET
from types import ModuleType

import pytest

import microgradrelu
from microgradrelu import MLP, SGD, Module, Neuron, Value, draw_graph, draw_network, load, make_xor, mse_loss, save
from microgradrelu.activations import ACTIVATIONS, Activation
from microgradrelu.diagnostics import activation_report, pre_activations
from microgradrelu.engine import backpropagate, passes_no_gradient, topological_order

SVG = "{http://www.w3.org/2000/svg}"


# --- adding an activation is the op plus one table entry --------------------------------------
def softplus(z: Value) -> Value:
    """The op: log(1 + e^z), with derivative sigmoid(z), as one node of its own."""
    s = z.sigmoid().data
    return microgradrelu.engine._node(math.log1p(math.exp(z.data)), (z,), (s,), "softplus")


SOFTPLUS = Activation(
    "softplus", "softplus", lambda z, s: softplus(z), lambda z, s: math.log1p(math.exp(z)), "passes", torch="Softplus"
)


@pytest.fixture
def with_softplus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ACTIVATIONS, "softplus", SOFTPLUS)


def test_a_new_activation_trains_is_diagnosed_and_is_drawn(with_softplus: None, tmp_path) -> None:
    X, y = make_xor(n=4, noise=0.0, seed=0)
    model = MLP(2, [8, 1], activation="softplus", seed=0)
    opt = SGD(model.parameters(), lr=0.05)
    losses = []
    for _ in range(40):
        loss = mse_loss([model(x) for x in X], y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.data)
    assert losses[-1] < 0.5 * losses[0]  # it trains

    # diagnosed: the float twin gives the graph's numbers exactly, and no unit is called dead
    outputs = [model(x).data for x in X]
    assert pre_activations(model, X)[-1][0] == outputs
    model.layers[0].neurons[0].b.data = -100.0  # negative on every input
    report = activation_report(model, X)
    first = report.layers[0].neurons[0]
    assert first.negative_everywhere and not first.dead and report.dead == 0

    # drawn: the network view names it by its label; the graph view shows its op
    svg = draw_network(model, X).svg()
    assert "softplus" in "".join(t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text"))
    assert "softplus" in draw_graph(model(X[0])).source
    assert load(save(model, tmp_path / "m.json")).state_dict() == model.state_dict()  # and saved


def test_a_new_activation_with_a_torch_module_crosses_the_bridge(with_softplus: None, torch: ModuleType) -> None:
    from microgradrelu import from_torch, to_torch

    model = MLP(2, [5, 1], activation="softplus", seed=1)
    net = to_torch(model)
    assert type(net[1]).__name__ == "Softplus"
    x = [0.3, -0.7]
    assert net(torch.tensor([x], dtype=torch.float64)).item() == pytest.approx(model(x).data, rel=1e-12)
    assert from_torch(net).layer_activation_names() == model.layer_activation_names()


@pytest.mark.parametrize(
    "call",
    [
        lambda: Neuron(2, activation="softplus"),
        lambda: MLP(2, [3, 1], activation="softplus"),
        lambda: MLP(2, [1], activation="softplus"),  # no hidden layer uses it: still checked
    ],
)
def test_an_unknown_activation_is_an_error_everywhere(call) -> None:
    with pytest.raises(ValueError, match="unknown activation 'softplus'; valid: 'relu'"):
        call()


def test_a_neuron_s_activation_is_checked_when_assigned_and_where_it_is_read(monkeypatch) -> None:
    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        model.layers[0].neurons[1].activation = "gelu"
    monkeypatch.setitem(ACTIVATIONS, "softplus", SOFTPLUS)
    model.layers[0].neurons[1].activation = "softplus"
    monkeypatch.delitem(ACTIVATIONS, "softplus")  # a table entry gone: diagnostics and drawing say so
    for f in (activation_report, draw_network):
        with pytest.raises(ValueError, match="unknown activation 'softplus'"):
            f(model, [[0.0, 1.0]])


def test_the_table_s_float_twins_match_the_value_ops_bit_for_bit() -> None:
    points = [-3.0, -1e-300, -0.0, 0.0, 1e-300, 0.5, 40.0, math.inf, -math.inf, math.nan]
    for entry in ACTIVATIONS.values():
        for slope in (0.01, 0.0, 0.3):
            for z in points:
                graph = entry.apply(Value(z), slope).data
                twin = entry.apply_float(z, slope)
                assert (math.isnan(graph) and math.isnan(twin)) or graph == twin, (entry.name, slope, z)


def test_an_entry_s_op_makes_the_node_its_apply_makes() -> None:
    """A layer maps `op` over its Zs instead of calling `apply` per neuron: same node either way."""
    with_op = [entry for entry in ACTIVATIONS.values() if entry.op is not None]
    assert {entry.name for entry in with_op} == {"relu", "tanh", "sigmoid"}
    for entry in with_op:
        for z in [-3.0, -0.0, 0.0, 0.5, 40.0, math.inf, -math.inf, math.nan]:
            x = Value(z)
            a, b = entry.op(x), entry.apply(x, 0.01)
            assert (a.op, repr(a.data), repr(a.local_grads), a.children) == (
                b.op,
                repr(b.data),
                repr(b.local_grads),
                b.children,
            )
            assert passes_no_gradient(a) == passes_no_gradient(b), (entry.name, z)


def test_can_die_is_relu_and_leaky_relu_with_slope_zero() -> None:
    dies = {name for name, a in ACTIVATIONS.items() if a.can_die(0.01)}
    assert dies == {"relu"}
    assert ACTIVATIONS["leaky_relu"].can_die(0.0)
    with pytest.raises(ValueError, match="below_zero"):
        Activation("x", "x", lambda z, s: z, lambda z, s: z, "sometimes")


# --- one meaning of "passes no gradient": the engine's skip and the drawing's mark ------------
def op_kinds() -> dict[str, Value]:
    """One node of every op kind, on both sides of every kink."""
    a, b = Value(-2.0), Value(3.0)
    return {
        "+": a + b,
        "+ const": a + 1.0,
        "*": a * b,
        "* 0": a * 0.0,
        "/": a / b,
        "** 2": a**2,
        "** 0": a**0,
        "** 2 at 0": Value(0.0) ** 2,
        "relu +": b.relu(),
        "relu -": a.relu(),
        "relu 0": Value(0.0).relu(),
        "leaky +": b.leaky_relu(),
        "leaky -": a.leaky_relu(),
        "leaky slope 0, -": a.leaky_relu(0.0),
        "leaky slope 0, +": b.leaky_relu(0.0),
        "prelu, slope a Value 0, -": a.prelu(Value(0.0)),
        "prelu, constant slope 0, -": a.prelu(0.0),
        "prelu, constant slope 0.2, -": a.prelu(0.2),
        "tanh": a.tanh(),
        "sigmoid": a.sigmoid(),
        "exp": a.exp(),
        "log": b.log(),
        "sum": Value.sum([a, b, 1.0]),
        "weighted_sum": Value.weighted_sum([a], [b], 1.0),
    }


BLOCKED_KINDS = {"** 0", "relu -", "relu 0", "leaky slope 0, -", "prelu, constant slope 0, -"}


@pytest.mark.parametrize("kind", sorted(op_kinds()))
def test_engine_and_drawing_agree_on_which_nodes_pass_no_gradient(kind: str) -> None:
    node = op_kinds()[kind]
    assert passes_no_gradient(node) == (kind in BLOCKED_KINDS)
    # the engine: an infinite gradient arriving at the node reaches its children only if it passes
    backpropagate(topological_order(node), math.inf)
    reached = any(c.grad != 0.0 for c in node.children)
    assert reached != passes_no_gradient(node), kind
    # the drawing: the op node is marked blocked exactly then
    svg = ET.fromstring(draw_graph(node).svg())
    blocked = [g for g in svg.iter(f"{SVG}g") if "blocked" in g.get("class", "").split()]
    blocked = [g for g in blocked if "legend" not in g.get("class", "")]
    assert bool(blocked) == passes_no_gradient(node), kind


# --- parameter names come from the sub-modules -------------------------------------------------
def test_named_parameters_are_found_in_sub_modules_and_lists() -> None:
    class Pair(Module):
        def __init__(self) -> None:
            self.size = 2  # not a parameter
            self.scale = Value(1.0)
            self.blocks = [Neuron(2, rng=None), Neuron(2)]
            self.extra = (Value(0.5),)

    names = [name for name, _ in Pair().named_parameters()]
    assert names == ["scale", "blocks.0.w.0", "blocks.0.w.1", "blocks.0.b", "blocks.1.w.0", "blocks.1.w.1",
                     "blocks.1.b", "extra.0"]  # fmt: skip
    mlp = MLP(2, [3, 1], seed=0)
    assert [n for n, _ in mlp.named_parameters()][:4] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0",
    ]
    svg = draw_network(mlp, [[0.0, 1.0]]).source
    assert "layers.1.neurons.0.w.2 = " in svg  # the drawing takes its names from there


# --- micrograd's names ------------------------------------------------------------------------
def test_micrograd_names_point_to_ours() -> None:
    v = Value(1.0) * 2.0
    for old, new in (("_prev", "children"), ("_op", "op"), ("_backward", "local_grads")):
        with pytest.raises(AttributeError, match=f"micrograd's {old} is {new}"):
            getattr(v, old)
    with pytest.raises(AttributeError, match=r"no attribute 'nonsense'$"):
        v.nonsense  # noqa: B018
    with pytest.raises(ImportError, match="micrograd's draw_dot is draw_graph here"):
        from microgradrelu import draw_dot  # noqa: F401
    with pytest.raises(TypeError, match="activation='linear' \\(nonlin=False\\)"):
        Neuron(2, nonlin=False)
    with pytest.raises(AttributeError):
        microgradrelu.nonsense  # noqa: B018


@pytest.mark.parametrize("kind", sorted(op_kinds()))
def test_a_pickled_node_still_passes_no_gradient_exactly_when_it_did(kind: str) -> None:
    node = op_kinds()[kind]
    assert passes_no_gradient(pickle.loads(pickle.dumps(node))) == passes_no_gradient(node)
    assert passes_no_gradient(copy.deepcopy(node)) == passes_no_gradient(node)


def test_a_new_blocking_op_keeps_its_mark_through_pickle_without_being_listed_anywhere() -> None:
    """The marker itself survives copies (it pickles as the engine's name), so an op someone adds
    needs no entry in a list of blocking ops for its copies to stay blocked."""
    from microgradrelu.engine import _BLOCKED, _ONE, _node

    def relu6(z: Value) -> Value:
        x = z.data
        return _node(min(max(x, 0.0), 6.0), (z,), _ONE if 0.0 < x < 6.0 else _BLOCKED, "relu6")

    for x0, blocked in ((-1.0, True), (7.0, True), (3.0, False)):
        node = relu6(Value(x0))
        for clone in (pickle.loads(pickle.dumps(node)), copy.deepcopy(node), copy.copy(node)):
            assert passes_no_gradient(clone) is blocked
            assert clone.local_grads == node.local_grads


def test_values_and_models_copy_and_pickle() -> None:
    v = Value(2.0, "a") * 3.0
    for clone in (copy.copy(v), copy.deepcopy(v), pickle.loads(pickle.dumps(v))):
        assert (clone.data, clone.op, clone.local_grads) == (6.0, "*", (2.0 * 0 + 3.0,))
    model = MLP(2, [3, 1], seed=1)
    assert copy.deepcopy(model).state_dict() == model.state_dict()
