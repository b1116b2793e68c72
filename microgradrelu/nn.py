"""Neurons, layers and multi-layer perceptrons built from `Value`s, with PyTorch's names."""

from __future__ import annotations

import gc
import math
import random
from collections.abc import Callable, Mapping, Sequence

from . import _check
from .activations import activation as activation_entry
from .engine import Value, _weighted_sums

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


def _some(names: list[str], limit: int = 5) -> str:
    """The first few of a list of names, for an error message that stays readable."""
    return ", ".join(names[:limit]) + (", ..." if len(names) > limit else "")


def _named(prefix: str, x: object) -> list[tuple[str, Value]]:
    """The parameters an attribute holds, by dotted name: a Value is one, a Module has its
    own, a list or tuple numbers its items; anything else (sizes, names) holds none."""
    if isinstance(x, Value):
        return [(prefix, x)]
    if isinstance(x, Module):
        return [(f"{prefix}.{name}", p) for name, p in x.named_parameters()]
    if isinstance(x, (list, tuple)):
        return [pair for i, item in enumerate(x) for pair in _named(f"{prefix}.{i}", item)]
    return []


def _check_inputs(x: object, nin: int) -> None:
    """A neuron's input must be a list (or tuple, array) of `nin` numbers or Values; not a dict or
    set, whose order is not the inputs'."""
    try:
        n = len(x) if _check.ordered(x) else -1  # type: ignore[arg-type]
    except TypeError:  # a generator: say what is expected, not "has no len()"
        n = -1
    if n < 0:
        raise TypeError(f"Neuron expects a list of {nin} numbers or Values, got {type(x).__name__}")
    if n != nin:
        raise ValueError(f"Neuron expects {nin} inputs, got {n}")


# micrograd's keyword arguments, and what to write here instead
_MICROGRAD_KWARGS = {"nonlin": "activation='linear' (nonlin=False) or activation='relu' (nonlin=True)"}


class Module:
    """Anything with parameters. As in PyTorch, they are found, not listed: every `Value`
    attribute is a parameter and every `Module` attribute a sub-module (lists of either are
    numbered), in the order the attributes were set."""

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(dotted name, parameter) pairs in a fixed order, e.g. `layers.1.neurons.3.w.7`."""
        return [pair for attr, x in vars(self).items() for pair in _named(attr, x)]

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
            if isinstance(x, Value):
                raise TypeError(
                    f"state dict entry {name!r} must be a real number, got Value (use .data for its number)"
                )
            values[name] = _check.finite(x, f"state dict entry {name!r}")
        for name, p in params.items():
            p.data = values[name]


class Neuron(Module):
    """Z = X1·W1 + ... + Xn·Wn + b, passed through an activation (see `activations`)."""

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        negative_slope: float = 0.01,
        init: str = "he",
        rng: random.Random | None = None,
        **micrograd_kwargs: object,
    ) -> None:
        for name in micrograd_kwargs:
            hint = f" (micrograd's {name}: write {_MICROGRAD_KWARGS[name]})" if name in _MICROGRAD_KWARGS else ""
            raise TypeError(f"Neuron got an unexpected keyword argument {name!r}{hint}")
        self.nin = _check.whole(nin, "nin")
        activation_entry(activation)  # checked before anything is drawn
        self.negative_slope = _check.finite(negative_slope, "negative_slope")
        self.init = _check.choice(init, INITS, "init")
        if rng is None:
            rng = random.Random()
        elif not isinstance(rng, random.Random):
            raise TypeError(f"rng must be a random.Random, got {type(rng).__name__}")
        weights, bias = INITS[init](self.nin, rng)
        self.w = [Value(wi, f"w{i}") for i, wi in enumerate(weights)]
        self.b = Value(bias, "b")
        self.activation = activation  # after w and b, so a learned slope `a` is named after them

    def __call__(self, x: Sequence[Value | float]) -> Value:
        _check_inputs(x, self.nin)
        # One node for Z = w·x + b: the value and gradients of the sum of products, fewer nodes.
        z = Value.weighted_sum(self.w, x, self.b)
        return self._activation.apply(z, self.slope)

    @property
    def activation(self) -> str:
        """The activation's name; assigning a name checks it against the table.

        An activation with a learned slope (PReLU) gives the neuron its slope parameter `a`,
        initialised as the table says; assigning one without takes `a` away again. Either
        changes `parameters()`: make the optimizer afterwards."""
        return self._activation.name

    @activation.setter
    def activation(self, name: str) -> None:
        entry = activation_entry(name)
        self._activation = entry
        if entry.learned_slope is None:
            vars(self).pop("a", None)
        elif not isinstance(vars(self).get("a"), Value):
            self.a = Value(entry.learned_slope, "a")

    @property
    def slope(self) -> float | Value:
        """What the activation gets as its slope: the learned parameter `a` (PReLU), else the
        fixed `negative_slope` (which only Leaky ReLU uses)."""
        return self.a if self._activation.learned_slope is not None else self.negative_slope

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, {self.activation})"


class Layer(Module):
    """`nout` neurons reading the same inputs. Calling it always returns a list."""

    def __init__(self, nin: int, nout: int, **neuron_kwargs: object) -> None:
        _check.whole(nout, "nout")
        self.neurons = [Neuron(nin, **neuron_kwargs) for _ in range(nout)]  # type: ignore[arg-type]

    def __call__(self, x: Sequence[Value | float]) -> list[Value]:
        """Each neuron's activation of its Z; the Zs are made together (`engine._weighted_sums`:
        the same nodes as `Neuron.__call__` makes, faster)."""
        neurons = self.neurons
        _check_inputs(x, neurons[0].nin)
        zs = _weighted_sums([n.w for n in neurons], x, [n.b for n in neurons])
        shared = neurons[0]._activation
        if shared.op is not None and all(n._activation is shared for n in neurons):
            return list(map(shared.op, zs))  # e.g. Value.relu on every Z, without a call through `apply` each
        return [n._activation.apply(z, n.slope) for n, z in zip(neurons, zs)]

    def __repr__(self) -> str:
        return f"Layer({self.neurons[0].nin} → {len(self.neurons)} {self.neurons[0].activation})"


def layer_activations(n_layers: int, activation: str | Sequence[str], output_activation: str | None) -> list[str]:
    """The activation of each of an MLP's `n_layers` layers, as `MLP` resolves its arguments:
    `activation` is one name for every hidden layer or a list of one name per hidden layer,
    and `output_activation` the last layer's (None: linear, a plain score or logit)."""
    hidden = n_layers - 1
    if isinstance(activation, str):
        names = [activation] * hidden
        activation_entry(activation)  # checked even when there is no hidden layer to use it
    elif isinstance(activation, Sequence) and not isinstance(activation, (bytes, bytearray)):
        names = list(activation)
        if len(names) != hidden:
            raise ValueError(
                f"activation has {len(names)} names but the model has {hidden} hidden layer{'s' * (hidden != 1)} "
                "(give one name per hidden layer, or one name for all)"
            )
        for name in names:
            activation_entry(name)
    else:
        raise TypeError(
            f"activation must be a name or a list of names (one per hidden layer), got {type(activation).__name__}"
        )
    output = "linear" if output_activation is None else activation_entry(output_activation, "output_activation").name
    return [*names, output]


