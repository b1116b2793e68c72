"""A scalar autodiff engine: `Value` and the chain rule, in one file.

A `Value` is one number that remembers how it was computed. Every operation computes its
result *and* its local derivatives ∂out/∂input, and stores both on the new node
(`children`, `local_grads`). `backward()` then walks the graph from the output back to the
inputs in reverse topological order and applies the chain rule, one multiply-add per edge:

    grad(child) += local derivative × grad(node)

A node whose local derivative is 0 passes no gradient back: that is how a ReLU whose input
was <= 0 stops learning (`passes_no_gradient`).

Read it in order: `Value` and its ops (each op's forward value and derivative side by side),
then the algorithms: `topological_order`, `backpropagate` (with `hands_back_nothing`, its two
skips), `gradients` (the same pass computed aside, for drawings) and `central_difference`.
The section after them holds what exists only for speed; each piece names the test that
proves it gives the same results as the plain version.

Numbers follow IEEE 754, as PyTorch's float64 does: an overflow is inf, 1/0 is inf, log(0)
is -inf, log(-1) is NaN, and inf and NaN propagate through values and gradients alike. No op
raises for a number it is given (README.md lists the few places where we differ from PyTorch).

This module imports nothing from the rest of the package.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from operator import mul
from typing import NoReturn


class Value:
    """One number that remembers how it was computed.

    `children` are the Values it was computed from and `local_grads` the derivative of
    this value with respect to each of them (same order), both fixed in the forward pass.
    """

    __slots__ = ("data", "grad", "label", "op", "children", "local_grads", "__weakref__")

    def __new__(cls, data: float, label: str = "") -> Value:
        if type(label) is not str:
            raise TypeError(f"label must be a str, got {type(label).__name__}")
        return _node(_as_float(data), (), (), "", label)

    def __getnewargs__(self) -> tuple[float]:  # copy and pickle rebuild a Value from its data
        return (self.data,)

    def __repr__(self) -> str:
        return f"Value(data={self.data!r}, grad={self.grad!r}, label={self.label!r})"

    # --- arithmetic: forward value and local derivatives side by side -------------
    # d(a+b)/da = 1, d(a+b)/db = 1
    def __add__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return _node(self.data + other.data, (self, other), _ONE_ONE, "+")
        c = _operand(other)
        if c is None:
            return NotImplemented
        return _node(self.data + c, (self,), _ONE, "+")

    __radd__ = __add__

    # d(a*b)/da = b, d(a*b)/db = a  (a plain-number factor is not a node: its value
    # is the local derivative on the edge)
    def __mul__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return _node(self.data * other.data, (self, other), (other.data, self.data), "*")
        c = _operand(other)
        if c is None:
            return NotImplemented
        return _node(self.data * c, (self,), (c,), "*")

    __rmul__ = __mul__

    # d(x**p)/dx = p * x**(p-1), for a real constant p; x**0 = 1 is constant and passes no gradient
    def __pow__(self, exponent: float) -> Value:
        if isinstance(exponent, Value):
            raise TypeError(
                "Value ** Value is not supported: write a ** b as (b * a.log()).exp() "
                "(for a > 0) so each step has a derivative you can see"
            )
        p = _operand(exponent)
        if p is None:
            return NotImplemented
        x = self.data
        if p == 0.0:
            return _node(1.0, (self,), _BLOCKED, "**")
        return _node(_pow(x, p), (self,), (p * _pow(x, p - 1.0),), "**")

    def __rpow__(self, base: float) -> Value:
        if _operand(base) is None:
            return NotImplemented
        raise TypeError("number ** Value is not supported: write b ** x as (x * math.log(b)).exp() for b > 0")

    def __neg__(self) -> Value:
        return self * -1.0

    def __sub__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            return self + (-other)
        c = _operand(other)
        return NotImplemented if c is None else self + (-c)

    def __rsub__(self, other: float) -> Value:
        c = _operand(other)
        return NotImplemented if c is None else (-self) + c

    # d(a/b)/da = 1/b, d(a/b)/db = -a/b², computed as -(a/b)/b (as PyTorch does): b² alone
    # overflows or underflows for |b| beyond about 1e154 even where a/b and its derivative do not.
    # Dividing by a plain number c is multiplying by 1/c: a "*" node, as in `a * 0.5`.
    def __truediv__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            q = _div(self.data, other.data)
            return _node(q, (self, other), (_div(1.0, other.data), -_div(q, other.data)), "/")
        c = _operand(other)
        if c is None:
            return NotImplemented
        return _node(_div(self.data, c), (self,), (_div(1.0, c),), "*")

    def __rtruediv__(self, other: float) -> Value:  # c / b: d/db = -(c/b)/b
        c = _operand(other)
        if c is None:
            return NotImplemented
        q = _div(c, self.data)
        return _node(q, (self,), (-_div(q, self.data),), "/")

    # --- activations ----------------------------------------------------------------
    def relu(self) -> Value:
        """max(0, x). Derivative 1 for x > 0 and 0 for x <= 0 (PyTorch's choice at the kink):
        a ReLU whose input is not positive passes no gradient back at all."""
        x = self.data
        if x <= 0.0:
            return _node(0.0, (self,), _BLOCKED, "relu")
        return _node(x, (self,), _ONE, "relu")  # NaN falls through here, as in PyTorch

    def leaky_relu(self, negative_slope: float = 0.01) -> Value:
        """x for x > 0, else slope·x. Derivative 1 or slope (slope at x = 0, as PyTorch):
        the negative side still passes a small gradient, so the unit can recover.
        With slope 0 it is ReLU, and like ReLU passes no gradient for x <= 0."""
        s = _operand(negative_slope)
        if s is None:
            raise TypeError(f"negative_slope must be a real number, got {type(negative_slope).__name__}")
        x = self.data
        if x > 0.0:
            return _node(x, (self,), _ONE, "leaky_relu")
        return _node(s * x, (self,), (s,) if s != 0.0 else _BLOCKED, "leaky_relu")

    def prelu(self, a: Value | float) -> Value:
        """Leaky ReLU whose slope `a` is a parameter that learns (PReLU, He et al. 2015):
        x for x > 0, else a·x. ∂/∂x = 1 or a; ∂/∂a = x for x <= 0 (at x = 0: a and 0, as
        PyTorch), and for x > 0 the output does not depend on a, so a is not an input there.
        Even with a = 0 the negative side is not blocked: a still gets x × the gradient. (A plain
        number as slope is a constant, as in Leaky ReLU; with 0 it passes no gradient.)"""
        if not isinstance(a, Value) and _operand(a) is None:
            raise TypeError(f"prelu's slope must be a Value or a real number, got {type(a).__name__}")
        x = self.data
        if x > 0.0:
            return _node(x, (self,), _ONE, "prelu")
        if isinstance(a, Value):
            return _node(a.data * x, (self, a), (a.data, x), "prelu")
        s = _operand(a)  # a plain-number slope is a constant, as in `x * 2.0`: then it is a Leaky ReLU
        return _node(s * x, (self,), (s,) if s != 0.0 else _BLOCKED, "prelu")  # type: ignore[operator]

    def tanh(self) -> Value:
        """d tanh(x)/dx = 1 - tanh(x)**2: at most 1, and tiny for large |x| (saturation)."""
        t = math.tanh(self.data)
        return _node(t, (self,), (1.0 - t * t,), "tanh")

    def sigmoid(self) -> Value:
        """1 / (1 + e^-x), computed without overflow for large |x|. Derivative s(1-s) <= 1/4."""
        x = self.data
        if x >= 0.0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            s = e / (1.0 + e)
        return _node(s, (self,), (s * (1.0 - s),), "sigmoid")

    def exp(self) -> Value:
        """d e^x/dx = e^x."""
        try:
            e = math.exp(self.data)
        except OverflowError:
            e = math.inf
        return _node(e, (self,), (e,), "exp")

    def log(self) -> Value:
        """Natural log; d log(x)/dx = 1/x. log(0) = -inf and log(x < 0) = NaN, as in PyTorch."""
        x = self.data
        y = math.log(x) if x > 0.0 else -math.inf if x == 0.0 else math.nan
        return _node(y, (self,), (_div(1.0, x),), "log")

    def log1p(self) -> Value:
        """log(1 + x), exact for tiny x where log(1 + x) rounds 1 + x to 1 (log1p(1e-18) is
        1e-18, not 0); d/dx = 1/(1 + x). log1p(-1) = -inf, log1p(x < -1) = NaN."""
        x = self.data
        y = math.log1p(x) if x > -1.0 else -math.inf if x == -1.0 else math.nan
        return _node(y, (self,), (_div(1.0, 1.0 + x),), "log1p")

    @staticmethod
    def sum(values: Iterable[Value | float]) -> Value:
        """One "+" node with n children (not a chain of n-1 binary adds: fewer nodes to walk).
        Plain numbers are folded into the result as a constant."""
        children: list[Value] = []
        total = _collect_terms(values, children, 0.0, "Value.sum expects Values or real numbers")
        if not children:
            return Value(total)
        return _node(total, tuple(children), _ones(len(children)), "+")

    # Value.weighted_sum(w, x, b): a neuron's Z = w·x + b as one node; see the speed section.

    # --- backpropagation --------------------------------------------------------------
    def backward(self, gradient: float = 1.0) -> None:
        """Fill every `.grad` in the graph ending here with d(self)/d(node), times `gradient`.

        Leaves (inputs, parameters) accumulate across calls, as in PyTorch: call
        `zero_grad()` between steps. Interior nodes are reset first, so they always hold
        this pass's gradient (micrograd's compounding bug does not happen here).
        """
        seed = _as_float(gradient, "gradient")
        backpropagate(topological_order(self), seed)


def passes_no_gradient(node: Value) -> bool:
    """True for a node that passes nothing back whatever gradient arrives: a ReLU (or a Leaky
    ReLU with slope 0) whose input was <= 0, and x ** 0. Its op marks it with the shared
    `_BLOCKED` tuple; `backpropagate` skips exactly these nodes and the drawings mark exactly
    these as blocked. (Other zero local derivatives, such as x * 0.0, are multiplied as usual,
    so 0 × inf is NaN there, as in PyTorch.)"""
    if not isinstance(node, Value):
        raise TypeError(f"passes_no_gradient expects a Value, got {type(node).__name__}")
    return node.local_grads is _BLOCKED


# --- the algorithms -------------------------------------------------------------------
def topological_order(root: Value) -> list[Value]:
    """Every node reachable from `root`, each after all of its children (root last).

    Depth-first with an explicit stack, so a graph of any depth is fine; the order depends
    only on the graph, never on memory addresses. When a node is expanded it goes back on
    the stack under a marker (None) and its unplaced children on top; by the time the
    marker comes off again, every child has been placed, so the node can follow them.
    A node whose children are all placed already (a leaf, or a neuron whose weights and
    inputs earlier neurons placed) is placed at once instead.
    """
    if not isinstance(root, Value):
        raise TypeError(f"topological_order expects a Value, got {type(root).__name__}")
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[Value | None] = [root]
    while stack:
        node = stack.pop()
        if node is None:  # the marker: the node below it has all its children placed
            order.append(stack.pop())  # type: ignore[arg-type]
        elif node not in visited:  # (a node can be pushed twice, by two parents)
            visited.add(node)
            # A visited child is a placed child: a visited node still waiting for its
            # marker is an ancestor of this one, and an ancestor cannot be a child (no cycles).
            if visited.issuperset(node.children):  # every child placed (or none): follow them now
                order.append(node)
                continue
            stack.append(node)
            stack.append(None)
            for child in node.children:
                if child not in visited:
                    stack.append(child)
    return order


def hands_back_nothing(node: Value, grad: float) -> bool:
    """The chain rule's two skips, with PyTorch's results for inf and NaN:
    - a node that `passes_no_gradient`: nothing goes back, even an inf or NaN gradient (PyTorch
      selects 0 there rather than multiplying);
    - a node whose gradient is 0: local × 0 adds nothing, and about half the nodes of a ReLU
      network are such (dead units, points the loss is done with). Unless a local derivative
      is inf or NaN, where 0 × inf is NaN and PyTorch passes it on, as we do:
      `sum(locals) * 0.0 == 0.0` is false then (and if finite ones overflow when summed,
      which only costs the skip)."""
    return node.local_grads is _BLOCKED or (grad == 0.0 and sum(node.local_grads) * 0.0 == 0.0)


def backpropagate(order: list[Value], seed: float = 1.0) -> None:
    """The chain rule over a topological order: each node hands grad × local derivative
    to each child. Interior nodes start at 0, leaves keep what they had (accumulate).

    A node that `hands_back_nothing` is skipped (the test is written out inline below: a
    call per node would cost more than the skip saves).
    `order` must be a topological order of the graph (as `topological_order` returns); a
    wrong order silently gives wrong gradients.
    """
    if not order:
        raise ValueError("backpropagate needs a non-empty topological order (see topological_order)")
    seed = _as_float(seed, "seed")
    # A leaf's earlier gradient is set aside and added back at the end, so it gains this
    # pass's total in one addition (as PyTorch does): edge by edge onto the old value would
    # round differently, and two passes would not give exactly twice one pass.
    earlier: list[tuple[Value, float]] = []
    try:
        for node in order:
            if node.children:
                node.grad = 0.0
            elif node.grad:
                earlier.append((node, node.grad))
                node.grad = 0.0
    except AttributeError:  # (checked here, where it costs nothing)
        raise TypeError("backpropagate expects a list of Values, as topological_order returns") from None
    root = order[-1]
    root.grad += seed
    for node in reversed(order):
        g = node.grad
        if node.local_grads is _BLOCKED or (g == 0.0 and sum(node.local_grads) * 0.0 == 0.0):  # hands_back_nothing
            continue
        for child, local in zip(node.children, node.local_grads):
            child.grad += local * g
    for leaf, g in earlier:
        leaf.grad += g


def gradients(order: list[Value], seed: float = 1.0) -> dict[Value, float]:
    """What `backpropagate(order, seed)` would add to each node's grad, computed aside: no
    `.grad` is read or written. A drawing uses it to check that the gradients it shows are
    those of one backward() from its root (not left by another root, not accumulated).
    The same chain rule, order and skips as `backpropagate`, so the numbers agree bit for bit;
    a node that would get nothing is absent."""
    if not order:
        raise ValueError("gradients needs a non-empty topological order (see topological_order)")
    if not all(isinstance(v, Value) for v in order):
        raise TypeError("gradients expects a list of Values, as topological_order returns")
    grads = {order[-1]: _as_float(seed, "seed")}
    for node in reversed(order):
        g = grads.get(node, 0.0)
        if hands_back_nothing(node, g):
            continue
        for child, local in zip(node.children, node.local_grads):
            grads[child] = grads.get(child, 0.0) + local * g
    return grads


def central_difference(f: Callable[[float], float], x: float, h: float = 1e-6) -> float:
    """(f(x+h) - f(x-h)) / 2h: the numerical derivative the tests check every op against.
    Its error shrinks like h**2, against h for the one-sided difference."""
    h = _as_float(h, "h")
    if not 0.0 < h < math.inf:
        raise ValueError(f"h must be a positive finite number, got {h!r}")
    above, below = f(x + h), f(x - h)
    if isinstance(above, Value) or isinstance(below, Value):
        raise TypeError("central_difference needs f to return a plain number: return `.data` of the Value")
    return (above - below) / (2.0 * h)


# --- plain-number helpers: checking operands, IEEE arithmetic --------------------------
def _as_float(x: object, what: str = "Value data") -> float:
    """Accept any real number except bool (float, int, numpy scalars, Fraction)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be a real number (int or float), got {type(x).__name__}")
    try:
        return float(x)
    except OverflowError:
        raise ValueError(f"{what} is too large for a float (at most about 1.8e308)") from None


