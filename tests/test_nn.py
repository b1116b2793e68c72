"""Neuron, Layer and MLP: names, shapes, initialization, reproducibility and input checks."""

from __future__ import annotations

import gc
import math
import random
import statistics
import weakref

import pytest

from microgradrelu import MLP, Layer, Module, Neuron, Value
from microgradrelu.activations import ACTIVATIONS


def weights(model: Module) -> list[float]:
    return [p.data for p in model.parameters()]


# --- parameters and their names ----------------------------------------------------------


def test_named_parameters_are_dotted_paths_in_a_fixed_order() -> None:
    mlp = MLP(3, [8, 4, 1], seed=0)
    named = mlp.named_parameters()
    names = [name for name, _ in named]
    assert len(names) == len(set(names)) == (3 + 1) * 8 + (8 + 1) * 4 + (4 + 1) * 1
    assert names[:5] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.w.2",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0",
    ]
    assert names[-1] == "layers.2.neurons.0.b"
    lookup = dict(named)
    neuron = mlp.layers[1].neurons[3]
    assert lookup["layers.1.neurons.3.w.7"] is neuron.w[7]
    assert lookup["layers.1.neurons.3.b"] is neuron.b
    assert [p for _, p in named] == mlp.parameters()
    assert all(a is b for a, b in zip(mlp.parameters(), (p for _, p in named)))


def test_micrograd_demo_network_has_337_parameters() -> None:
    assert len(MLP(2, [16, 16, 1]).parameters()) == 337


def test_layer_and_neuron_names() -> None:
    layer = Layer(2, 2, rng=random.Random(0))
    assert [n for n, _ in layer.named_parameters()] == [
        "neurons.0.w.0",
        "neurons.0.w.1",
        "neurons.0.b",
        "neurons.1.w.0",
        "neurons.1.w.1",
        "neurons.1.b",
    ]
    assert [n for n, _ in Neuron(2).named_parameters()] == ["w.0", "w.1", "b"]


def test_parameters_carry_labels() -> None:
    neuron = Neuron(4, rng=random.Random(0))
    assert [w.label for w in neuron.w] == ["w0", "w1", "w2", "w3"]
    assert neuron.b.label == "b"
    assert all(p.op == "" for p in neuron.parameters())


def test_zero_grad() -> None:
    mlp = MLP(2, [3, 1], seed=1)
    out = mlp([0.5, -1.0])
    assert isinstance(out, Value)
    (out * out + 1.0).backward()
    assert any(p.grad != 0.0 for p in mlp.parameters())
    mlp.zero_grad()
    assert all(p.grad == 0.0 for p in mlp.parameters())
    neuron = mlp.layers[0].neurons[0]
    neuron.w[0].grad = 5.0
    neuron.zero_grad()
    assert neuron.w[0].grad == 0.0


def test_module_base_has_no_parameters() -> None:
    assert Module().parameters() == []
    assert Module().named_parameters() == []


# --- the neuron's computation --------------------------------------------------------------


def set_neuron(neuron: Neuron, w: list[float], b: float) -> None:
    for wi, value in zip(neuron.w, w):
        wi.data = value
    neuron.b.data = b


@pytest.mark.parametrize(
    ("activation", "expected"),
    [
        ("relu", lambda z: max(0.0, z)),
        ("leaky_relu", lambda z: z if z > 0 else 0.2 * z),
        ("linear", lambda z: z),
        ("tanh", math.tanh),
        ("sigmoid", lambda z: 1.0 / (1.0 + math.exp(-z))),
    ],
)
@pytest.mark.parametrize("b", [0.25, -3.0], ids=["z>0", "z<0"])
def test_neuron_computes_activation_of_weighted_sum(activation: str, expected, b: float) -> None:
    neuron = Neuron(3, activation=activation, negative_slope=0.2)
    set_neuron(neuron, [0.5, -1.0, 2.0], b)
    x = [1.0, 2.0, 0.5]
    z = 0.5 * 1.0 - 1.0 * 2.0 + 2.0 * 0.5 + b
    out = neuron(x)
    assert out.data == pytest.approx(expected(z), rel=1e-15)
    out.backward()
    # d out/d w_i = act'(z) * x_i: compare with a finite difference through the activation
    h = 1e-6
    slope = (expected(z + h) - expected(z - h)) / (2 * h)
    for wi, xi in zip(neuron.w, x):
        assert wi.grad == pytest.approx(slope * xi, rel=1e-6, abs=1e-9)
    assert neuron.b.grad == pytest.approx(slope, rel=1e-6, abs=1e-9)


def test_neuron_sum_is_one_node() -> None:
    neuron = Neuron(5, activation="relu", rng=random.Random(0))
    set_neuron(neuron, [1.0] * 5, 1.0)
    out = neuron([1.0, 2.0, 3.0, 4.0, 5.0])
    assert out.op == "relu"
    (z,) = out.children
    assert z.op == "weighted_sum"
    assert z.children == (*neuron.w, neuron.b)  # plain-number inputs are edge constants
    assert z.local_grads == (1.0, 2.0, 3.0, 4.0, 5.0, 1.0)


