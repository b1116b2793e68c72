"""to_torch / from_torch: the same network in PyTorch, and back. For every activation, in both
directions: the same outputs and the same gradient for every parameter (to 1e-12) on random
inputs, and a round trip that is bit for bit."""

from __future__ import annotations

import random
import struct
import sys
from itertools import pairwise
from types import ModuleType
from typing import Any

import pytest

from microgradrelu import MLP, Value, from_torch, to_torch
from microgradrelu.torch_bridge import torch_modules

HIDDEN = ["relu", "leaky_relu", "prelu", "tanh", "sigmoid", "linear"]
OUTPUT = [None, "sigmoid", "prelu"]


def bits(model: MLP) -> dict[str, bytes]:
    return {name: struct.pack("<d", x) for name, x in model.state_dict().items()}


def batch(nin: int, n: int, seed: int) -> list[list[float]]:
    """Random rows, and a row of zeros: with zero biases every first-layer unit sits on its kink."""
    rng = random.Random(seed)
    return [[0.0] * nin] + [[rng.gauss(0.0, 1.5) for _ in range(nin)] for _ in range(n - 1)]


def close(ours: float, theirs: float) -> bool:
    return abs(ours - theirs) <= 1e-12 * max(1.0, abs(theirs))


def our_pass(model: MLP, X: list[list[float]]) -> list[list[float]]:
    """Outputs per row, and backward of a loss that weighs every output differently."""
    outs = [model(x) for x in X]
    outs = [o if isinstance(o, list) else [o] for o in outs]
    model.zero_grad()
    Value.sum([o * (0.3 + 0.1 * j) * (1 + i) for i, row in enumerate(outs) for j, o in enumerate(row)]).backward()
    return [[o.data for o in row] for row in outs]


def torch_pass(torch: ModuleType, net: Any, X: list[list[float]]) -> list[list[float]]:
    net.zero_grad()
    out = net(torch.tensor(X, dtype=torch.float64))
    weights = torch.tensor(
        [[(0.3 + 0.1 * j) * (1 + i) for j in range(out.shape[1])] for i in range(out.shape[0])], dtype=torch.float64
    )
    (out * weights).sum().backward()
    return out.tolist()


def torch_grads(net: Any) -> dict[str, float]:
    """Our parameter names -> torch's gradient: the k-th Linear is our layer k, its PReLU slope i our neuron i's a."""
    grads: dict[str, float] = {}
    layer = -1
    for module in net:
        if type(module).__name__ == "Linear":
            layer += 1
            for i, row in enumerate(module.weight.grad.tolist()):
                grads |= {f"layers.{layer}.neurons.{i}.w.{j}": g for j, g in enumerate(row)}
                grads[f"layers.{layer}.neurons.{i}.b"] = module.bias.grad[i].item()
        elif type(module).__name__ == "PReLU":
            slopes = module.weight.grad.tolist()
            for i in range(module_outputs(net, layer)):
                # a shared slope (one parameter) gets the sum of what our per-neuron slopes get
                grads[f"layers.{layer}.neurons.{i}.a"] = slopes[i] if len(slopes) > 1 else slopes[0]
    return grads


def module_outputs(net: Any, layer: int) -> int:
    return [m for m in net if type(m).__name__ == "Linear"][layer].out_features


def assert_same(torch: ModuleType, model: MLP, net: Any, X: list[list[float]]) -> None:
    ours, theirs = our_pass(model, X), torch_pass(torch, net, X)
    for row_ours, row_theirs in zip(ours, theirs):
        assert all(close(a, b) for a, b in zip(row_ours, row_theirs)), (row_ours, row_theirs)
    expected = torch_grads(net)
    named = dict(model.named_parameters())
    assert set(named) == set(expected)
    shared = [m for m in net if type(m).__name__ == "PReLU" and m.weight.numel() == 1]
    for name, p in named.items():
        if name.endswith(".a") and shared:
            continue  # checked as a sum below
        assert close(p.grad, expected[name]), (name, p.grad, expected[name])
    layer = -1
    for module in net:
        layer += type(module).__name__ == "Linear"
        if module in shared:
            total = sum(n.a.grad for n in model.layers[layer].neurons)
            assert close(total, module.weight.grad.item()), (layer, total, module.weight.grad.item())


