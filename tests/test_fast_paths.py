"""The engine's speed tricks must not change what it computes (see benchmarks/README.md)."""

from __future__ import annotations

import gc
import math
import random
import weakref

import pytest

from microgradrelu import MLP, Value
from microgradrelu.engine import topological_order


def _graph(root: Value) -> list[tuple[str, float, tuple[float, ...], int]]:
    return [(n.op, n.data, n.local_grads, len(n.children)) for n in topological_order(root)]


@pytest.mark.parametrize("bias", [0.25, Value(0.25), -3])
def test_weighted_sum_builds_the_same_graph_as_sum_of_products(bias: Value | float) -> None:
    rng = random.Random(0)
    ws = [Value(rng.uniform(-1, 1)) for _ in range(5)]
    xs: list[Value | float] = [Value(rng.uniform(-1, 1)), 0.5, 2, Value(-1.5), rng.uniform(-1, 1)]
    fast = Value.weighted_sum(ws, xs, bias)
    slow = Value.sum([w * x for w, x in zip(ws, xs)] + [bias])
    assert fast.data == slow.data  # same summation order: bitwise equal
    assert _graph(fast) == _graph(slow)
    assert [c.op for c in fast.children[:5]] == ["*"] * 5  # each product its own node
    fast.backward()
    fast_grads = [v.grad for v in ws + [x for x in xs if isinstance(x, Value)]]
    for v in ws + [x for x in xs if isinstance(x, Value)]:
        v.grad = 0.0
    slow.backward()
    assert fast_grads == [v.grad for v in ws + [x for x in xs if isinstance(x, Value)]]


def test_weighted_sum_rejects_bad_input() -> None:
    w = [Value(1.0), Value(2.0)]
    with pytest.raises(ValueError, match="2 weights but 1 inputs"):
        Value.weighted_sum(w, [1.0])
    with pytest.raises(TypeError, match="inputs, got str"):
        Value.weighted_sum(w, [1.0, "x"])
    with pytest.raises(TypeError, match="weights, got float"):
        Value.weighted_sum([1.0, 2.0], [1.0, 2.0])  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"bias\) expects .*got NoneType"):
        Value.weighted_sum(w, [1.0, 2.0], None)  # type: ignore[arg-type]
    assert Value.weighted_sum([], [], 1.5).data == 1.5


def test_topological_order_puts_children_first_and_each_node_once() -> None:
    model = MLP(3, [4, 4, 1], seed=1)
    out = model([0.5, -1.0, 2.0])
    shared = out * out + out  # a node reached along several paths
    order = topological_order(shared)
    position = {id(n): i for i, n in enumerate(order)}
    assert len(position) == len(order)
    assert all(position[id(c)] < position[id(n)] for n in order for c in n.children)
    assert order[-1] is shared


def test_zero_gradient_still_multiplies_an_infinite_local_derivative() -> None:
    """Skipping zero-gradient nodes must not hide 0 * inf = NaN (PyTorch gives NaN too)."""
    x = Value(0.0)
    y = x**0.5  # d sqrt(x)/dx = inf at 0
    z = (y * 0.0).relu()  # passes gradient 0 back to y
    z.backward()
    assert math.isnan(x.grad)


def test_zero_gradient_skip_leaves_finite_graphs_exact() -> None:
    a, b = Value(-2.0), Value(3.0)
    dead = (a * b).relu()  # relu of -6: gradient 0 behind it
    out = dead + a * 2.0
    out.backward()
    assert (a.grad, b.grad) == (2.0, 0.0)


def test_mlp_forward_restores_the_garbage_collector_state() -> None:
    model = MLP(2, [3, 1], seed=0)
    assert gc.isenabled()
    model([1.0, 2.0])
    assert gc.isenabled()
    gc.disable()
    try:
        model([1.0, 2.0])
        assert not gc.isenabled()  # a user's own gc.disable() is respected
    finally:
        gc.enable()
    with pytest.raises(ValueError):
        model([1.0])  # an error inside the forward pass still restores it
    assert gc.isenabled()


def test_training_loop_still_collects_a_users_cycles_on_its_own() -> None:
    """Pausing the collector in MLP.__call__ must not starve it: cyclic garbage a user's loop
    drops each step is still freed by the automatic collections, without gc.collect().
    Measured: 39 of 300 left at the end, as many as with no pause at all (40); a gc.freeze()
    there, once tried for speed, left all 300 alive."""

    class Node:
        pass

    model = MLP(2, [16, 16, 1], seed=0)
    probes = []
    gc.collect()
    for step in range(300):
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle: only the cyclic collector can free it
        probes.append(weakref.ref(a))
        del a, b
        out = model([0.5, -0.25 + step / 300])
        out.backward()
    alive = sum(p() is not None for p in probes)
    assert alive < 150, f"{alive} of 300 dropped cycles still alive without gc.collect()"