def _operand(x: object) -> float | None:
    """A plain-number operand as float, or None for an unsupported type."""
    if type(x) is float:
        return x  # type: ignore[return-value]
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        return None
    return _as_float(x, "a number in an operation")


def _div(a: float, b: float) -> float:
    """a / b with IEEE 754's answer for b = 0 (±inf, or NaN for 0/0) instead of an exception."""
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0.0 or a != a:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _pow(x: float, p: float) -> float:
    """x ** p with IEEE 754's answers where Python raises: ±inf on overflow and for 0 to a
    negative power, NaN for a negative base to a fractional power (never a complex number)."""
    try:
        return math.pow(x, p)
    except OverflowError:
        return -math.inf if x < 0.0 and p % 2.0 == 1.0 else math.inf
    except ValueError:  # 0 ** negative, or negative ** fractional
        if x == 0.0:
            return math.copysign(math.inf, x) if p % 2.0 == 1.0 else math.inf
        return math.nan


def _collect_terms(terms: Iterable[Value | float], children: list[Value], total: float, expected: str) -> float:
    """Append the Values among `terms` to `children` and return `total` plus all their data,
    added left to right; a plain number is folded into the total as a constant. Anything
    else is a TypeError: "`expected`, got <type>"."""
    for v in terms:
        if isinstance(v, Value):
            children.append(v)
            total += v.data
        else:
            c = _operand(v)
            if c is None:
                raise TypeError(f"{expected}, got {type(v).__name__}")
            total += c
    return total


