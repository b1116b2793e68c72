"""The engine: every op's value and gradient, the kink conventions, errors, and backward's semantics."""

from __future__ import annotations

import gc
import math
import weakref
from collections.abc import Callable
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microgradrelu.engine import Value, central_difference, topological_order

OPS = {"+", "*", "/", "**", "relu", "leaky_relu", "tanh", "sigmoid", "exp", "log"}


def close(analytic: float, numeric: float) -> bool:
    """Central differences are accurate to ~1e-9 on these domains; a wrong derivative is off by O(1)."""
    return math.isclose(analytic, numeric, rel_tol=1e-6, abs_tol=1e-6)


def finite(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def away_from_zero(lo: float, hi: float) -> st.SearchStrategy[float]:
    """|x| in [lo, hi], either sign: far enough from a kink or pole for a finite difference."""
    return st.builds(lambda m, s: m * s, finite(lo, hi), st.sampled_from([-1.0, 1.0]))


def grad_at(f: Callable[[Value], Value], x: float) -> tuple[float, float]:
    """(f(x), df/dx) from the engine."""
    v = Value(x)
    out = f(v)
    out.backward()
    return out.data, v.grad


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# --- unary ops: value and gradient against plain-float math -----------------------------

UNARY = {
    "neg": (lambda v: -v, lambda x: -x, finite(-10, 10)),
    "relu": (lambda v: v.relu(), lambda x: max(0.0, x), away_from_zero(1e-3, 10)),
    "leaky_relu": (lambda v: v.leaky_relu(), lambda x: x if x > 0 else 0.01 * x, away_from_zero(1e-3, 10)),
    "tanh": (lambda v: v.tanh(), math.tanh, finite(-10, 10)),
    "sigmoid": (lambda v: v.sigmoid(), sigmoid, finite(-20, 20)),
    "exp": (lambda v: v.exp(), math.exp, finite(-10, 10)),
    "log": (lambda v: v.log(), math.log, finite(1e-2, 1e3)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_op_value_and_gradient(name: str) -> None:
    engine_f, float_f, points = UNARY[name]

    @given(points)
    def check(x: float) -> None:
        value, grad = grad_at(engine_f, x)
        assert value == pytest.approx(float_f(x), rel=1e-12, abs=1e-300)
        assert close(grad, central_difference(float_f, x)), (x, grad)

    check()


@given(away_from_zero(1e-3, 10), finite(0.0, 0.9))
def test_leaky_relu_custom_slope(x: float, slope: float) -> None:
    def f(t: float) -> float:
        return t if t > 0 else slope * t

    value, grad = grad_at(lambda v: v.leaky_relu(slope), x)
    assert value == f(x)
    assert close(grad, central_difference(f, x))


# --- binary ops: Value with Value, and with a plain number on either side ---------------

BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}


@pytest.mark.parametrize("op", sorted(BINARY))
def test_binary_op_all_operand_orders(op: str) -> None:
    f = BINARY[op]
    # denominators stay away from 0, where 1/b has a pole
    rhs = away_from_zero(0.5, 10) if op == "/" else finite(-10, 10)

    @given(finite(-10, 10), rhs)
    def check(a: float, b: float) -> None:
        expected = f(a, b)
        da = central_difference(lambda t: f(t, b), a)
        db = central_difference(lambda t: f(a, t), b)
        va, vb = Value(a), Value(b)
        out = f(va, vb)
        out.backward()
        assert out.data == pytest.approx(expected, rel=1e-15, abs=1e-300)
        assert close(va.grad, da) and close(vb.grad, db), (a, b, va.grad, vb.grad)
        # Value op number
        value, grad = grad_at(lambda v: f(v, b), a)
        assert value == pytest.approx(expected, rel=1e-15, abs=1e-300)
        assert close(grad, da)
        # number op Value
        value, grad = grad_at(lambda v: f(a, v), b)
        assert value == pytest.approx(expected, rel=1e-15, abs=1e-300)
        assert close(grad, db)

    check()


@given(finite(0.1, 5), finite(-3, 3))
def test_pow_real_exponent(x: float, p: float) -> None:
    value, grad = grad_at(lambda v: v**p, x)
    assert value == pytest.approx(x**p, rel=1e-15)
    assert close(grad, central_difference(lambda t: t**p, x)), (x, p, grad)


@given(away_from_zero(0.1, 5), st.integers(-3, 3))
def test_pow_integer_exponent_negative_base(x: float, p: int) -> None:
    value, grad = grad_at(lambda v: v ** float(p), x)
    assert value == pytest.approx(x**p, rel=1e-15)
    assert close(grad, central_difference(lambda t: t**p, x)), (x, p, grad)


@given(st.lists(finite(-10, 10), min_size=1, max_size=6), st.lists(finite(-10, 10), max_size=3))
def test_sum_values_and_plain_numbers(xs: list[float], consts: list[float]) -> None:
    vs = [Value(x) for x in xs]
    out = Value.sum([*vs, *consts])
    out.backward()
    assert out.data == pytest.approx(math.fsum(xs + consts), abs=1e-12)
    for i, v in enumerate(vs):

        def f(t: float, i: int = i) -> float:
            return sum(xs[:i]) + t + sum(xs[i + 1 :]) + sum(consts)

        assert close(v.grad, central_difference(f, xs[i]))


def test_sum_counts_a_repeated_value_once_per_occurrence() -> None:
    a = Value(3.0)
    out = Value.sum([a, a, 2.0, a * 2.0])
    out.backward()
    assert out.data == 14.0
    assert a.grad == 4.0


def test_sum_empty_and_numbers_only() -> None:
    empty = Value.sum([])
    assert isinstance(empty, Value)
    assert (empty.data, empty.op, empty.children) == (0.0, "", ())
    numbers_only = Value.sum([1, 2.5, Fraction(1, 2)])
    assert isinstance(numbers_only, Value)
    assert numbers_only.data == 4.0
    assert Value.sum(v for v in [Value(1.0), 2.0]).data == 3.0  # any iterable


def test_sum_rejects_non_numbers() -> None:
    with pytest.raises(TypeError, match="str"):
        Value.sum([Value(1.0), "2"])


# --- graph structure: op strings, children and local derivatives ------------------------


def test_leaf_structure() -> None:
    v = Value(2.0, label="x")
    assert (v.data, v.grad, v.label, v.op, v.children, v.local_grads) == (2.0, 0.0, "x", "", (), ())
    assert type(v.data) is float
    assert type(Value(3).data) is float


def test_op_strings_children_and_local_grads() -> None:
    a, b = Value(2.0), Value(-3.0)
    cases = [
        (a + b, "+", (a, b), (1.0, 1.0)),
        (a + 5, "+", (a,), (1.0,)),
        (5 + a, "+", (a,), (1.0,)),
        (a * b, "*", (a, b), (-3.0, 2.0)),
        (a * 4, "*", (a,), (4.0,)),
        (a / b, "/", (a, b), (1.0 / -3.0, (2.0 / 3.0) / -3.0)),  # 1/b and -(a/b)/b
        (a / 4, "*", (a,), (0.25,)),  # dividing by a number is multiplying by its inverse
        (4 / a, "/", (a,), (-1.0,)),  # -(4/a)/a
        (4 * a, "*", (a,), (4.0,)),
        (-a, "*", (a,), (-1.0,)),
        (a**3, "**", (a,), (12.0,)),
        (a**0.5, "**", (a,), (0.5 / math.sqrt(2.0),)),
        (b.relu(), "relu", (b,), (0.0,)),
        (a.relu(), "relu", (a,), (1.0,)),
        (b.leaky_relu(0.1), "leaky_relu", (b,), (0.1,)),
        (a.leaky_relu(0.1), "leaky_relu", (a,), (1.0,)),
        (a.tanh(), "tanh", (a,), (1.0 - math.tanh(2.0) ** 2,)),
        (a.sigmoid(), "sigmoid", (a,), (sigmoid(2.0) * (1.0 - sigmoid(2.0)),)),
        (a.exp(), "exp", (a,), (math.exp(2.0),)),
        (a.log(), "log", (a,), (0.5,)),
        (Value.sum([a, b, 5.0]), "+", (a, b), (1.0, 1.0)),
    ]
    for out, op, children, local_grads in cases:
        assert out.op == op
        assert len(out.children) == len(children)
        assert all(c is e for c, e in zip(out.children, children)), op
        assert out.local_grads == pytest.approx(local_grads, rel=1e-15), op
        assert all(type(g) is float for g in out.local_grads), op
    assert b.leaky_relu(0.1).data == pytest.approx(-0.3)


def test_sum_is_one_node_with_n_children() -> None:
    xs = [Value(float(i)) for i in range(7)]
    out = Value.sum(xs)
    assert out.op == "+"
    assert len(out.children) == 7
    assert all(c is x for c, x in zip(out.children, xs))
    assert out.local_grads == (1.0,) * 7


@pytest.mark.parametrize(
    "build",
    [lambda a, b: a - b, lambda a, b: a / b, lambda a, b: 1.0 - a / b, lambda a, b: 2.0 / a - b * -1.5],
    ids=["sub", "div", "rsub-div", "rdiv-mixed"],
)
def test_composite_ops_use_only_documented_op_strings(build: Callable[[Value, Value], Value]) -> None:
    out = build(Value(2.0), Value(-4.0))
    for node in topological_order(out):
        assert node.op in OPS | {""}
        assert len(node.local_grads) == len(node.children)
        assert all(isinstance(c, Value) for c in node.children)


# --- kinks: PyTorch's conventions at exactly 0 ------------------------------------------


@pytest.mark.parametrize("zero", [0.0, -0.0], ids=["+0", "-0"])
def test_relu_kink_has_zero_gradient(zero: float) -> None:
    x = Value(zero)
    out = x.relu()
    out.backward()
    assert out.data == 0.0
    assert x.grad == 0.0
    assert out.local_grads == (0.0,)


@pytest.mark.parametrize("zero", [0.0, -0.0], ids=["+0", "-0"])
@pytest.mark.parametrize("slope", [0.01, 0.2, None], ids=["0.01", "0.2", "default"])
def test_leaky_relu_kink_has_slope_gradient(zero: float, slope: float | None) -> None:
    x = Value(zero)
    out = x.leaky_relu() if slope is None else x.leaky_relu(slope)
    out.backward()
    assert out.data == 0.0
    assert x.grad == (0.01 if slope is None else slope)


def test_kinks_reached_by_computation() -> None:
    """a + b and a*b + 4 are exactly 0 here: the kink conventions hold for interior nodes too."""
    a, b = Value(2.0), Value(-2.0)
    (a + b).relu().backward()
    assert (a.grad, b.grad) == (0.0, 0.0)
    c, d = Value(2.0), Value(-2.0)
    out = (c * d + 4.0).leaky_relu(0.3)
    out.backward()
    assert out.data == 0.0
    assert (c.grad, d.grad) == (0.3 * -2.0, 0.3 * 2.0)


def test_leaky_relu_slope_must_be_real() -> None:
    for bad in ["0.1", None, True, 1j]:
        with pytest.raises(TypeError, match=type(bad).__name__):
            Value(1.0).leaky_relu(bad)  # type: ignore[arg-type]


# --- errors -----------------------------------------------------------------------------


def test_value_exponent_is_rejected_with_exp_log_hint() -> None:
    with pytest.raises(TypeError) as info:
        Value(2.0) ** Value(3.0)  # type: ignore[operator]
    assert "exp" in str(info.value) and "log" in str(info.value)
    with pytest.raises(TypeError, match="exp"):
        2.0 ** Value(3.0)  # type: ignore[operator]


# --- the numeric policy: IEEE 754 results, as PyTorch's float64 gives (cross-checked against
# torch in test_torch_crosscheck.py); no op raises for a number it is given ---------------------

INF, NAN = math.inf, math.nan
IEEE = [
    # (expression of x, x, value, dx)
    (lambda x: x**0.5, -2.0, NAN, NAN),  # negative base, fractional power: NaN, never complex
    (lambda x: 1.0 / x, 0.0, INF, -INF),
    (lambda x: 1.0 / x, -0.0, -INF, -INF),
    (lambda x: Value(1.0) / x, 0, INF, -INF),
    (lambda x: x / 0, 1.0, INF, INF),
    (lambda x: x / 0.0, -1.0, -INF, INF),
    (lambda x: x / Value(0.0), 0.0, NAN, INF),  # 0/0
    (lambda x: x**-1, 0.0, INF, -INF),
    (lambda x: x**-1, 1e-200, 1e200, -INF),  # the derivative -x**-2 overflows
    (lambda x: 1.0 / x, 1e-160, 1e160, -INF),
    (lambda x: x**2, 1e200, INF, 2e200),
    (lambda x: x**3, -1e200, -INF, INF),
    (lambda x: x * x, 1e200, INF, 2e200),
    (lambda x: x.exp(), 1000.0, INF, INF),
    (lambda x: x.exp(), -1000.0, 0.0, 0.0),
    (lambda x: x.log(), 0.0, -INF, INF),
    (lambda x: x.log(), -1.0, NAN, -1.0),
    (lambda x: x.log(), NAN, NAN, NAN),
    (lambda x: x**0, INF, 1.0, 0.0),
]


@pytest.mark.parametrize(("f", "x", "value", "grad"), IEEE)
def test_ieee_results_instead_of_exceptions(f: Callable[[Value], Value], x: float, value: float, grad: float) -> None:
    v = Value(x)
    out = f(v)
    out.backward()
    for got, want in ((out.data, value), (v.grad, grad)):
        assert (math.isnan(got) and math.isnan(want)) or got == want, (got, want)


@pytest.mark.parametrize("other", ["a", None, [1.0], 1j, True, object()], ids=repr)
@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**"])
def test_unsupported_operand_raises_type_error(op: str, other: object) -> None:
    v = Value(2.0)
    with pytest.raises(TypeError):
        eval(f"v {op} other", {"v": v, "other": other})
    with pytest.raises(TypeError):
        eval(f"other {op} v", {"v": v, "other": other})


def test_unsupported_operand_returns_not_implemented() -> None:
    """Returning NotImplemented (not raising) lets the other operand's reflected method run."""

    class Other:
        def __radd__(self, v: object) -> str:
            return "radd"

        def __rmul__(self, v: object) -> str:
            return "rmul"

        def __rtruediv__(self, v: object) -> str:
            return "rtruediv"

        def __add__(self, v: object) -> str:
            return "add"

    assert Value(1.0) + Other() == "radd"
    assert Value(1.0) * Other() == "rmul"
    assert Value(1.0) / Other() == "rtruediv"
    assert Other() + Value(1.0) == "add"


@pytest.mark.parametrize("bad", [True, False, "1.0", None, 1j, [1.0], (1.0,)], ids=repr)
def test_constructor_rejects_non_reals_naming_the_type(bad: object) -> None:
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)  # type: ignore[arg-type]


def test_constructor_accepts_int_and_float_subclasses() -> None:
    class MyFloat(float):
        pass

    v = Value(MyFloat(1.5))
    assert v.data == 1.5 and type(v.data) is float


def test_constructor_accepts_numpy_scalars() -> None:
    np = pytest.importorskip("numpy")
    v = Value(np.float64(2.5))
    assert v.data == 2.5 and type(v.data) is float
    assert Value(np.int64(3)).data == 3.0
    assert (Value(1.0) * np.float64(2.0)).data == 2.0


def test_label_must_be_str() -> None:
    with pytest.raises(TypeError, match="int"):
        Value(1.0, label=3)  # type: ignore[arg-type]


def test_repr() -> None:
    assert repr(Value(2.0, label="x")) == "Value(data=2.0, grad=0.0, label='x')"
    v = Value(-1, "")
    v.grad = 0.5
    assert repr(v) == "Value(data=-1.0, grad=0.5, label='')"


def test_value_has_slots() -> None:
    with pytest.raises(AttributeError):
        Value(1.0).extra = 1  # type: ignore[attr-defined]


@pytest.mark.parametrize("x", [1000.0, -1000.0, 1e308, -1e308])
def test_sigmoid_and_tanh_stable_for_large_inputs(x: float) -> None:
    v = Value(x)
    s = v.sigmoid()
    t = v.tanh()
    (s + t).backward()
    assert s.data == (1.0 if x > 0 else 0.0)
    assert t.data == (1.0 if x > 0 else -1.0)
    assert v.grad == 0.0


# --- backward ---------------------------------------------------------------------------


def test_million_node_chain_backpropagates() -> None:
    """No recursion anywhere: micrograd's recursive backward fails near depth 1,000.
    Building the chain is the slow part;
    the cyclic GC is paused while building because the graph has no cycles for it to find."""
    n = 1_000_000
    factor = 1.0000001
    gc.disable()
    try:
        x = Value(1.0)
        y = x
        for _ in range(n):
            y = y * factor
        y.backward()
    finally:
        gc.enable()
    assert x.grad == pytest.approx(factor**n, rel=1e-9)  # = e^0.1, not 1: every edge counted once
    assert y.data == pytest.approx(factor**n, rel=1e-9)
    assert y.grad == 1.0


def build_shared_graph() -> tuple[Value, Value, list[Value], Value]:
    """y = tanh(h) + 3h + h*b with h = a*b: the interior node h feeds three consumers.

    In micrograd the second backward() adds onto h's old gradient before passing it on, so
    the leaves get more than twice their gradient. Each leaf feeds exactly one edge here, so
    "twice" is exact in floating point.
    """
    a, b = Value(0.7), Value(-1.3)
    b_copy = b * 1.0  # b's only edge
    h = a * b_copy
    t = h.tanh()
    y = Value.sum([t, h * 3.0, h * -0.5])
    return a, b, [b_copy, h, t], y


def test_backward_twice_accumulates_leaves_but_not_interior_nodes() -> None:
    a1, b1, interior1, y1 = build_shared_graph()
    y1.backward()
    a2, b2, interior2, y2 = build_shared_graph()
    y2.backward()
    y2.backward()
    assert a1.grad != 0.0 and b1.grad != 0.0
    assert a2.grad == 2.0 * a1.grad
    assert b2.grad == 2.0 * b1.grad
    assert [n.grad for n in interior2] == [n.grad for n in interior1]
    assert y2.grad == 1.0


def test_gradients_match_hand_derivation() -> None:
    a, b, (_, h, _), y = build_shared_graph()
    y.backward()
    dy_dh = (1.0 - math.tanh(h.data) ** 2) + 3.0 - 0.5
    assert h.grad == pytest.approx(dy_dh, rel=1e-15)
    assert a.grad == pytest.approx(dy_dh * b.data, rel=1e-15)
    assert b.grad == pytest.approx(dy_dh * a.data, rel=1e-15)


def test_backward_on_a_leaf_accumulates() -> None:
    x = Value(3.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


def test_backward_seed_scales_every_gradient() -> None:
    a1, b1, interior1, y1 = build_shared_graph()
    y1.backward()
    a2, b2, interior2, y2 = build_shared_graph()
    y2.backward(gradient=-2.5)
    assert y2.grad == -2.5
    assert a2.grad == pytest.approx(-2.5 * a1.grad, rel=1e-15)
    assert b2.grad == pytest.approx(-2.5 * b1.grad, rel=1e-15)
    for n1, n2 in zip(interior1, interior2):
        assert n2.grad == pytest.approx(-2.5 * n1.grad, rel=1e-15)
    with pytest.raises(TypeError, match="str"):
        y2.backward(gradient="1")  # type: ignore[arg-type]


def test_topological_order_puts_children_first_and_visits_each_node_once() -> None:
    a, b, interior, y = build_shared_graph()
    order = topological_order(y)
    assert order[-1] is y
    assert len(order) == len({id(n) for n in order})
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for child in node.children:
            assert position[id(child)] < position[id(node)]
    assert {id(a), id(b)} | {id(n) for n in interior} <= set(position)


def test_graph_is_freed_without_the_cyclic_gc() -> None:
    gc.collect()
    gc.disable()
    try:
        x, w = Value(0.5), Value(-2.0)
        h = (x * w + 1.0).relu()
        y = (h * h + h.tanh() - (x / w).exp().log()).sigmoid()
        y.backward()
        interior, root = weakref.ref(h), weakref.ref(y)
        del h, y
        assert interior() is None, "an interior node survived: a reference cycle"
        assert root() is None
        assert x.grad != 0.0  # leaves keep their gradients
    finally:
        gc.enable()


def test_central_difference() -> None:
    assert central_difference(lambda t: t**3, 2.0) == pytest.approx(12.0, rel=1e-9)
    assert central_difference(math.sin, 0.3, h=1e-4) == pytest.approx(math.cos(0.3), rel=1e-8)


@pytest.mark.parametrize(("a", "b"), [(49.0, 49.0), (0.3, 0.1), (1.0, 3.0), (-7.5, 0.2)])
def test_division_value_is_pythons_quotient(a: float, b: float) -> None:
    """a / b builds a * b**-1, but its value is a / b as Python computes it, not a * (1/b)
    (49 * (1/49) is 0.9999999999999999)."""
    assert (Value(a) / b).data == a / b
    assert (Value(a) / Value(b)).data == a / b
    assert (a / Value(b)).data == a / b