# --- ours -> torch ------------------------------------------------------------------------------
@pytest.mark.parametrize("output", OUTPUT)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_to_torch_computes_the_same_outputs_and_gradients(torch: ModuleType, hidden: str, output: str | None) -> None:
    model = MLP(3, [5, 4, 2], activation=hidden, negative_slope=0.07, seed=1, output_activation=output)
    for neuron in (n for layer in model.layers for n in layer.neurons if hasattr(n, "a")):
        neuron.a.data = random.Random(id(neuron) % 1000).uniform(-0.5, 0.9)  # slopes away from 0.25
    net = to_torch(model)
    assert all(p.dtype == torch.float64 for p in net.parameters())
    assert sum(p.numel() for p in net.parameters()) == len(model.parameters())
    assert_same(torch, model, net, batch(3, 6, seed=2))


def test_to_torch_per_layer_activations_make_the_expected_modules(torch: ModuleType) -> None:
    model = MLP(2, [4, 4, 4, 3], activation=["relu", "prelu", "linear"], output_activation="tanh", seed=0)
    kinds = [type(m).__name__ for m in to_torch(model)]
    assert kinds == ["Linear", "ReLU", "Linear", "PReLU", "Linear", "Linear", "Tanh"]
    assert to_torch(model)[3].num_parameters == 4  # one slope per neuron
    assert set(torch_modules()) | {"linear"} == set(HIDDEN)


# --- torch -> ours ------------------------------------------------------------------------------
def torch_net(torch: ModuleType, hidden: str, output: str | None, dtype: Any, seed: int) -> Any:
    torch.manual_seed(seed)
    nn = torch.nn
    make = {
        "relu": nn.ReLU,
        "leaky_relu": lambda: nn.LeakyReLU(0.2),
        "tanh": nn.Tanh,
        "sigmoid": nn.Sigmoid,
        "linear": nn.Identity,
    }
    modules: list[Any] = []
    sizes = [3, 6, 5, 2]
    for k, (a, b) in enumerate(pairwise(sizes)):
        modules.append(nn.Linear(a, b, dtype=dtype))
        name = hidden if k < len(sizes) - 2 else output
        if name == "prelu":
            prelu = nn.PReLU(b if k % 2 == 0 else 1, dtype=dtype)  # per neuron, then one shared slope
            with torch.no_grad():
                prelu.weight.uniform_(-0.5, 0.9)
            modules.append(prelu)
        elif name is not None:
            modules.append(make[name]())
    return nn.Sequential(*modules)


@pytest.mark.parametrize("output", OUTPUT)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_from_torch_computes_the_same_outputs_and_gradients(torch: ModuleType, hidden: str, output: str | None) -> None:
    net = torch_net(torch, hidden, output, torch.float64, seed=3)
    model = from_torch(net)
    assert model.output_activation == (output or "linear")
    assert [layer.neurons[0].activation for layer in model.layers[:-1]] == [hidden, hidden]
    assert_same(torch, model, net, batch(3, 6, seed=4))


def test_from_torch_converts_float32_weights_exactly(torch: ModuleType) -> None:
    net = torch_net(torch, "relu", "sigmoid", torch.float32, seed=5)
    model = from_torch(net)
    first = net[0].weight.detach()
    assert model.layers[0].neurons[1].w[2].data == float(first[1, 2].item())  # float32 -> float64 is exact
    assert_same(torch, model, net.to(torch.float64), batch(3, 5, seed=6))


# --- round trips --------------------------------------------------------------------------------
@pytest.mark.parametrize("hidden", [*HIDDEN, ["relu", "tanh"], ["prelu", "leaky_relu"]])
def test_round_trip_through_torch_is_bit_for_bit(torch: ModuleType, hidden: str | list[str]) -> None:
    model = MLP(2, [4, 3, 3], activation=hidden, negative_slope=0.3, seed=4, output_activation="sigmoid")
    model.parameters()[0].data = -0.0
    model.parameters()[1].data = 5e-324
    back = from_torch(to_torch(model))
    assert bits(back) == bits(model)
    assert (repr(back), back.activation, back.output_activation) == (repr(model), model.activation, "sigmoid")
    assert [n.negative_slope for layer in back.layers for n in layer.neurons if n.activation == "leaky_relu"] == [
        0.3 for layer in model.layers for n in layer.neurons if n.activation == "leaky_relu"
    ]
    again = to_torch(back)
    for p, q in zip(to_torch(model).parameters(), again.parameters()):
        assert torch.equal(p, q)


def test_the_bridge_says_how_to_install_torch_when_it_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    with pytest.raises(ImportError, match=r'pip install "microgradrelu\[torch\]"'):
        to_torch(MLP(2, [1], seed=0))
    with pytest.raises(ImportError, match="PyTorch bridge needs PyTorch"):
        from_torch(object())
