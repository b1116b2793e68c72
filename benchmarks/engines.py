"""The benchmark's workloads, once per engine: microgradrelu, micrograd 0.1.0, and plain floats.

Each function here runs inside its own worker process (see bench_moons.py), so one engine's
garbage, caches and imports never slow another one down. Every workload gets the same
`spec`: the data set, the starting weights (one flat list in `parameters()` order: layer by
layer, neuron by neuron, weights then bias) and the sizes, so all engines compute the same
numbers and the final losses can be compared.
"""

from __future__ import annotations

import gc
import itertools
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

# micrograd's demo: lr = 1.0 - 0.9 * k / 100 for step k, loss = hinge + ALPHA * sum(p**2).
ALPHA = 1e-4
SIZES = (2, 16, 16, 1)


def learning_rate(k: int) -> float:
    return 1.0 - 0.9 * k / 100


def _timed_steps(step: Callable[[int], float], steps: int) -> dict[str, Any]:
    """Run steps 0..steps-1; step 0 is the warm-up (not timed). CPU seconds of this process
    (time.process_time), so other load on the machine does not inflate a sample."""
    times = []
    loss = float("nan")
    for k in range(steps):
        t0 = time.process_time()
        loss = step(k)
        if k:
            times.append(time.process_time() - t0)
    return {"step_seconds": times, "final_loss": loss}


# --- microgradrelu --------------------------------------------------------------------


def _mgr_model(spec: dict[str, Any]) -> tuple[Any, list[Any]]:
    from microgradrelu import MLP

    model = MLP(SIZES[0], list(SIZES[1:]), init="uniform", seed=0)
    params = model.parameters()
    for p, w in zip(params, spec["weights"], strict=True):
        p.data = w
    return model, params


def _mgr_loss(model: Any, params: list[Any], X: list[list[float]], y: list[int]) -> Any:
    from microgradrelu import Value, hinge_loss

    scores = [model(x) for x in X]
    return hinge_loss(scores, y) + ALPHA * Value.sum([p * p for p in params])


def microgradrelu_train(spec: dict[str, Any]) -> dict[str, Any]:
    from microgradrelu import SGD
    from microgradrelu.engine import topological_order

    model, params = _mgr_model(spec)
    X, y = spec["X"], spec["y"]
    opt = SGD(params, lr=1.0)
    nodes = 0

    def step(k: int) -> float:
        nonlocal nodes
        loss = _mgr_loss(model, params, X, y)
        opt.zero_grad()
        loss.backward()
        opt.lr = learning_rate(k)
        opt.step()
        if k == 0:
            nodes = len(topological_order(loss))
        return loss.data

    result = _timed_steps(step, spec["steps"])
    result["nodes"] = nodes
    return result


def microgradrelu_train_gc_off(spec: dict[str, Any]) -> dict[str, Any]:
    """The same loop with CPython's cyclic garbage collector off throughout. Safe with this
    engine (it makes no reference cycles, so reference counting frees every graph), and it
    shows what the collector still costs us. Not a like-for-like comparison: micrograd's
    graphs are reference cycles, so with the collector off it would leak every one."""
    gc.disable()
    try:
        return microgradrelu_train(spec)
    finally:
        gc.enable()


def microgradrelu_memory(spec: dict[str, Any]) -> dict[str, Any]:
    from microgradrelu.engine import topological_order

    model, params = _mgr_model(spec)
    _mgr_loss(model, params, spec["X"], spec["y"])  # warm-up: first-use caches are not the graph
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    loss = _mgr_loss(model, params, spec["X"], spec["y"])
    graph_bytes = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return {"bytes": graph_bytes, "nodes": len(topological_order(loss))}


def microgradrelu_chain(spec: dict[str, Any]) -> list[dict[str, Any]]:
    from microgradrelu import Value

    rows = []
    for n in spec["chain_sizes"]:
        x = Value(1.0)
        v = x
        for _ in range(n):
            v = v + x
        t0 = time.process_time()
        v.backward()
        seconds = time.process_time() - t0
        if x.grad != n + 1:  # d/dx of (n + 1)·x
            raise AssertionError(f"chain of {n}: x.grad = {x.grad}, expected {n + 1}")
        rows.append({"n": n, "backward_seconds": seconds})
        del v, x
    return rows