# --- for speed only ---------------------------------------------------------------------
# Everything below makes the ops above cheaper without changing what they compute.


def _node(data: float, children: tuple[Value, ...], local_grads: tuple[float, ...], op: str, label: str = "") -> Value:
    """Make a node and fill its slots: the one place that does (Value(...) comes here too).
    Ops call it directly: their data is already a float, so Value's checks are skipped
    (they were ~40% of a node's cost)."""
    v = _new_value(Value)
    v.data = data
    v.grad = 0.0
    v.label = label
    v.op = op
    v.children = children
    v.local_grads = local_grads
    return v


_new_value = object.__new__


class _Marker(tuple):
    """A tuple that stays itself when copied or pickled (it is rebuilt as the module's name), so
    a copied or unpickled graph's blocked nodes are still `passes_no_gradient`."""

    __slots__ = ()

    def __reduce__(self) -> str:
        return "_BLOCKED"


# Shared local-derivative tuples: most edges of + and relu carry 1.0 or 0.0, so those nodes
# point at one of these constants instead of allocating a tuple each. _BLOCKED is the marker
# of `passes_no_gradient` (compared by identity, so it must never be built anew).
# Tests: tests/test_engine.py (every op against finite differences and PyTorch).
_ONE = (1.0,)
_BLOCKED = _Marker((0.0,))
_ONE_ONE = (1.0, 1.0)
_ONES: dict[int, tuple[float, ...]] = {}


