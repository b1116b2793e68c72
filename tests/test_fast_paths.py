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
def test_weighted_sum_is_one_node_with_the_value_and_gradients_of_the_sum_of_products(bias: Value | float) -> None:
    rng = random.Random(0)
    ws = [Value(rng.uniform(-1, 1)) for _ in range(5)]
    xs: list[Value | float] = [Value(rng.uniform(-1, 1)), 0.5, 2, Value(-1.5), rng.uniform(-1, 1)]
    fast = Value.weighted_sum(ws, xs, bias)
    slow = Value.sum([w * x for w, x in zip(ws, xs)] + [bias])
    assert fast.data == slow.data  # same summation order: bitwise equal
    # one node: w and x side by side, ∂Z/∂w = x and ∂Z/∂x = w; plain numbers are edge constants
    w0, w1, w2, w3, w4 = ws
    x0, x3 = xs[0], xs[3]
    assert isinstance(x0, Value) and isinstance(x3, Value)
    tail = [bias] if isinstance(bias, Value) else []
    assert fast.op == "weighted_sum"
    assert list(fast.children) == [w0, x0, w1, w2, w3, x3, w4, *tail]
    assert list(fast.local_grads) == [x0.data, w0.data, 0.5, 2.0, x3.data, w3.data, xs[4], *[1.0] * len(tail)]
    leaves = ws + [x for x in xs if isinstance(x, Value)] + tail
    fast.backward()
    fast_grads = [v.grad for v in leaves]
    for v in leaves:
        v.grad = 0.0
    slow.backward()
    assert fast_grads == [v.grad for v in leaves]  # bitwise: the same multiply-adds


def test_weighted_sum_with_a_value_used_twice_sums_both_paths() -> None:
    w = Value(3.0)
    z = Value.weighted_sum([w, w], [w, 2.0], w)  # w*w + w*2 + w
    z.backward()
    assert z.data == 9.0 + 6.0 + 3.0
    assert w.grad == 2 * 3.0 + 2.0 + 1.0


def test_weighted_sum_rejects_bad_input() -> None:
    w = [Value(1.0), Value(2.0)]
    with pytest.raises(ValueError, match="2 weights but 1 inputs"):
        Value.weighted_sum(w, [1.0])
    with pytest.raises(TypeError, match="inputs, got str"):
        Value.weighted_sum(w, [1.0, "x"])
    with pytest.raises(TypeError, match="weights, got float"):
        Value.weighted_sum([1.0, 2.0], [1.0, 2.0])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="as bias, got NoneType"):
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


def test_zero_gradient_still_multiplies_an_infinite_local_derivative_of_a_weighted_sum() -> None:
    """The same on a neuron's node, where the inf sits among finite local derivatives:
    torch gives w.grad = x * 0 = NaN and v.grad = w * 0 = 0."""
    w, v, x = Value(1.0), Value(2.0), Value(math.inf)
    z = Value.weighted_sum([v, w], [3.0, x], 0.5)  # local derivatives (3, inf, 1)
    (z * 0.0).backward()
    assert math.isnan(w.grad)
    assert v.grad == 0.0 and x.grad == 0.0


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


def _longest_cycle_lifetime(forward, steps: int = 1200) -> int:
    """Run `steps` one-sample training steps that each drop one reference cycle, and return
    the most steps a dropped cycle stayed alive (one never freed counts until the end)."""

    class Node:
        pass

    model = MLP(2, [16, 16, 1], seed=0)
    gc.collect()
    born: dict[weakref.ref, int] = {}
    longest = 0
    for step in range(steps):
        a, b = Node(), Node()
        a.other, b.other = b, a  # a cycle: only the cyclic collector can free it
        born[weakref.ref(a)] = step
        del a, b
        out = forward(model, [0.5, -0.25 + step / 300])
        out.backward()
        for ref in [r for r in born if r() is None]:
            longest = max(longest, step - born.pop(ref))
    return max([longest, *(steps - s for s in born.values())])


def test_training_loop_still_collects_a_users_cycles_on_its_own() -> None:
    """Pausing the collector in MLP.__call__ must not starve it: cyclic garbage a user's loop
    drops each step is still freed by the automatic collections, about as soon as with no pause.
    Measured: at most 232 steps with the pause, 199 without; a gc.freeze() there, once tried
    for speed, left every cycle alive (lifetime = all 1200 steps)."""

    def no_pause(model: MLP, x: list[float]) -> Value:
        for layer in model.layers:
            x = layer(x)
        return x[0]

    paused = _longest_cycle_lifetime(lambda model, x: model(x))
    unpaused = _longest_cycle_lifetime(no_pause)
    assert paused < 600, f"a dropped cycle lived {paused} of 1200 steps"
    assert paused <= 2 * unpaused + 50, f"longest cycle lifetime {paused} steps with the pause, {unpaused} without"