# --- micrograd 0.1.0 (the reference) ---------------------------------------------------


def _mg_model(spec: dict[str, Any]) -> tuple[Any, list[Any]]:
    from micrograd.nn import MLP

    model = MLP(SIZES[0], list(SIZES[1:]))
    params = model.parameters()
    for p, w in zip(params, spec["weights"], strict=True):
        p.data = w
    return model, params


def _notebook_loss(value: Any, model: Any, params: list[Any], X: list[list[float]], y: list[int]) -> Any:
    """micrograd's own demo loss, written the way its demo notebook writes it (inputs made into
    Values, Python's sum over the hinge terms and over the squared parameters), for either
    engine: `value` is its Value class."""
    inputs = [list(map(value, row)) for row in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    return data_loss + ALPHA * sum(p * p for p in params)


def _mg_count(root: Any) -> int:
    seen = {root}
    stack = [root]
    while stack:
        for child in stack.pop()._prev:
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return len(seen)


def _notebook_train(
    spec: dict[str, Any], model: Any, params: list[Any], value: Any, count: Callable[[Any], int]
) -> dict[str, Any]:
    """micrograd's notebook training loop, line for line: its loss, zero_grad, backward, and the
    update `p.data -= lr * p.grad` written out."""
    X, y = spec["X"], spec["y"]
    nodes = 0

    def step(k: int) -> float:
        nonlocal nodes
        loss = _notebook_loss(value, model, params, X, y)
        model.zero_grad()
        loss.backward()
        lr = learning_rate(k)
        for p in params:
            p.data -= lr * p.grad
        if k == 0:
            nodes = count(loss)
        return loss.data

    result = _timed_steps(step, spec["steps"])
    result["nodes"] = nodes
    return result


def micrograd_train(spec: dict[str, Any]) -> dict[str, Any]:
    from micrograd.engine import Value

    model, params = _mg_model(spec)
    return _notebook_train(spec, model, params, Value, _mg_count)


def microgradrelu_notebook_train(spec: dict[str, Any]) -> dict[str, Any]:
    """The same notebook loop on this engine: the inputs made into Values first, Python's sum
    making chains of binary adds (issue 16 asks for this loop shape too)."""
    from microgradrelu import Value
    from microgradrelu.engine import topological_order

    model, params = _mgr_model(spec)
    return _notebook_train(spec, model, params, Value, lambda root: len(topological_order(root)))


def micrograd_memory(spec: dict[str, Any]) -> dict[str, Any]:
    from micrograd.engine import Value

    model, params = _mg_model(spec)
    _notebook_loss(Value, model, params, spec["X"], spec["y"])
    gc.collect()  # the warm-up graph is cyclic garbage: free it before measuring
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    loss = _notebook_loss(Value, model, params, spec["X"], spec["y"])
    graph_bytes = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return {"bytes": graph_bytes, "nodes": _mg_count(loss)}


def _mg_chain_ok(n: int) -> bool:
    from micrograd.engine import Value

    x = Value(1.0)
    v = x
    for _ in range(n):
        v = v + x
    try:
        v.backward()
    except RecursionError:
        return False
    return True


def micrograd_chain(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """micrograd sorts its graph recursively, so a deep chain raises RecursionError; after
    the first failure, bisect for the deepest chain that still works."""
    from micrograd.engine import Value

    rows: list[dict[str, Any]] = []
    for n in spec["chain_sizes"]:
        x = Value(1.0)
        v = x
        for _ in range(n):
            v = v + x
        t0 = time.process_time()
        try:
            v.backward()
        except RecursionError:
            good, bad = 0, n
            while bad - good > 1:
                mid = (good + bad) // 2
                good, bad = (mid, bad) if _mg_chain_ok(mid) else (good, mid)
            rows.append({"n": n, "error": f"RecursionError at {n}", "deepest_ok": good})
            break
        rows.append({"n": n, "backward_seconds": time.process_time() - t0})
    return rows


# --- plain floats: the floor -------------------------------------------------------------


def _unflatten(flat: list[float]) -> list[list[list[float]]]:
    """Flat parameters -> per layer, per neuron: [w_1, ..., w_nin, b]."""
    layers, i = [], 0
    for nin, nout in itertools.pairwise(SIZES):
        layer = []
        for _ in range(nout):
            layer.append(flat[i : i + nin + 1])
            i += nin + 1
        layers.append(layer)
    return layers


def plain_step(layers: list[list[list[float]]], X: list[list[float]], y: list[int], lr: float) -> float:
    """One full-batch step written by hand over floats: forward, hinge loss, backward, SGD.
    The sums run in the engines' order (w1·x1 + ... + wn·xn, then + b), so the loss agrees
    with them to the last bits the gradients' summation order allows."""
    grads = [[[0.0] * len(neuron) for neuron in layer] for layer in layers]
    n = len(X)
    scale = 1.0 / n
    data_loss = 0.0
    last = len(layers) - 1
    for x, t in zip(X, y):
        acts = [x]  # each layer's input
        zs = []
        for li, layer in enumerate(layers):
            inp = acts[-1]
            z = []
            for neuron in layer:
                s = 0.0
                for w, a in zip(neuron, inp):
                    s += w * a
                z.append(s + neuron[-1])
            zs.append(z)
            acts.append(z if li == last else [v if v > 0.0 else 0.0 for v in z])
        margin = 1.0 - t * acts[-1][0]
        if margin <= 0.0:
            continue  # relu(margin) = 0 and passes no gradient: this point is done
        data_loss += margin
        dz = [-t * scale]  # d loss / d score
        for li in range(last, -1, -1):
            inp = acts[li]
            layer, g = layers[li], grads[li]
            dinp = [0.0] * len(inp)
            for j, (neuron, dzj) in enumerate(zip(layer, dz)):
                if dzj == 0.0:
                    continue  # a dead unit: nothing flows through it
                gj = g[j]
                for i, a in enumerate(inp):
                    gj[i] += dzj * a
                    dinp[i] += dzj * neuron[i]
                gj[-1] += dzj
            if li:  # through the previous layer's relu
                dz = [d if z > 0.0 else 0.0 for d, z in zip(dinp, zs[li - 1])]
    reg = 0.0
    for layer in layers:
        for neuron in layer:
            for p in neuron:
                reg += p * p
    loss = data_loss * scale + ALPHA * reg
    for layer, glayer in zip(layers, grads):
        for neuron, gneuron in zip(layer, glayer):
            for i, (p, gp) in enumerate(zip(neuron, gneuron)):
                neuron[i] = p - lr * (gp + 2.0 * ALPHA * p)
    return loss


def plain_train(spec: dict[str, Any]) -> dict[str, Any]:
    layers = _unflatten(list(spec["weights"]))
    X, y = spec["X"], spec["y"]
    result = _timed_steps(lambda k: plain_step(layers, X, y, learning_rate(k)), spec["steps"])
    result["nodes"] = 0
    return result


WORKLOADS: dict[tuple[str, str], Callable[[dict[str, Any]], Any]] = {
    ("microgradrelu", "train"): microgradrelu_train,
    ("microgradrelu-gc-off", "train"): microgradrelu_train_gc_off,
    ("microgradrelu-notebook", "train"): microgradrelu_notebook_train,
    ("microgradrelu", "memory"): microgradrelu_memory,
    ("microgradrelu", "chain"): microgradrelu_chain,
    ("micrograd", "train"): micrograd_train,
    ("micrograd", "memory"): micrograd_memory,
    ("micrograd", "chain"): micrograd_chain,
    ("plain", "train"): plain_train,
}
