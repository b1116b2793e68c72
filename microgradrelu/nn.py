"""Neurons, layers and multi-layer perceptrons built from `Value`s, with PyTorch's names."""

from __future__ import annotations

import gc
import math
import numbers
import random
from collections.abc import Callable, Mapping, Sequence

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


# Randomized asymmetric initialization (Lu, Shin, Su & Karniadakis 2020): the positive
# distribution P = Beta(RAI_BETA[0], RAI_BETA[1]) and the scale of the symmetric entries,
# sigma = RAI_SIGMA / sqrt(nin).
RAI_BETA = (2.0, 1.0)
RAI_SIGMA = 0.6007


def _rai_init(nin: int, rng: random.Random) -> tuple[list[float], float]:
    """Randomized asymmetric initialization (RAI) of Lu, Shin, Su & Karniadakis, "Dying ReLU
    and Initialization: Theory and Numerical Examples", Commun. Comput. Phys. 28(5), 2020
    (arXiv:1903.06733).

    Why: with weights *and* bias drawn from distributions symmetric about 0, a deep narrow
    ReLU network is "born dead" (constant on its input domain) with probability -> 1 as the
    depth grows. RAI breaks the symmetry for every neuron: of its nin + 1 parameters
    (weights and bias, taken together as in the paper's [W, b]) one, chosen uniformly at
    random, is drawn from a distribution on positive numbers, P = Beta(2, 1); the others are
    drawn from N(0, sigma^2). So the bias is random too (He's is 0).

    Constants: P = Beta(2, 1) is the paper's choice in its numerical examples. For sigma we
    use 0.6007 / sqrt(nin): the paper designs sigma by a second-moment analysis (so activations
    neither explode nor vanish with depth); its derivation is not reproduced here, and
    0.6007 / sqrt(fan-in) with Beta(2, 1) is the value that public implementations citing the
    paper use. The born-dead demo measures the result (demos/born_dead.py).
    The constants are RAI_BETA and RAI_SIGMA in this module.
    """
    sigma = RAI_SIGMA / math.sqrt(nin)
    params = [rng.gauss(0.0, sigma) for _ in range(nin + 1)]
    params[rng.randrange(nin + 1)] = rng.betavariate(*RAI_BETA)
    return params[:nin], params[nin]


INITS: dict[str, Initializer] = {"he": _he_init, "uniform": _uniform_init, "rai": _rai_init}


def _check_size(n: object, what: str) -> int:
    """A positive whole number (numpy's int64 too, as from np.arange), returned as an int."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n <= 0:
        raise ValueError(f"{what} must be a positive int, got {n!r}")
    return int(n)


def _float_or_inf(x: numbers.Real) -> float:
    """float(x), with an int too large for a float (10**400) as inf rather than OverflowError,
    so that the caller's "must be finite" check reports it."""
    try:
        return float(x)
    except OverflowError:
        return math.inf


def _some(names: list[str], limit: int = 5) -> str:
    """The first few of a list of names, for an error message that stays readable."""
    return ", ".join(names[:limit]) + (", ..." if len(names) > limit else "")


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

    def state_dict(self) -> dict[str, float]:
        """{dotted name: value} of every parameter, as plain floats: a snapshot that later
        training does not change, and what `microgradrelu.save` writes."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, float]) -> None:
        """Set every parameter from `state` (as returned by `state_dict`).

        Everything is checked before anything is assigned (every name known, none missing,
        every value a finite real number), so after a failed load the module is unchanged.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict expects a dict of parameter name -> float, got {type(state).__name__}")
        params = dict(self.named_parameters())
        missing = [repr(name) for name in params if name not in state]
        extra = [repr(name) for name in state if name not in params]
        if missing or extra:
            problems = [f"{len(missing)} missing ({_some(missing)})"] if missing else []
            problems += [f"{len(extra)} unexpected ({_some(extra)})"] if extra else []
            raise ValueError(f"state dict does not match the parameters of {self!r}: {'; '.join(problems)}")
        values = {}
        for name in params:
            x = state[name]
            if isinstance(x, bool) or not isinstance(x, numbers.Real):
                hint = " (use .data for a Value's number)" if isinstance(x, Value) else ""
                raise TypeError(f"state dict entry {name!r} must be a real number, got {type(x).__name__}{hint}")
            values[name] = _float_or_inf(x)
            if not math.isfinite(values[name]):
                raise ValueError(f"state dict entry {name!r} must be finite, got {x!r}")
        for name, p in params.items():
            p.data = values[name]


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
        if isinstance(negative_slope, bool) or not isinstance(negative_slope, numbers.Real):
            raise TypeError(f"negative_slope must be a real number, got {type(negative_slope).__name__}")
        if not math.isfinite(_float_or_inf(negative_slope)):
            raise ValueError(f"negative_slope must be finite, got {negative_slope!r}")
        self.negative_slope = float(negative_slope)
        self.init = _check_choice(init, tuple(INITS), "init")
        if rng is None:
            rng = random.Random()
        elif not isinstance(rng, random.Random):
            raise TypeError(f"rng must be a random.Random, got {type(rng).__name__}")
        weights, bias = INITS[init](self.nin, rng)
        self.w = [Value(wi, f"w{i}") for i, wi in enumerate(weights)]
        self.b = Value(bias, "b")

    def __call__(self, x: Sequence[Value | float]) -> Value:
        try:
            n = len(x)
        except TypeError:  # a number or a generator: say what is expected, not "has no len()"
            raise TypeError(f"Neuron expects a list of {self.nin} numbers or Values, got {type(x).__name__}") from None
        if n != self.nin:
            raise ValueError(f"Neuron expects {self.nin} inputs, got {n}")
        # One node for Z = w·x + b: the value and gradients of the sum of products, fewer nodes.
        z = Value.weighted_sum(self.w, x, self.b)
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
        nin = _check_size(nin, "nin")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        nouts = [_check_size(n, "every layer size in nouts") for n in nouts]
        # Checked here too: with a single layer no neuron receives `activation`.
        _check_choice(activation, ACTIVATIONS, "activation")
        if seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
                raise TypeError(f"seed must be an int or None, got {type(seed).__name__}")
            seed = int(seed)  # random.Random rejects numpy's int64
        self.nin, self.nouts = nin, nouts
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
        # The forward pass makes no reference cycles, so the cyclic garbage collector is
        # paused while it runs ("Garbage collection" in engine.py's docstring explains why).
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            for layer in self.layers:
                x = layer(x)
        finally:
            if gc_was_enabled:
                gc.enable()
        return x[0] if len(x) == 1 else x  # type: ignore[return-value]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [
            (f"layers.{i}.{name}", p) for i, layer in enumerate(self.layers) for name, p in layer.named_parameters()
        ]

    def __repr__(self) -> str:
        parts = [str(self.nin)] + [f"{len(layer.neurons)} {layer.neurons[0].activation}" for layer in self.layers]
        return f"MLP({' → '.join(parts)})"
