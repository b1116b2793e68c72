"""A scalar autodiff engine: `Value` and the chain rule, in one file.

Every operation computes its result *and* its local derivatives ∂out/∂input in the
forward pass and stores them on the node (`children`, `local_grads`). Backward is then
one multiply-add per edge, walked in reverse topological order with an explicit stack:
no closures (no reference cycles, so no work for Python's cyclic garbage collector)
and no recursion (a chain of a million nodes backpropagates).

Garbage collection: the engine never makes a reference cycle (a node points only at the
older nodes it was computed from; there are no closures), so reference counting alone frees
every graph, and CPython's cyclic collector can never find anything to free in one. It still
*scans* container objects, though: a training step makes tens of thousands (each node and
its tuples), all alive until the step ends, and the automatic collections during the step
walk them again and again, for nothing. So `MLP.__call__`, which builds most of a network's
graph, pauses the collector (benchmarks/README.md has the numbers).

This module imports nothing from the rest of the package.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence

# Shared local-derivative tuples: most edges of + and relu carry 1.0 or 0.0, so those
# nodes point at one of these constants instead of allocating a tuple each. _ZERO marks a
# node that passes nothing back whatever arrives (a blocked ReLU, x**0): see backpropagate.
_ONE = (1.0,)
_ZERO = (0.0,)
_ONE_ONE = (1.0, 1.0)
_ONES: dict[int, tuple[float, ...]] = {}
_new_value = object.__new__


def _ones(n: int) -> tuple[float, ...]:
    """The tuple (1.0,) * n, built once per n: every input of a sum has derivative 1."""
    ones = _ONES.get(n)
    if ones is None:
        ones = _ONES[n] = (1.0,) * n
    return ones


def _as_float(x: object, what: str = "Value data") -> float:
    """Accept any real number except bool (float, int, numpy scalars, Fraction)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be a real number (int or float), got {type(x).__name__}")
    try:
        return float(x)
    except OverflowError:
        raise OverflowError(f"{what} is too large for a float: {len(str(x))} digits (at most about 1.8e308)") from None


def _operand(x: object) -> float | None:
    """A plain-number operand as float, or None for an unsupported type."""
    if type(x) is float:
        return x  # type: ignore[return-value]
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        return None
    return float(x)


def _node(data: float, children: tuple[Value, ...], local_grads: tuple[float, ...], op: str) -> Value:
    """Build an op's result node. Ops call this instead of `Value(...)`: their data is
    already a float, so the user-facing checks are skipped (they were ~40% of a node's cost)."""
    v = _new_value(Value)
    v.data = data
    v.grad = 0.0
    v.label = ""
    v.op = op
    v.children = children
    v.local_grads = local_grads
    return v


