"""Cross-check against PyTorch in float64: values and gradients of composite expressions that
together use every op (kinks at exactly 0 included), and of small MLPs, within 1e-9 relative.

At the kinks PyTorch's `torch.relu` and `leaky_relu` are the reference; `clamp(min=0)` (gradient
1 at 0) and `torch.maximum(x, 0)` (gradient 0.5) would not be.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Sequence
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

from microgradrelu import MLP, Value

REL, ABS = 1e-9, 1e-12  # the absolute floor only matters for gradients that are exactly 0


def agree(actual: float, expected: float) -> bool:
    return actual == pytest.approx(expected, rel=REL, abs=ABS)


# --- the torch fixture's policy ------------------------------------------------------------


def test_missing_torch_is_a_skip_by_default(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    monkeypatch.delenv("MICROGRADRELU_REQUIRE_TORCH", raising=False)
    with pytest.raises(pytest.skip.Exception, match="MICROGRADRELU_REQUIRE_TORCH"):
        request.getfixturevalue("torch")


def test_missing_torch_is_a_failure_when_required(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    monkeypatch.setenv("MICROGRADRELU_REQUIRE_TORCH", "1")
    with pytest.raises(pytest.fail.Exception, match="required"):
        request.getfixturevalue("torch")


# --- composite expressions, written once for both engines -----------------------------------

ENGINE_OPS = SimpleNamespace(
    relu=lambda v: v.relu(),
    leaky_relu=lambda v, slope=0.01: v.leaky_relu(slope),
    sum=Value.sum,
)


def torch_ops(torch: ModuleType) -> SimpleNamespace:
    functional = torch.nn.functional

    def as_tensor(x: Any) -> Any:
        return x if isinstance(x, torch.Tensor) else torch.tensor(float(x), dtype=torch.float64)

    return SimpleNamespace(
        relu=torch.relu,
        leaky_relu=lambda t, slope=0.01: functional.leaky_relu(t, slope),
        sum=lambda xs: torch.stack([as_tensor(x) for x in xs]).sum(),
    )


def arithmetic(a: Any, b: Any, c: Any, ops: SimpleNamespace) -> Any:
    """+ - * / and unary -, numbers on both sides, integer and negative powers, relu."""
    u = (a * b + c) / (b - 2.0)
    v = ops.relu(a - c) * -b + 3.0 / a - 2.0 * c + (1.0 - b) / c
    return u**3 + v * u - (-a) ** 2 + 5.0 - u / (c * c + 1.0) + (a + 4.0) ** -2


def smooth(a: Any, b: Any, c: Any, ops: SimpleNamespace) -> Any:
    """tanh, sigmoid, exp, log, fractional powers and a sum with a plain number in it."""
    s = (a.tanh() * b.sigmoid()).exp()
    lg = (c * c + 1.0).log()
    return s * lg + (b * b + 0.5) ** 0.5 - (a * a + 0.1) ** -1.5 + ops.sum([s, lg, 2.0, c, s * c, s])


def kinks(a: Any, b: Any, c: Any, ops: SimpleNamespace) -> Any:
    """relu and leaky_relu of interior nodes and of leaves; with a = -b, z is exactly 0."""
    z = a + b
    return ops.sum(
        [
            ops.relu(z) * 3.0,
            ops.leaky_relu(z) * -2.0,
            ops.leaky_relu(-z, 0.2) * b,
            ops.relu(c) * a,
            ops.relu(-c) * b,
            ops.leaky_relu(c, 0.3) * a,
            ops.leaky_relu(a * b),
        ]
    )


EXPRESSIONS: list[tuple[Callable[..., Any], Sequence[tuple[float, float, float]]]] = [
    (arithmetic, [(0.7, -1.3, 0.4), (-2.0, 0.5, -1.5), (1.5, 3.5, 2.0), (0.3, 1.0, 0.3)]),
    (smooth, [(0.7, -1.3, 0.4), (-2.0, 0.5, -1.5), (3.0, 4.0, 0.0), (-0.1, -6.0, 12.0)]),
    (kinks, [(1.5, -1.5, 0.0), (1.5, -1.5, -0.0), (0.0, -0.0, 0.0), (0.7, 0.4, -1.2), (-0.7, -0.4, 1.2)]),
]
CASES = [(f, point) for f, points in EXPRESSIONS for point in points]


@pytest.mark.parametrize(("expression", "point"), CASES, ids=[f"{f.__name__}{p}" for f, p in CASES])
def test_expression_matches_torch(
    torch: ModuleType, expression: Callable[..., Any], point: tuple[float, float, float]
) -> None:
    values = [Value(x) for x in point]
    out = expression(*values, ENGINE_OPS)
    out.backward()

    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    expected = expression(*tensors, torch_ops(torch))
    expected.backward()

    assert agree(out.data, expected.item()), (out.data, expected.item())
    for name, v, t in zip("abc", values, tensors):
        reference = 0.0 if t.grad is None else t.grad.item()
        assert agree(v.grad, reference), (name, v.grad, reference)


def test_kink_cases_really_sit_on_the_kink(torch: ModuleType) -> None:
    """Guard for the cases above: at (1.5, -1.5, 0) PyTorch's gradient for `a` differs from what
    clamp's convention would give, so the kink convention is what the comparison checks."""
    a, b, c = (torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in (1.5, -1.5, 0.0))
    kinks(a, b, c, torch_ops(torch)).backward()
    clamp_ops = SimpleNamespace(
        relu=lambda t: t.clamp(min=0.0), leaky_relu=torch_ops(torch).leaky_relu, sum=torch_ops(torch).sum
    )
    a2, b2, c2 = (torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in (1.5, -1.5, 0.0))
    kinks(a2, b2, c2, clamp_ops).backward()
    assert a.grad.item() != a2.grad.item()


