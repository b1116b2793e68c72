"""Graduate to PyTorch: the same network as a `torch.nn.Sequential`, and back.

`to_torch(model)` builds Linear layers (float64, exactly our weights) with the activation
modules between them; `from_torch(sequential)` reads such a Sequential back into an `MLP`.
Both directions compute the same outputs and the same gradient for every parameter
(tests/test_torch_bridge.py checks it to 1e-12), so a student can check that a model built
here computes in PyTorch what it computed here, then keep training it there.

PyTorch is optional (`pip install "microgradrelu[torch]"`): it is imported only inside
these two functions.

| here (`activation` name)  | PyTorch module                              |
|---------------------------|---------------------------------------------|
| "relu"                    | nn.ReLU()                                   |
| "leaky_relu"              | nn.LeakyReLU(negative_slope)                |
| "prelu" (one slope/neuron)| nn.PReLU(num_parameters=out_features)       |
| "tanh", "sigmoid"         | nn.Tanh(), nn.Sigmoid()                     |
| "linear"                  | nothing (from_torch also reads nn.Identity) |

The module of each activation is its table entry's `torch` (microgradrelu/activations.py), so
an activation added there with a module crosses the bridge too.
"""

from __future__ import annotations

from typing import Any

from .activations import ACTIVATIONS
from .nn import MLP


def torch_modules() -> dict[str, str]:
    """Our activation name -> the torch.nn class name that computes it, from the activation
    table ("linear" has none)."""
    return {a.name: a.torch for a in ACTIVATIONS.values() if a.torch}


def _torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        raise ImportError(
            'the PyTorch bridge needs PyTorch: pip install "microgradrelu[torch]" (or pip install torch)'
        ) from exc
    return torch


def to_torch(model: MLP) -> Any:
    """`model` as a `torch.nn.Sequential` of float64 Linear layers holding exactly its weights,
    each followed by its activation module (none for a linear layer).

    Feed it a batch, shape (N, nin): our `model(x)` is one row of it. A PReLU layer is
    `nn.PReLU(num_parameters=out_features)`, one slope per neuron as here, which PyTorch
    applies along dimension 1. Every neuron of a layer must share the activation (and the
    Leaky ReLU slope), as a torch layer does; MLP builds them so."""
    if not isinstance(model, MLP):
        raise TypeError(f"to_torch expects an MLP, got {type(model).__name__}")
    torch = _torch()
    f64 = torch.float64
    modules = []
    for li, layer in enumerate(model.layers):
        neurons = layer.neurons
        name = _shared(li, "activation", [n.activation for n in neurons])
        linear = torch.nn.Linear(neurons[0].nin, len(neurons), dtype=f64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor([[w.data for w in n.w] for n in neurons], dtype=f64))
            linear.bias.copy_(torch.tensor([n.b.data for n in neurons], dtype=f64))
        modules.append(linear)
        if name == "leaky_relu":
            modules.append(torch.nn.LeakyReLU(_shared(li, "negative_slope", [n.negative_slope for n in neurons])))
        elif name == "prelu":
            prelu = torch.nn.PReLU(num_parameters=len(neurons), dtype=f64)
            with torch.no_grad():
                prelu.weight.copy_(torch.tensor([n.a.data for n in neurons], dtype=f64))
            modules.append(prelu)
        elif name != "linear":
            if name not in torch_modules():
                raise ValueError(f"layer {li}: activation {name!r} has no PyTorch module here")
            modules.append(getattr(torch.nn, torch_modules()[name])())
    return torch.nn.Sequential(*modules)


def _shared(li: int, what: str, values: list[Any]) -> Any:
    """The one value every neuron of layer `li` has for `what`; a layer that mixes is a ValueError."""
    if any(v != values[0] for v in values):
        raise ValueError(f"layer {li} mixes {what}s ({sorted(set(map(str, values)))}): a torch layer has one")
    return values[0]