class Value:
    """One number that remembers how it was computed.

    `children` are the Values it was computed from and `local_grads` the derivative of
    this value with respect to each of them (same order), both fixed in the forward pass.
    """

    __slots__ = ("data", "grad", "label", "op", "children", "local_grads", "__weakref__")

    def __init__(self, data: float, label: str = "") -> None:
        self.data = _as_float(data)
        if type(label) is not str:
            raise TypeError(f"label must be a str, got {type(label).__name__}")
        self.grad = 0.0
        self.label = label
        self.op = ""
        self.children: tuple[Value, ...] = ()
        self.local_grads: tuple[float, ...] = ()

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

    # d(x**p)/dx = p * x**(p-1), for a real constant p
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
        try:
            out = x**p  # ZeroDivisionError for 0 ** negative, as Python does
        except OverflowError:
            raise OverflowError(f"{x!r} ** {p!r} overflows a float (at most about 1.8e308)") from None
        if isinstance(out, complex):
            raise ValueError(f"{x!r} ** {p!r} is not a real number (negative base, fractional exponent)")
        if p == 0.0:
            return _node(out, (self,), _ZERO, "**")  # x**0 = 1 is constant
        # at x = 0 with p < 1 the tangent is vertical: inf, as PyTorch reports
        d = math.inf if x == 0.0 and p < 1.0 else p * x ** (p - 1.0)
        return _node(out, (self,), (d,), "**")

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

    def __truediv__(self, other: Value | float) -> Value:
        if isinstance(other, Value):
            if other.data == 0.0:
                raise ZeroDivisionError(f"division by a Value equal to zero ({other!r})")
            inv = other**-1.0  # a / b is the graph a * b**-1, but its value is a / b exactly
            return _node(self.data / other.data, (self, inv), (inv.data, self.data), "*")
        c = _operand(other)
        if c is None:
            return NotImplemented
        return _node(self.data / c, (self,), (1.0 / c,), "*")  # ZeroDivisionError for c == 0

    def __rtruediv__(self, other: float) -> Value:
        c = _operand(other)
        if c is None:
            return NotImplemented
        if self.data == 0.0:
            raise ZeroDivisionError(f"division by a Value equal to zero ({self!r})")
        inv = self**-1.0
        return _node(c / self.data, (inv,), (c,), "*")

    # --- activations ----------------------------------------------------------------
    def relu(self) -> Value:
        """max(0, x). Derivative 1 for x > 0 and 0 for x <= 0 (PyTorch's choice at the kink):
        a ReLU whose input is not positive passes no gradient back at all."""
        x = self.data
        if x <= 0.0:
            return _node(0.0, (self,), _ZERO, "relu")
        return _node(x, (self,), _ONE, "relu")  # NaN falls through here, as in PyTorch

    def leaky_relu(self, negative_slope: float = 0.01) -> Value:
        """x for x > 0, else slope*x. Derivative 1 or slope (slope at x = 0, as PyTorch):
        the negative side still passes a small gradient, so the unit can recover."""
        s = _operand(negative_slope)
        if s is None:
            raise TypeError(f"negative_slope must be a real number, got {type(negative_slope).__name__}")
        x = self.data
        if x > 0.0:
            return _node(x, (self,), _ONE, "leaky_relu")
        return _node(s * x, (self,), (s,), "leaky_relu")

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
            raise OverflowError(f"exp({self.data!r}) overflows a float (the limit is about exp(709.78))") from None
        return _node(e, (self,), (e,), "exp")

    def log(self) -> Value:
        """Natural log; d log(x)/dx = 1/x. Only defined for x > 0."""
        x = self.data
        if not x > 0.0:
            raise ValueError(f"log is only defined for positive inputs, got {x!r}")
        return _node(math.log(x), (self,), (1.0 / x,), "log")

    @staticmethod
    def sum(values: Iterable[Value | float]) -> Value:
        """One "+" node with n children (not a chain of n-1 binary adds: fewer nodes to walk).
        Plain numbers are folded into the result as a constant."""
        children: list[Value] = []
        total = 0.0
        for v in values:
            if isinstance(v, Value):
                children.append(v)
                total += v.data
            else:
                c = _operand(v)
                if c is None:
                    raise TypeError(f"Value.sum expects Values or real numbers, got {type(v).__name__}")
                total += c
        if not children:
            return Value(total)
        return _node(total, tuple(children), _ones(len(children)), "+")

    @staticmethod
    def weighted_sum(weights: Sequence[Value], inputs: Sequence[Value | float], bias: Value | float = 0.0) -> Value:
        """w1·x1 + ... + wn·xn + bias, a neuron's Z, as ONE node (op "weighted_sum").

        Its children are w1, x1, w2, x2, ..., bias and its local derivatives x1, w1, x2, w2,
        ..., 1 (∂Z/∂wi = xi, ∂Z/∂xi = wi, ∂Z/∂b = 1). A plain-number input is not a node but
        an edge constant, as in `w * 2.0`; a plain-number bias only shows in the node's data.
        It computes what the graph `Value.sum([w * x for w, x in zip(weights, inputs)] + [bias])`
        (n + 1 nodes) computes: the same sums in the same order, so the same value bit for bit,
        and the same multiply-adds per edge, so the same gradients (a Value that gets several
        contributions may add them up in another order: a rounding difference). Like PyTorch's
        Linear (one autograd node, not one per product), it is the neuron's own op because a
        network is mostly products: one node per neuron instead of one per weight makes a
        training step 2–3× faster (benchmarks/README.md). Write the products out, as
        demos/neuron.py does, to see each one in a drawing.
        """
        if len(weights) != len(inputs):
            raise ValueError(f"weighted_sum got {len(weights)} weights but {len(inputs)} inputs")
        children: list[Value] = []
        local_grads: list[float] = []
        total = 0.0
        for w, x in zip(weights, inputs):
            if not isinstance(w, Value):
                raise TypeError(f"weighted_sum expects Values as weights, got {type(w).__name__}")
            wd = w.data
            if isinstance(x, Value):
                xd = x.data
                children.append(w)  # (two appends: measured faster than `+= (w, x)`)
                children.append(x)
                local_grads.append(xd)  # ∂Z/∂w = x
                local_grads.append(wd)  # ∂Z/∂x = w
            else:
                xd = _operand(x)  # type: ignore[assignment]
                if xd is None:
                    raise TypeError(f"weighted_sum expects Values or real numbers as inputs, got {type(x).__name__}")
                children.append(w)
                local_grads.append(xd)
            total += wd * xd
        if isinstance(bias, Value):
            children.append(bias)
            local_grads.append(1.0)
            total += bias.data
        else:
            b = _operand(bias)
            if b is None:
                raise TypeError(f"weighted_sum expects a Value or a real number as bias, got {type(bias).__name__}")
            total += b
        if not children:
            return Value(total)
        return _node(total, tuple(children), tuple(local_grads), "weighted_sum")

    # --- backpropagation --------------------------------------------------------------
    def backward(self, gradient: float = 1.0) -> None:
        """Fill every `.grad` in the graph ending here with d(self)/d(node), times `gradient`.

        Leaves (inputs, parameters) accumulate across calls, as in PyTorch: call
        `zero_grad()` between steps. Interior nodes are reset first, so they always hold
        this pass's gradient (micrograd's compounding bug does not happen here).
        """
        seed = _as_float(gradient, "gradient")
        backpropagate(topological_order(self), seed)


