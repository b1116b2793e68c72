"""Properties that must hold for every input hypothesis can find.

- Algebraic identities, for values *and* gradients: x + 0, x·1, (x + y) − y, x / y · y,
  and `Value.sum` against a chain of binary adds (bit-for-bit, repeats and constants included);
  `Value.weighted_sum` (one node) against the sum of products it stands for (bit-for-bit).
- `backward` is linear in its seed, on random graphs: two passes give exactly twice the
  leaf gradients, and a seed of 2 exactly twice those of a seed of 1.
- save → load round-trips every random MLP bit-for-bit, and a random single-byte
  corruption of a saved file is either rejected with a ValueError naming the file or loads
  to a valid model — never any other exception.

Each op's gradient against the central finite difference (away from kinks), and ReLU /
Leaky ReLU exactly at the kink, are tested in test_engine.py (test_unary_op_value_and_gradient,
test_binary_op_all_operand_orders, test_pow_*, test_relu_kink_has_zero_gradient,
test_leaky_relu_kink_has_slope_gradient); they are not repeated here.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import microgradrelu
from microgradrelu import MLP, Value
from microgradrelu.activations import ACTIVATIONS
from microgradrelu.nn import INITS

EPS = 2.0**-52


def reals(bound: float = 1e6) -> st.SearchStrategy[float]:
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False)


def grads_of(f: Callable[..., Value], *xs: float) -> tuple[float, list[float]]:
    """f's value and its gradient with respect to each argument, from the engine."""
    leaves = [Value(x) for x in xs]
    out = f(*leaves)
    out.backward()
    return out.data, [v.grad for v in leaves]


# --- algebraic identities ---------------------------------------------------------------------


@given(reals(1e300))
def test_adding_zero_and_multiplying_by_one_change_nothing(x: float) -> None:
    for f in (lambda v: v + 0.0, lambda v: 0 + v, lambda v: v + Value(0.0), lambda v: v * 1, lambda v: 1.0 * v):
        assert grads_of(f, x) == (x, [1.0])
    assert grads_of(lambda v: v * Value(1.0), x) == (x, [1.0])


@given(reals(), reals())
def test_add_then_subtract(x: float, y: float) -> None:
    """The value is x up to one rounding of x + y; the gradients are exact: the two paths
    into y carry +1 and -1."""
    value, (gx, gy) = grads_of(lambda a, b: (a + b) - b, x, y)
    assert abs(value - x) <= EPS * (abs(x) + abs(y))
    assert (gx, gy) == (1.0, 0.0)


@given(reals().filter(lambda x: x == 0.0 or abs(x) > 1e-290), reals(1e3).filter(lambda y: abs(y) > 1e-3))
def test_divide_then_multiply(x: float, y: float) -> None:
    """x / y · y: the value is x and dx is 1 to a few roundings; dy is x/y - x/y, zero to a
    few roundings of x/y. (Relative error bounds: x/y is kept out of the subnormal range,
    where a rounding error is absolute, 5e-324, not relative.)"""
    value, (gx, gy) = grads_of(lambda a, b: a / b * b, x, y)
    assert abs(value - x) <= 4 * EPS * abs(x)
    assert abs(gx - 1.0) <= 4 * EPS
    assert abs(gy) <= 4 * EPS * abs(x / y)


@given(
    st.lists(st.one_of(st.integers(0, 4), reals()), min_size=1, max_size=12),
    st.lists(reals(), min_size=5, max_size=5),
)
def test_value_sum_equals_a_chain_of_binary_adds(items: list[int | float], pool: list[float]) -> None:
    """Ints pick one of five leaves (so leaves repeat), floats are constants. Value.sum is
    one node, the chain is n - 1 nodes; value and every gradient must agree bit for bit."""

    def build(leaves: list[Value]) -> list[Value | float]:
        return [leaves[i] if isinstance(i, int) else i for i in items]

    assume(any(isinstance(i, int) for i in items))
    sum_leaves = [Value(x) for x in pool]
    total = Value.sum(build(sum_leaves))
    (total * 3.0).backward()

    chain_leaves = [Value(x) for x in pool]
    terms = build(chain_leaves)
    chain = terms[0] if isinstance(terms[0], Value) else Value(terms[0])
    for t in terms[1:]:
        chain = chain + t
    (chain * 3.0).backward()

    assert total.data == chain.data
    assert [v.grad for v in sum_leaves] == [v.grad for v in chain_leaves]
    assert [v.grad for v in sum_leaves] == [3.0 * sum(i == k for i in items if isinstance(i, int)) for k in range(5)]