def test_neuron_accepts_values_and_passes_them_gradient() -> None:
    neuron = Neuron(2, activation="linear")
    set_neuron(neuron, [3.0, -4.0], 0.5)
    x = [Value(1.0), 2.0]
    out = neuron(x)
    out.backward()
    assert out.data == 3.0 - 8.0 + 0.5
    assert x[0].grad == 3.0


@pytest.mark.parametrize("x", [[1.0, 2.0], [1.0, 2.0, 3.0, 4.0], []])
def test_neuron_rejects_wrong_input_length(x: list[float]) -> None:
    neuron = Neuron(3)
    with pytest.raises(ValueError, match=rf"^Neuron expects 3 inputs, got {len(x)}$"):
        neuron(x)
    with pytest.raises(ValueError, match=rf"Neuron expects 3 inputs, got {len(x)}"):
        MLP(3, [2, 1])(x)


def test_unknown_activation_lists_valid_ones() -> None:
    for build in (
        lambda: Neuron(2, activation="gelu"),
        lambda: Layer(2, 3, activation="gelu"),
        lambda: MLP(2, [4, 1], activation="gelu"),
        lambda: MLP(2, [1], activation="gelu"),  # no hidden layer uses it: still a mistake
    ):
        with pytest.raises(ValueError) as info:
            build()
        message = str(info.value)
        assert "gelu" in message
        for name in ("relu", "leaky_relu", "linear", "tanh", "sigmoid"):
            assert name in message


def test_unknown_init_lists_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"'he'.*'uniform'"):
        Neuron(2, init="xavier")
    with pytest.raises(ValueError, match="xavier"):
        MLP(2, [1], init="xavier")


def test_neuron_argument_types() -> None:
    with pytest.raises(TypeError, match="int"):
        Neuron(2, rng=42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="str"):
        Neuron(2, activation="leaky_relu", negative_slope="0.1")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="str"):
        MLP(2, [1], seed="0")  # type: ignore[arg-type]


def test_activations_constant_matches_issue() -> None:
    assert set(ACTIVATIONS) == {"relu", "leaky_relu", "prelu", "linear", "tanh", "sigmoid"}


# --- layers and MLPs -------------------------------------------------------------------------


def test_layer_always_returns_a_list() -> None:
    out = Layer(3, 1, rng=random.Random(0))([1.0, 2.0, 3.0])
    assert isinstance(out, list) and len(out) == 1 and isinstance(out[0], Value)
    assert len(Layer(3, 4)([1.0, 2.0, 3.0])) == 4


def test_mlp_with_single_neuron_hidden_layer() -> None:
    """micrograd #13: its Layer unwraps one-neuron outputs, so the next layer cannot iterate them."""
    mlp = MLP(2, [16, 1, 1], seed=0)
    out = mlp([0.5, -0.5])
    assert isinstance(out, Value)
    out.backward()


def test_mlp_output_type() -> None:
    assert isinstance(MLP(2, [3, 1], seed=0)([1.0, 2.0]), Value)
    out = MLP(2, [3, 2], seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 2 and all(isinstance(o, Value) for o in out)


def test_mlp_hidden_activation_and_linear_output() -> None:
    mlp = MLP(2, [3, 3, 2], activation="leaky_relu", negative_slope=0.05, seed=0)
    assert [n.activation for n in mlp.layers[0].neurons + mlp.layers[1].neurons] == ["leaky_relu"] * 6
    assert [n.activation for n in mlp.layers[2].neurons] == ["linear"] * 2
    assert all(n.negative_slope == 0.05 for layer in mlp.layers for n in layer.neurons)
    outs = mlp([0.3, -0.7])
    assert all(o.op == "weighted_sum" for o in outs)  # linear: Z itself
    assert all(o.op == "leaky_relu" for o in mlp.layers[0]([0.3, -0.7]))


def test_mlp_repr() -> None:
    assert repr(MLP(2, [16, 16, 1])) == "MLP(2 → 16 relu → 16 relu → 1 linear)"
    assert repr(MLP(3, [4, 2], activation="leaky_relu")) == "MLP(3 → 4 leaky_relu → 2 linear)"
    assert repr(MLP(5, [1])) == "MLP(5 → 1 linear)"


@pytest.mark.parametrize(("nin", "nouts"), [(0, [1]), (-1, [1]), (2, []), (2, [3, 0]), (2, [3, -1])], ids=repr)
def test_mlp_rejects_bad_size_values(nin: object, nouts: object) -> None:
    with pytest.raises(ValueError, match=r"positive int|non-empty"):
        MLP(nin, nouts)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("nin", "nouts"), [(2.0, [1]), (True, [1]), ("2", [1]), (2, [1.5]), (2, 3), (2, "12"), (2, [True])], ids=repr
)
def test_mlp_rejects_bad_size_types(nin: object, nouts: object) -> None:
    with pytest.raises(TypeError, match=r"must be an int|list of layer sizes"):
        MLP(nin, nouts)  # type: ignore[arg-type]


