"""Neurons, layers and multi-layer perceptrons built from `Value`s, with PyTorch's names."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence

from .engine import Value

ACTIVATIONS = ("relu", "leaky_relu", "linear", "tanh", "sigmoid")

# An initializer draws (weights, bias) for one neuron with `nin` inputs.
Initializer = Callable[[int, random.Random], tuple[list[float], float]]


def _he_init(nin: int, rng: random.Random) -> tuple[list[float], float]:
    """He et al. 2015: N(0, 2/nin) keeps the variance of ReLU activations constant with depth."""
    std = math.sqrt(2.0 / nin)
    return [rng.gauss(0.0, std) for _ in range(nin)], 0.0


def _uniform_init(nin: int, rng: random.Random) -> tuple[list[float], float]:
    """micrograd's choice: U(-1, 1) whatever the fan-in, bias 0."""
    return [rng.uniform(-1.0, 1.0) for _ in range(nin)], 0.0


INITS: dict[str, Initializer] = {"he": _he_init, "uniform": _uniform_init}


def _check_size(n: object, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        raise ValueError(f"{what} must be a positive int, got {n!r}")
    return n


def _check_choice(name: object, valid: Sequence[str], what: str) -> str:
    if name not in valid:
        raise ValueError(f"unknown {what} {name!r}; valid: {', '.join(map(repr, valid))}")
    return name  # type: ignore[return-value]


class Module:
    """Anything with parameters. Subclasses list theirs in `named_parameters`."""

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(dotted name, parameter) pairs in a fixed order; a module without parameters has none."""
        return []

    def parameters(self) -> list[Value]:
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset parameter gradients: backward accumulates into leaves, like PyTorch."""
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """Z = X1·W1 + ... + Xn·Wn + b, passed through an activation."""

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        negative_slope: float = 0.01,
        init: str = "he",
        rng: random.Random | None = None,
    ) -> None:
        self.nin = _check_size(nin, "nin")
        self.activation = _check_choice(activation, ACTIVATIONS, "activation")
        if isinstance(negative_slope, bool) or not isinstance(negative_slope, (int, float)):
            raise TypeError(f"negative_slope must be a real number, got {type(negative_slope).__name__}")
        self.negative_slope = float(negative_slope)
        self.init = _check_choice(init, tuple(INITS), "init")
        if rng is None:
            rng = random.Random()
        elif not isinstance(rng, random.Random):
            raise TypeError(f"rng must be a random.Random, got {type(rng).__name__}")
        weights, bias = INITS[init](nin, rng)
        self.w = [Value(wi, f"w{i}") for i, wi in enumerate(weights)]
        self.b = Value(bias, "b")

    def __call__(self, x: Sequence[Value | float]) -> Value:
        if len(x) != self.nin:
            raise ValueError(f"Neuron expects {self.nin} inputs, got {len(x)}")
        z = Value.sum([wi * xi for wi, xi in zip(self.w, x)] + [self.b])
        act = self.activation
        if act == "relu":
            return z.relu()
        if act == "leaky_relu":
            return z.leaky_relu(self.negative_slope)
        if act == "linear":
            return z
        return z.tanh() if act == "tanh" else z.sigmoid()

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"w.{i}", wi) for i, wi in enumerate(self.w)] + [("b", self.b)]

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, {self.activation})"


class Layer(Module):
    """`nout` neurons reading the same inputs. Calling it always returns a list."""

    def __init__(self, nin: int, nout: int, **neuron_kwargs: object) -> None:
        _check_size(nout, "nout")
        self.neurons = [Neuron(nin, **neuron_kwargs) for _ in range(nout)]  # type: ignore[arg-type]

    def __call__(self, x: Sequence[Value | float]) -> list[Value]:
        return [n(x) for n in self.neurons]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"neurons.{i}.{name}", p) for i, n in enumerate(self.neurons) for name, p in n.named_parameters()]

    def __repr__(self) -> str:
        return f"Layer({self.neurons[0].nin} → {len(self.neurons)} {self.neurons[0].activation})"


class MLP(Module):
    """Fully connected layers: hidden ones use `activation`, the last one is linear."""

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        negative_slope: float = 0.01,
        init: str = "he",
        seed: int | None = None,
    ) -> None:
        _check_size(nin, "nin")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        for n in nouts:
            _check_size(n, "every layer size in nouts")
        # Checked here too: with a single layer no neuron receives `activation`.
        _check_choice(activation, ACTIVATIONS, "activation")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TypeError(f"seed must be an int or None, got {type(seed).__name__}")
        self.nin, self.nouts = nin, list(nouts)
        self.activation, self.negative_slope, self.init, self.seed = activation, negative_slope, init, seed
        rng = random.Random(seed)
        sizes = [nin, *nouts]
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                activation=activation if i < len(nouts) - 1 else "linear",
                negative_slope=negative_slope,
                init=init,
                rng=rng,
            )
            for i in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
        return x[0] if len(x) == 1 else x  # type: ignore[return-value]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [
            (f"layers.{i}.{name}", p) for i, layer in enumerate(self.layers) for name, p in layer.named_parameters()
        ]

    def __repr__(self) -> str:
        parts = [str(self.nin)] + [f"{len(layer.neurons)} {layer.neurons[0].activation}" for layer in self.layers]
        return f"MLP({' → '.join(parts)})"