@given(
    st.lists(st.tuples(reals(1e3), st.one_of(st.none(), reals(1e3)), reals(1e3)), max_size=8),
    st.one_of(st.none(), reals(1e3)),
    reals(1e3),
)
def test_weighted_sum_equals_the_sum_of_products(
    rows: list[tuple[float, float | None, float]], bias_value: float | None, bias_const: float
) -> None:
    """Each row is (w, x as a Value or None for a constant, the constant); the bias is a Value
    or a constant. The one node and the n + 1 node graph must agree bit for bit. (Every Value
    is passed once: one with several gradient contributions may add them up in another order.)"""

    def build() -> tuple[list[Value], list[Value | float], Value | float]:
        ws = [Value(w) for w, _, _ in rows]
        xs: list[Value | float] = [Value(x) if x is not None else c for _, x, c in rows]
        return ws, xs, Value(bias_value) if bias_value is not None else bias_const

    def leaves(ws: list[Value], xs: list[Value | float], b: Value | float) -> list[Value]:
        return [v for v in [*ws, *xs, b] if isinstance(v, Value)]

    ws, xs, b = build()
    fast = Value.weighted_sum(ws, xs, b)
    (fast * 3.0).backward()
    ws2, xs2, b2 = build()
    slow = Value.sum([w * x for w, x in zip(ws2, xs2)] + [b2])
    (slow * 3.0).backward()
    assert fast.data == slow.data
    assert [v.grad for v in leaves(ws, xs, b)] == [v.grad for v in leaves(ws2, xs2, b2)]


# --- backward is linear in its seed --------------------------------------------------------------

UNARY: dict[str, Callable[[Value], Value]] = {
    "relu": Value.relu,
    "leaky": lambda v: v.leaky_relu(0.1),
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "neg": lambda v: -v,
    "square": lambda v: v**2,
}
BINARY: dict[str, Callable[[Value, Value], Value]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
}
Step = tuple[str, int, int]
steps = st.lists(
    st.tuples(st.sampled_from(sorted(UNARY) + sorted(BINARY)), st.integers(0, 10**6), st.integers(0, 10**6)),
    min_size=1,
    max_size=15,
)


def random_graph(xs: list[float], program: list[Step]) -> tuple[list[Value], Value]:
    """Leaves for `xs`, then each step applies an op to earlier nodes (picked by index, so
    nodes are shared and the graph is a DAG, not a tree); the result is the sum of all."""
    leaves = [Value(x) for x in xs]
    nodes = list(leaves)
    for op, i, j in program:
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        nodes.append(UNARY[op](a) if op in UNARY else BINARY[op](a, b))
    return leaves, Value.sum(nodes)


@given(st.lists(reals(3.0), min_size=1, max_size=4), steps)
def test_two_backward_passes_give_exactly_twice_the_leaf_gradients(xs: list[float], program: list[Step]) -> None:
    once, root = random_graph(xs, program)
    root.backward()
    assume(all(math.isfinite(v.grad) for v in once))  # repeated squaring can overflow: NaN != NaN
    twice, root2 = random_graph(xs, program)
    root2.backward()
    interior = [n.grad for n in root2.children]
    root2.backward()
    assert [v.grad for v in twice] == [2.0 * v.grad for v in once]
    assert [n.grad for n in root2.children if n.children] == [
        g for n, g in zip(root2.children, interior) if n.children
    ]  # interior nodes hold this pass's gradient, not the sum of both