def _ones(n: int) -> tuple[float, ...]:
    """The tuple (1.0,) * n, built once per n: every input of a sum has derivative 1."""
    ones = _ONES.get(n)
    if ones is None:
        ones = _ONES[n] = (1.0,) * n
    return ones


def weighted_sum(weights: Sequence[Value], inputs: Sequence[Value | float], bias: Value | float = 0.0) -> Value:
    """A neuron's Z = w1·x1 + ... + wn·xn + bias as ONE node (op "weighted_sum") instead of n
    products and a sum: ∂Z/∂wi = xi, ∂Z/∂xi = wi, ∂Z/∂b = 1. Also `Value.weighted_sum`.

    Children w1, x1, w2, x2, ..., bias; local derivatives x1, w1, x2, w2, ..., 1. A plain-number
    input is not a node but an edge constant, as in `w * 2.0`; a plain-number bias only shows
    in the node's data. The value is `dot(weights, inputs) + bias`: up to Python 3.11 the
    products added left to right, bit for bit `Value.sum([w * x ...] + [bias])`'s value. Each
    edge gets the multiply-add the products would give it, so the gradients are the same (a
    Value that gets several contributions may add them in another order: a rounding difference).
    Like PyTorch's Linear (one autograd node, not one per product): a network is mostly
    products, and one node per neuron makes a training step 2–3× faster (benchmarks/README.md).
    A layer's neurons go through `_weighted_sums`, which makes the same nodes faster.
    Tests: tests/test_fast_paths.py.
    """
    try:
        n_weights, n_inputs = len(weights), len(inputs)
    except TypeError:
        raise TypeError("weighted_sum expects a list of weights and a list of inputs") from None
    if n_weights != n_inputs:
        raise ValueError(f"weighted_sum got {n_weights} weights but {n_inputs} inputs")
    children: list[Value] = []
    local_grads: list[float] = []
    wds: list[float] = []
    xds: list[float] = []
    for w, x in zip(weights, inputs):
        if not isinstance(w, Value):
            raise TypeError(f"weighted_sum expects Values as weights, got {type(w).__name__}")
        wd = w.data
        if isinstance(x, Value):
            xd = x.data
            children += (w, x)
            local_grads += (xd, wd)  # ∂Z/∂w = x, ∂Z/∂x = w
        else:
            xd = _operand(x)  # type: ignore[assignment]
            if xd is None:
                raise TypeError(f"weighted_sum expects Values or real numbers as inputs, got {type(x).__name__}")
            children.append(w)
            local_grads.append(xd)
        wds.append(wd)
        xds.append(xd)
    total = dot(wds, xds)
    if isinstance(bias, Value):
        children.append(bias)
        local_grads.append(1.0)  # ∂Z/∂b = 1
        total += bias.data
    else:  # a number folds into the total, as in Value.sum; anything else is an error
        total = _collect_terms((bias,), children, total, "weighted_sum expects a Value or a real number as bias")
    if not children:
        return Value(total)
    return _node(total, tuple(children), tuple(local_grads), "weighted_sum")