def topological_order(root: Value) -> list[Value]:
    """Every node reachable from `root`, each after all of its children (root last).

    Depth-first with an explicit stack, so a graph of any depth is fine; the order depends
    only on the graph, never on memory addresses. When a node is expanded it goes back on
    the stack under a marker (None) and its unplaced children on top; by the time the
    marker comes off again, every child has been placed, so the node can follow them.
    A node whose children are all placed already (a leaf, or a neuron whose weights and
    inputs earlier neurons placed) is placed at once instead.
    The stack holds plain nodes, so nothing is allocated per node (benchmarks/README.md).
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
            for child in node.children:
                if child not in visited:
                    break
            else:  # every child placed (or no children): the node can follow them now
                order.append(node)
                continue
            stack.append(node)
            stack.append(None)
            for child in node.children:
                if child not in visited:
                    stack.append(child)
    return order


def backpropagate(order: list[Value], seed: float = 1.0) -> None:
    """The chain rule over a topological order: each node hands grad * local derivative
    to each child. Interior nodes start at 0, leaves keep what they had (accumulate).

    Two kinds of node are skipped, with PyTorch's results for inf and NaN:
    - a blocked ReLU (or x**0), marked by the shared _ZERO tuple: it passes nothing back,
      even an inf or NaN gradient (PyTorch selects 0 there rather than multiplying);
    - a node whose gradient is 0: local * 0 adds nothing, and about half the nodes of a
      ReLU network are such (dead units, points the loss is done with). Unless a local
      derivative is inf or NaN, where 0 * inf is NaN and PyTorch passes it on, as we do:
      `sum(locals) * 0.0 == 0.0` is false then (and if finite ones overflow when summed,
      which only costs the skip).
    `order` must be a topological order of the graph (as `topological_order` returns); a
    wrong order silently gives wrong gradients.
    """
    if not order:
        raise ValueError("backpropagate needs a non-empty topological order (see topological_order)")
    # A leaf's earlier gradient is set aside and added back at the end, so it gains this
    # pass's total in one addition (as PyTorch does): edge by edge onto the old value would
    # round differently, and two passes would not give exactly twice one pass.
    earlier: list[tuple[Value, float]] = []
    for node in order:
        if node.children:
            node.grad = 0.0
        elif node.grad:
            earlier.append((node, node.grad))
            node.grad = 0.0
    root = order[-1]
    root.grad += seed
    for node in reversed(order):
        g = node.grad
        if node.local_grads is _ZERO or (g == 0.0 and sum(node.local_grads) * 0.0 == 0.0):
            continue
        for child, local in zip(node.children, node.local_grads):
            child.grad += local * g
    for leaf, g in earlier:
        leaf.grad += g


def central_difference(f: Callable[[float], float], x: float, h: float = 1e-6) -> float:
    """(f(x+h) - f(x-h)) / 2h: the numerical derivative the tests check every op against.
    Its error shrinks like h**2, against h for the one-sided difference."""
    if isinstance(h, bool) or not isinstance(h, numbers.Real) or not 0.0 < h < math.inf:
        raise ValueError(f"h must be a positive finite number, got {h!r}")
    above, below = f(x + h), f(x - h)
    if isinstance(above, Value) or isinstance(below, Value):
        raise TypeError("central_difference needs f to return a plain number: return `.data` of the Value")
    return (above - below) / (2.0 * h)
