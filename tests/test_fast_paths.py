"""The engine's speed tricks must not change what it computes (see benchmarks/README.md)."""

from __future__ import annotations

import gc
import math
import random
import sys
import weakref

import pytest

from microgradrelu import MLP, Value
from microgradrelu.engine import _weighted_sums, topological_order, weighted_sum


def _graph(root: Value) -> list[tuple[str, float, tuple[float, ...], int]]:
    return [(n.op, n.data, n.local_grads, len(n.children)) for n in topological_order(root)]


@pytest.mark.parametrize("bias", [0.25, Value(0.25), -3])
def test_weighted_sum_is_one_node_with_the_value_and_gradients_of_the_sum_of_products(bias: Value | float) -> None:
    rng = random.Random(0)
    ws = [Value(rng.uniform(-1, 1)) for _ in range(5)]
    xs: list[Value | float] = [Value(rng.uniform(-1, 1)), 0.5, 2, Value(-1.5), rng.uniform(-1, 1)]
    fast = Value.weighted_sum(ws, xs, bias)
    slow = Value.sum([w * x for w, x in zip(ws, xs)] + [bias])
    if sys.version_info < (3, 12):  # sum() adds left to right, as Value.sum does: bitwise equal
        assert fast.data == slow.data
    else:  # sum() compensates from Python 3.12 on: within rounding of the plain loop
        assert fast.data == pytest.approx(slow.data, rel=1e-15, abs=1e-15)
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


def _layer_inputs(kind: str, rng: random.Random, n: int) -> list[Value | float]:
    if kind == "values":
        return [Value(rng.uniform(-2, 2)) for _ in range(n)]
    if kind == "floats":
        return [rng.uniform(-2, 2) for _ in range(n)]
    return [Value(1.0), 2, 0.5, Value(-1.0)][:n]  # mixed: the plain path


@pytest.mark.parametrize("kind", ["values", "floats", "mixed"])
@pytest.mark.parametrize("n", [1, 4])
def test_a_layers_fast_path_makes_exactly_the_nodes_of_the_plain_path(kind: str, n: int) -> None:
    """engine._weighted_sums (what Layer uses) against weighted_sum per neuron: same data bit for bit,
    the same children (the very objects, in the same order), the same local derivatives."""
    rng = random.Random(n)
    inputs = _layer_inputs(kind, rng, n)
    weights = [[Value(rng.uniform(-1, 1)) for _ in range(n)] for _ in range(5)]
    biases = [Value(rng.uniform(-1, 1)) for _ in range(5)]
    fast = _weighted_sums(weights, inputs, biases)
    plain = [weighted_sum(w, inputs, b) for w, b in zip(weights, biases)]
    for f, p in zip(fast, plain, strict=True):
        assert (f.op, f.data, f.local_grads) == (p.op, p.data, p.local_grads)
        assert all(a is b for a, b in zip(f.children, p.children, strict=True))


def test_a_layers_fast_path_leaves_odd_neurons_to_the_plain_path_and_its_errors() -> None:
    x = [Value(1.0), Value(2.0)]
    with pytest.raises(TypeError, match="Values as weights, got float"):
        _weighted_sums([[0.5, 0.5]], x, [Value(0.0)])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="2 weights but 3 inputs"):
        _weighted_sums([[Value(0.5), Value(0.5)]], [*x, Value(3.0)], [Value(0.0)])
    z = _weighted_sums([[Value(0.5), Value(0.5)]], x, [0.25])[0]  # a number as bias: folded, as weighted_sum does
    assert z.data == 0.5 + 1.0 + 0.25 and len(z.children) == 4
    # an odd neuron between two others: the scratch lists the others are made from are not disturbed
    weights = [[Value(0.5), Value(-1.0)], [Value(2.0), Value(3.0)], [Value(-0.5), Value(0.25)]]
    biases: list = [Value(0.1), 0.25, Value(-0.2)]
    fast = _weighted_sums(weights, x, biases)
    plain = [weighted_sum(w, x, b) for w, b in zip(weights, biases)]
    assert [(z.data, z.local_grads, z.children) for z in fast] == [(z.data, z.local_grads, z.children) for z in plain]


@pytest.mark.parametrize("mixed", [False, True])
def test_a_layer_gives_what_its_neurons_give_one_by_one(mixed: bool) -> None:
    """A layer maps its activation's op over the Zs when every neuron uses it; with one neuron
    changed (mixed) each neuron's own activation is applied."""
    model = MLP(3, [5, 4, 2], activation=["relu", "tanh"], seed=3)
    if mixed:
        model.layers[0].neurons[2].activation = "leaky_relu"
        model.layers[1].neurons[0].activation = "sigmoid"
    x = [Value(0.3), Value(-1.2), Value(2.0)]
    for layer in model.layers:
        together = layer(x)
        alone = [n(x) for n in layer.neurons]
        assert [_graph(v) for v in together] == [_graph(v) for v in alone]
        x = together


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