class MLP(Module):
    """Fully connected layers. The hidden ones use `activation` (one name for all, or a list
    with one per hidden layer, e.g. ["relu", "tanh"]); the last one uses `output_activation`
    (default None: linear, so the outputs are scores or logits for a loss to read)."""

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str | Sequence[str] = "relu",
        negative_slope: float = 0.01,
        init: str = "he",
        seed: int | None = None,
        output_activation: str | None = None,
    ) -> None:
        nin = _check.whole(nin, "nin")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence):
            raise TypeError(f"nouts must be a list of layer sizes, got {type(nouts).__name__}")
        if not nouts:
            raise ValueError("nouts must be a non-empty list of layer sizes, got an empty one")
        nouts = [_check.whole(n, "every layer size in nouts") for n in nouts]
        names = layer_activations(len(nouts), activation, output_activation)
        seed = _check.seed(seed)  # (an int: random.Random rejects numpy's int64)
        self.nin, self.nouts = nin, nouts
        # what `activation` reports for a model without hidden layers (it has no neuron to read it from)
        self._activation_asked = activation if isinstance(activation, str) else list(activation)
        self.negative_slope, self.init, self.seed = negative_slope, init, seed
        rng = random.Random(seed)
        sizes = [nin, *nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation=names[i], negative_slope=negative_slope, init=init, rng=rng)
            for i in range(len(nouts))
        ]

    def layer_activation_names(self) -> list[str]:
        """Each layer's activation, read from its neurons (the truth, should one be reassigned);
        a layer whose neurons differ is a ValueError: an MLP has one activation per layer."""
        names = []
        for i, layer in enumerate(self.layers):
            found = {n.activation for n in layer.neurons}
            if len(found) > 1:
                raise ValueError(f"layer {i} mixes activations {sorted(found)}; an MLP has one per layer")
            names.append(found.pop())
        return names

    @property
    def activation(self) -> str | list[str]:
        """The hidden layers' activation: one name if they share it, else one name per hidden layer."""
        hidden = self.layer_activation_names()[:-1]
        if not hidden:
            return self._activation_asked
        return hidden[0] if len(set(hidden)) == 1 else hidden

    @property
    def output_activation(self) -> str:
        """The last layer's activation ("linear" unless `output_activation` said otherwise)."""
        return self.layer_activation_names()[-1]

    # Garbage collection: the engine never makes a reference cycle (a node points only at the
    # older nodes it was computed from, and there are no closures), so reference counting alone
    # frees every graph and CPython's cyclic collector can never find anything to free in one.
    # It still *scans* containers, though: a forward pass makes thousands of nodes and tuples,
    # and automatic collections during it walk them again and again, for nothing. So the
    # collector is paused while the network's graph is built (about 8% of a training step,
    # benchmarks/README.md). The pause is process-wide, so another thread allocating cyclic
    # garbage meanwhile waits for its collection until the pass ends; set
    # `MLP.pause_collector = False` (for one model, or on the class) to leave it alone.
    pause_collector: bool = True

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        pause = self.pause_collector and gc.isenabled()
        if pause:
            gc.disable()
        try:
            for layer in self.layers:
                x = layer(x)
        finally:
            if pause:
                gc.enable()
        return x[0] if len(x) == 1 else x  # type: ignore[return-value]

    def __repr__(self) -> str:
        parts = [str(self.nin)] + [f"{len(layer.neurons)} {layer.neurons[0].activation}" for layer in self.layers]
        return f"MLP({' → '.join(parts)})"