def dot(a: Sequence[float], b: Sequence[float]) -> float:
    """Σ aᵢ·bᵢ, as every weighted sum here adds its products: Python's sum() (left to right up
    to Python 3.11, compensated from 3.12), in C. diagnostics uses it too, so a z it computes
    is the graph's to the last bit."""
    return sum(map(mul, a, b), 0.0)


def _weighted_sums(
    weights: Sequence[Sequence[Value]], inputs: Sequence[Value | float], biases: Sequence[Value]
) -> list[Value]:
    """`[weighted_sum(w, inputs, b) for w, b in zip(weights, biases)]`, the Zs of a layer, the same
    nodes with 2.6 times fewer instructions (16 neurons, 16 inputs): the inputs are checked and read once,
    and the edges are laid out once in two scratch lists (inputs and their data at the odd places);
    each neuron only writes its weights into them and copies them into its tuples.
    Weights and biases must be Values (Layer passes its neurons'); inputs all Values or all
    floats, anything else takes the plain path. Tests: tests/test_fast_paths.py."""
    n = len(inputs)
    if all(type(x) is Value for x in inputs):
        xd = [x.data for x in inputs]
    elif all(type(x) is float for x in inputs):
        xd = None  # plain numbers: edge constants, the same tuple for every neuron
        float_grads = (*inputs, 1.0)
    else:
        return [weighted_sum(w, inputs, b) for w, b in zip(weights, biases)]
    m = 2 * n
    children: list = [None] * (m + 1)  # scratch lists: every place is written before a tuple is made
    local_grads = [1.0] * (m + 1)
    if xd is not None:  # w1, x1, ..., wn, xn, b and x1, w1, ..., xn, wn, 1: the inputs' half once
        children[1:m:2] = inputs
        local_grads[0:m:2] = xd
    out = []
    for ws, b in zip(weights, biases):
        try:
            wd = [w.data for w in ws]
        except AttributeError:  # a weight that is not a Value: the plain path says so
            wd = None
        if wd is None or len(wd) != n or type(b) is not Value:
            out.append(weighted_sum(ws, inputs, b))
        elif xd is None:
            out.append(_node(dot(wd, inputs) + b.data, (*ws, b), float_grads, "weighted_sum"))
        else:
            children[0:m:2] = ws
            children[m] = b
            local_grads[1:m:2] = wd
            out.append(_node(dot(wd, xd) + b.data, tuple(children), tuple(local_grads), "weighted_sum"))
    return out


Value.weighted_sum = staticmethod(weighted_sum)  # type: ignore[attr-defined]


# --- names from micrograd ---------------------------------------------------------------
def _micrograd_name(old: str, new: str) -> property:
    """A property that only raises: code written for micrograd learns our name for `old`.
    (A property per name, not a `__getattr__`: that would slow down every attribute access.)"""

    def hint(self: Value) -> NoReturn:
        raise AttributeError(f"'Value' object has no attribute {old!r} (micrograd's {old} is {new} here)")

    return property(hint)


Value._prev = _micrograd_name("_prev", "children")  # type: ignore[attr-defined]
Value._op = _micrograd_name("_op", "op")  # type: ignore[attr-defined]
Value._backward = _micrograd_name("_backward", "local_grads (backward() walks them)")  # type: ignore[attr-defined]