@given(st.lists(reals(3.0), min_size=1, max_size=4), steps)
def test_a_seed_of_two_doubles_every_gradient_exactly(xs: list[float], program: list[Step]) -> None:
    """Scaling by a power of two is exact in floating point, so linearity holds bit for bit."""
    one, root = random_graph(xs, program)
    root.backward(1.0)
    assume(all(math.isfinite(v.grad) for v in one))
    two, root2 = random_graph(xs, program)
    root2.backward(2.0)
    assert [v.grad for v in two] == [2.0 * v.grad for v in one]


# --- save / load -------------------------------------------------------------------------------------

any_finite = st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def mlps(draw: st.DrawFn) -> MLP:
    """A random MLP, with some weights replaced by arbitrary finite floats (subnormals,
    -0.0, the largest double) to test the float round trip, not just typical weights."""
    model = MLP(
        draw(st.integers(1, 4)),
        draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)),
        activation=draw(st.sampled_from(list(ACTIVATIONS))),
        negative_slope=draw(st.floats(0.0, 1.0)),
        init=draw(st.sampled_from(sorted(INITS))),
        seed=draw(st.integers(0, 2**32)),
    )
    params = model.parameters()
    for i, x in draw(st.lists(st.tuples(st.integers(0, len(params) - 1), any_finite), max_size=5)):
        params[i].data = x
    return model


def bits(model: MLP) -> dict[str, bytes]:
    return {name: struct.pack("<d", x) for name, x in model.state_dict().items()}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("properties")


@given(mlps())
def test_save_load_round_trips_every_mlp_bit_for_bit(folder: Path, model: MLP) -> None:
    loaded = microgradrelu.load(microgradrelu.save(model, folder / "round-trip.json"))
    assert repr(loaded) == repr(model)
    assert (loaded.nin, loaded.nouts, loaded.activation, loaded.init) == (
        model.nin,
        model.nouts,
        model.activation,
        model.init,
    )
    assert struct.pack("<d", loaded.negative_slope) == struct.pack("<d", model.negative_slope)
    assert bits(loaded) == bits(model)


def check_loads_or_rejects(path: Path) -> None:
    """The corruption contract: a ValueError naming the file, or a model that works."""
    try:
        model = microgradrelu.load(path)
    except ValueError as exc:
        assert str(exc).startswith(f"{path} is not a")
        return
    assert isinstance(model, MLP)
    assert all(math.isfinite(x) for x in model.state_dict().values())
    out = model([0.5] * model.nin)  # it computes (weights such as 1e308 may overflow to inf: allowed)
    assert len(out if isinstance(out, list) else [out]) == model.nouts[-1]


@settings(max_examples=150)
@given(mlps(), st.data())
def test_a_single_corrupted_byte_is_rejected_or_loads_a_valid_model(
    folder: Path, model: MLP, data: st.DataObject
) -> None:
    path = microgradrelu.save(model, folder / "corrupt.json")
    raw = bytearray(path.read_bytes())
    i = data.draw(st.integers(0, len(raw) - 1), label="position")
    new = data.draw(st.integers(0, 255).filter(lambda b: b != raw[i]), label="byte")
    raw[i] = new
    path.write_bytes(bytes(raw))
    check_loads_or_rejects(path)


@pytest.mark.parametrize("byte", b'0}"-.e\xff ')
def test_every_position_of_a_small_file_survives_corruption(tmp_path: Path, byte: int) -> None:
    """The exhaustive version on a small file: each position replaced by a byte that keeps
    the JSON nearly valid (a digit, a quote, a brace, a minus, a dot, an exponent, invalid
    UTF-8, a space)."""
    original = microgradrelu.save(MLP(1, [2, 1], activation="leaky_relu", seed=0), tmp_path / "m.json").read_bytes()
    path = tmp_path / "corrupt.json"
    for i in range(len(original)):
        if original[i] != byte:
            path.write_bytes(original[:i] + bytes([byte]) + original[i + 1 :])
            check_loads_or_rejects(path)