# --- MLPs ---------------------------------------------------------------------------------------

INPUTS = [[0.0, 0.0, 0.0], [0.5, -1.2, 2.0], [-0.3, 0.8, -1.5], [1.0, 1.0, 1.0]]  # 0 input: all kinks
TARGETS = [1.0, -1.0, 0.5, 2.0]
NAME = re.compile(r"layers\.(\d+)\.neurons\.(\d+)\.(?:w\.(\d+)|b)")


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
def test_mlp_matches_torch(torch: ModuleType, activation: str, seed: int) -> None:
    mlp = MLP(3, [4, 4, 1], activation=activation, negative_slope=0.05, seed=seed)
    outs = [mlp(x) for x in INPUTS]
    loss = Value.sum([(o - t) ** 2 for o, t in zip(outs, TARGETS)])
    loss.backward()

    f64 = torch.float64
    weights = [
        torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=f64, requires_grad=True)
        for layer in mlp.layers
    ]
    biases = [torch.tensor([n.b.data for n in layer.neurons], dtype=f64, requires_grad=True) for layer in mlp.layers]
    h = torch.tensor(INPUTS, dtype=f64).T
    for i, (w, b) in enumerate(zip(weights, biases)):
        h = w @ h + b[:, None]
        if i < len(weights) - 1:
            h = torch.relu(h) if activation == "relu" else torch.nn.functional.leaky_relu(h, 0.05)
    expected_outs = h[0]
    expected_loss = ((expected_outs - torch.tensor(TARGETS, dtype=f64)) ** 2).sum()
    expected_loss.backward()

    for o, e in zip(outs, expected_outs.tolist()):
        assert agree(o.data, e), (o.data, e)
    assert agree(loss.data, expected_loss.item())
    named = mlp.named_parameters()
    assert len(named) == sum(w.numel() + b.numel() for w, b in zip(weights, biases))
    for name, p in named:
        match = NAME.fullmatch(name)
        assert match, name
        layer, neuron, k = match.groups()
        grad = biases[int(layer)].grad[int(neuron)] if k is None else weights[int(layer)].grad[int(neuron), int(k)]
        assert agree(p.grad, grad.item()), (name, p.grad, grad.item())


# --- inf and NaN gradients: where PyTorch multiplies (0 * inf = NaN) and where it selects ---------

NONFINITE_CASES = [
    # (name, x, build y = f(x) for both engines, seed gradient)
    ("blocked relu, inf from downstream", -1.0, lambda x, t: t.relu(x) if t else x.relu(), math.inf),
    ("blocked relu, nan from downstream", -1.0, lambda x, t: t.relu(x) if t else x.relu(), math.nan),
    ("x**0, inf from downstream", 2.0, lambda x, t: x**0, math.inf),
    (
        "leaky relu, inf on the negative side",
        -1.0,
        lambda x, t: t.nn.functional.leaky_relu(x, 0.01) if t else x.leaky_relu(0.01),
        math.inf,
    ),
    ("product with a zero factor, nan from downstream", 3.0, lambda x, t: x * 0.0, math.nan),
    (
        "zero gradient into sqrt at 0",
        0.0,
        lambda x, t: ((x**0.5) * 0.0 + 1.0).relu() if not t else t.relu((x**0.5) * 0.0 + 1.0),
        1.0,
    ),
]


@pytest.mark.parametrize(("name", "x0", "f", "seed"), NONFINITE_CASES, ids=[c[0] for c in NONFINITE_CASES])
def test_nonfinite_gradients_match_torch(
    torch: ModuleType, name: str, x0: float, f: Callable[..., Any], seed: float
) -> None:
    from microgradrelu.engine import backpropagate, topological_order

    x = Value(x0)
    backpropagate(topological_order(f(x, None)), seed)
    xt = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    f(xt, torch).backward(torch.tensor(seed, dtype=torch.float64))
    expected = xt.grad.item()
    assert (math.isnan(x.grad) and math.isnan(expected)) or x.grad == expected, (name, x.grad, expected)