def test_neuron_and_layer_reject_bad_sizes() -> None:
    with pytest.raises(ValueError, match="nin"):
        Neuron(0)
    with pytest.raises(ValueError, match="nout"):
        Layer(2, 0)


# --- initialization and reproducibility -------------------------------------------------------


def test_same_seed_same_weights_different_seed_different() -> None:
    a, b, c = MLP(3, [8, 8, 1], seed=7), MLP(3, [8, 8, 1], seed=7), MLP(3, [8, 8, 1], seed=8)
    assert weights(a) == weights(b)
    assert weights(a) != weights(c)
    assert a([1.0, 2.0, 3.0]).data == b([1.0, 2.0, 3.0]).data


def test_unseeded_networks_differ() -> None:
    assert weights(MLP(3, [8, 1], init="uniform")) != weights(MLP(3, [8, 1], init="uniform"))


@pytest.mark.parametrize("init", ["he", "uniform"])
def test_global_random_state_is_neither_used_nor_changed(init: str) -> None:
    random.seed(1)
    first = weights(MLP(3, [8, 1], init=init, seed=5))
    random.seed(2)
    state = random.getstate()
    second = weights(MLP(3, [8, 1], init=init, seed=5))
    MLP(3, [8, 1], init=init)
    Neuron(3, init=init)
    assert first == second
    assert random.getstate() == state


@pytest.mark.parametrize("nin", [2, 8, 50])
def test_he_init_statistics(nin: int) -> None:
    """N(0, 2/nin): with 20,000 draws the sample std is within ±2% of sqrt(2/nin) (≈4 standard errors)."""
    layer = Layer(nin, 20_000 // nin, rng=random.Random(3))
    ws = [w.data for n in layer.neurons for w in n.w]
    std = math.sqrt(2.0 / nin)
    assert statistics.pstdev(ws) == pytest.approx(std, rel=0.02)
    assert abs(statistics.fmean(ws)) < 4 * std / math.sqrt(len(ws))
    assert all(n.b.data == 0.0 for n in layer.neurons)
    assert max(abs(w) for w in ws) > 3 * std  # a Gaussian has tails; a uniform of this std would not


def test_he_is_the_default_init() -> None:
    default = weights(Layer(8, 50, rng=random.Random(4)))
    he = weights(Layer(8, 50, init="he", rng=random.Random(4)))
    assert default == he


@pytest.mark.parametrize("nin", [2, 50])
def test_uniform_init_statistics(nin: int) -> None:
    """U(-1, 1) whatever the fan-in (micrograd's choice): std 1/sqrt(3), bias 0."""
    layer = Layer(nin, 20_000 // nin, init="uniform", rng=random.Random(3))
    ws = [w.data for n in layer.neurons for w in n.w]
    assert all(-1.0 <= w <= 1.0 for w in ws)
    assert min(ws) < -0.99 and max(ws) > 0.99
    assert statistics.pstdev(ws) == pytest.approx(1.0 / math.sqrt(3.0), rel=0.02)
    assert all(n.b.data == 0.0 for n in layer.neurons)


# --- graphs built by a network are freed by reference counting ---------------------------------


def test_network_graph_is_freed_without_the_cyclic_gc() -> None:
    mlp = MLP(2, [4, 4, 1], seed=0)
    gc.collect()
    gc.disable()
    try:
        out = mlp([0.5, -1.0])
        hidden = mlp.layers[0]([0.5, -1.0])[0]
        loss = (out - 1.0) ** 2 + hidden
        loss.backward()
        refs = [weakref.ref(loss), weakref.ref(out), weakref.ref(hidden)]
        del loss, out, hidden
        assert [r() for r in refs] == [None, None, None]
        assert any(p.grad != 0.0 for p in mlp.parameters())
    finally:
        gc.enable()


def test_the_collector_pause_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """MLP.__call__ pauses the process-wide cyclic collector while it builds the graph; a host
    program with threads can turn that off, per model or for the class."""
    import gc

    calls: list[str] = []
    monkeypatch.setattr(gc, "disable", lambda: calls.append("disable"))
    monkeypatch.setattr(gc, "enable", lambda: calls.append("enable"))
    monkeypatch.setattr(gc, "isenabled", lambda: True)
    model = MLP(2, [3, 1], seed=0)
    model([1.0, 2.0])
    assert calls == ["disable", "enable"]
    calls.clear()
    model.pause_collector = False
    model([1.0, 2.0])
    assert calls == []
    assert MLP(2, [3, 1]).pause_collector  # the class default is untouched


@pytest.mark.parametrize("bad", [{0: 1.0, 1: 2.0}, {1.0, 2.0}, "ab", (x for x in (1.0, 2.0))], ids=repr)
def test_a_model_refuses_inputs_in_no_order(bad: object) -> None:
    """A dict (the model would read its keys) or a set (its order is the hash's): a TypeError, as
    the diagnostics and the losses give for the same thing."""
    with pytest.raises(TypeError, match="expects a list of 2 numbers or Values"):
        MLP(2, [3, 1], seed=0)(bad)  # type: ignore[arg-type]