def from_torch(sequential: Any) -> MLP:
    """An `MLP` computing what `sequential` computes, with its weights converted to float64.

    `sequential` is a `torch.nn.Sequential` of Linear layers (with bias), each followed by at
    most one of ReLU, LeakyReLU, PReLU, Tanh, Sigmoid or Identity; the last Linear's module,
    if any, becomes `output_activation`. All LeakyReLUs must share one slope (an MLP has one
    `negative_slope`). An `nn.PReLU()` with one shared slope (num_parameters=1) becomes one
    slope per neuron, each starting at the shared value: the outputs are the same, and the
    shared slope's gradient is the sum of the per-neuron ones (training then lets them differ)."""
    torch = _torch()
    if not isinstance(sequential, torch.nn.Sequential):
        raise TypeError(f"from_torch expects a torch.nn.Sequential, got {type(sequential).__name__}")
    layers: list[tuple[Any, str, Any]] = []  # (Linear, activation name, its module or None)
    from_torch_names = {cls: name for name, cls in torch_modules().items()} | {"Identity": "linear"}
    for i, module in enumerate(sequential):
        kind = type(module).__name__
        if type(module) is torch.nn.Linear:
            if module.bias is None:
                raise ValueError(f"from_torch: module {i} is a Linear without bias; every neuron here has a bias")
            if layers and module.in_features != layers[-1][0].out_features:
                raise ValueError(
                    f"from_torch: module {i} (Linear) expects {module.in_features} inputs but the layer before gives "
                    f"{layers[-1][0].out_features}"
                )
            layers.append((module, "linear", None))
        elif kind in from_torch_names and type(module) is getattr(torch.nn, kind):
            if not layers or layers[-1][2] is not None:
                raise ValueError(
                    f"from_torch: module {i} ({kind}) must follow a Linear layer (one activation per layer)"
                )
            layers[-1] = (layers[-1][0], from_torch_names[kind], module)
        else:
            supported = ", ".join(["Linear", *from_torch_names])
            raise TypeError(f"from_torch: module {i} is {kind}; supported: {supported}")
    if not layers:
        raise ValueError("from_torch: the Sequential is empty; it needs at least one Linear layer")
    names = [name for _, name, _ in layers]
    hidden = names[:-1]
    activation: str | list[str] = hidden if len(set(hidden)) > 1 else "relu"  # "relu": MLP's default
    if len(set(hidden)) == 1:
        activation = hidden[0]  # one name for all hidden layers, as one would write it
    slopes = {float(m.negative_slope) for _, name, m in layers if name == "leaky_relu"}
    if len(slopes) > 1:
        raise ValueError(f"from_torch: LeakyReLU slopes {sorted(slopes)} differ; an MLP has one negative_slope")
    model = MLP(
        layers[0][0].in_features,
        [linear.out_features for linear, _, _ in layers],
        activation=activation,
        negative_slope=slopes.pop() if slopes else 0.01,
        seed=0,
        output_activation=names[-1],
    )
    values = []  # in our parameter order: layer by layer, neuron by neuron, its w, b (and PReLU's a)
    for li, (linear, name, module) in enumerate(layers):
        weight = _float64_rows(torch, linear.weight)
        bias = _float64_rows(torch, linear.bias)
        slopes_here = _prelu_slopes(torch, li, module, linear.out_features) if name == "prelu" else None
        for ni in range(linear.out_features):
            values += [*weight[ni], bias[ni], *([slopes_here[ni]] if slopes_here is not None else [])]
    names = [name for name, _ in model.named_parameters()]
    model.seed = None  # the weights are torch's, not drawn from a seed here
    model.load_state_dict(dict(zip(names, values, strict=True)))  # checked: all finite, or nothing changes
    return model


def _float64_rows(torch: Any, tensor: Any) -> list[Any]:
    """A real tensor's numbers as Python floats (float64; float32 and float16 convert exactly)."""
    if tensor.is_complex() or not tensor.is_floating_point():
        raise ValueError(f"from_torch: weights must be real floating point, got {tensor.dtype}")
    return tensor.detach().to("cpu", torch.float64).tolist()


def _prelu_slopes(torch: Any, li: int, module: Any, n: int) -> list[float]:
    """A PReLU's slopes, one per neuron: num_parameters must be n (one each) or 1 (shared)."""
    slopes = _float64_rows(torch, module.weight)
    if len(slopes) not in (1, n):
        raise ValueError(f"from_torch: layer {li} has {n} neurons but its PReLU {len(slopes)} slopes (need {n} or 1)")
    return slopes * n if len(slopes) == 1 else slopes
