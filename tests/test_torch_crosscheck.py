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

from microgradrelu import MLP, Value, bce_with_logits_loss

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


# --- the numeric policy: IEEE results, value and gradient, as torch float64 gives ----------------
# (each entry: name, x, f written once for both engines; `t` is torch or None)
EDGE_CASES = [
    ("1 / 1e-160", 1e-160, lambda x, t: 1.0 / x),
    ("x / 1e-160", 1.0, lambda x, t: x / (t.tensor(1e-160, dtype=t.float64) if t else Value(1e-160))),
    ("1e-200 ** -1", 1e-200, lambda x, t: x**-1.0),
    ("1e200 ** 2", 1e200, lambda x, t: x**2.0),
    ("(-1e200) ** 3", -1e200, lambda x, t: x**3.0),
    ("(-1e-200) ** -3", -1e-200, lambda x, t: x**-3.0),
    ("1e200 * 1e200", 1e200, lambda x, t: x * x),
    ("1e300 / 1e-10", 1e300, lambda x, t: x / 1e-10),
    ("exp(1000)", 1000.0, lambda x, t: x.exp()),
    ("exp(-1000)", -1000.0, lambda x, t: x.exp()),
    ("exp(inf)", math.inf, lambda x, t: x.exp()),
    ("log(0)", 0.0, lambda x, t: x.log()),
    ("log(-1)", -1.0, lambda x, t: x.log()),
    ("log(nan)", math.nan, lambda x, t: x.log()),
    ("1 / 0", 0.0, lambda x, t: 1.0 / x),
    ("-1 / -0.0", -0.0, lambda x, t: -1.0 / x),
    ("x / 0", 1.0, lambda x, t: x / 0.0),
    ("0 / 0", 0.0, lambda x, t: x / (t.tensor(0.0, dtype=t.float64) if t else Value(0.0))),
    ("0 ** -1", 0.0, lambda x, t: x**-1.0),
    ("-0.0 ** -1", -0.0, lambda x, t: x**-1.0),
    ("0 ** -2", 0.0, lambda x, t: x**-2.0),
    ("(-8) ** (1/3)", -8.0, lambda x, t: x ** (1 / 3)),
    ("0 ** 0.5", 0.0, lambda x, t: x**0.5),
    ("0 ** 0", 0.0, lambda x, t: x**0.0),
    ("nan ** 0", math.nan, lambda x, t: x**0.0),
    ("0 ** 1", 0.0, lambda x, t: x**1.0),
    ("inf ** 0.5", math.inf, lambda x, t: x**0.5),
    ("(-inf) ** 3", -math.inf, lambda x, t: x**3.0),
    ("2 ** inf", 2.0, lambda x, t: x**math.inf),
    ("relu(nan)", math.nan, lambda x, t: t.relu(x) if t else x.relu()),
    ("sigmoid(-inf)", -math.inf, lambda x, t: x.sigmoid()),
    ("tanh(inf)", math.inf, lambda x, t: x.tanh()),
    ("inf - inf", math.inf, lambda x, t: x - x),
    ("0 * inf", 0.0, lambda x, t: x * math.inf),
]


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@pytest.mark.parametrize(("name", "x0", "f"), EDGE_CASES, ids=[c[0] for c in EDGE_CASES])
def test_numeric_edge_cases_match_torch(torch: ModuleType, name: str, x0: float, f: Callable[..., Any]) -> None:
    x = Value(x0)
    y = f(x, None)
    y.backward()
    xt = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    yt = f(xt, torch)
    yt.backward()
    assert same(y.data, yt.item()), (name, "value", y.data, yt.item())
    assert same(x.grad, xt.grad.item()), (name, "gradient", x.grad, xt.grad.item())


DIVISIONS = [(1e200, 1e200), (0.0, 1e-200), (1e-100, 1e-160), (1.0, 0.0), (0.0, 0.0), (-3.0, 1e-170),
             (5.0, math.inf), (math.inf, 2.0), (1e300, 1e-10), (2.0, -1e155), (math.nan, 1.0)]  # fmt: skip


@pytest.mark.parametrize(("a", "b"), DIVISIONS)
def test_division_gradients_of_both_operands_match_torch(torch: ModuleType, a: float, b: float) -> None:
    """d(a/b)/db = -(a/b)/b, as torch computes it: written a·(-1/b²), b² overflowed or
    underflowed (b.grad was 0 for 1e200 / 1e200, torch -1e-200)."""
    x, y = Value(a), Value(b)
    (x / y).backward()
    xt, yt = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (a, b))
    (xt / yt).backward()
    assert same(x.grad, xt.grad.item()) and same(y.grad, yt.grad.item()), (x.grad, y.grad, xt.grad, yt.grad)
    y = Value(b)  # a plain number over a Value: as torch's tensor a / b (README, Numbers)
    (a / y).backward()
    yt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    (torch.tensor(a, dtype=torch.float64) / yt).backward()
    assert same(y.grad, yt.grad.item()), (y.grad, yt.grad)


# The deliberate differences, listed in README.md ("Numbers"): each is checked to be what we say.
def test_deliberate_differences_from_torch(torch: ModuleType) -> None:
    f64 = torch.float64
    # 1. the sign of a zero: relu(-0.0) is +0.0 here, -0.0 in torch (equal as numbers)
    assert math.copysign(1.0, Value(-0.0).relu().data) == 1.0
    assert math.copysign(1.0, torch.relu(torch.tensor(-0.0, dtype=f64)).item()) == -1.0

    # 2. x ** ±0.5 is C's pow, torch takes a square root (or its reciprocal): -0.0 and -inf differ
    def ours_and_torch(f: Callable[..., Any], x0: float) -> tuple[tuple[float, float], tuple[float, float]]:
        x, xt = Value(x0), torch.tensor(x0, dtype=f64, requires_grad=True)
        y, yt = f(x), f(xt)
        y.backward()
        yt.backward()
        return (y.data, x.grad), (yt.item(), xt.grad.item())

    ours, theirs = ours_and_torch(lambda x: x**0.5, -0.0)
    assert (math.copysign(1.0, ours[0]), ours[1]) == (1.0, math.inf)
    assert (math.copysign(1.0, theirs[0]), theirs[1]) == (-1.0, -math.inf)
    ours, theirs = ours_and_torch(lambda x: x**-0.5, -0.0)
    assert (ours[0], theirs[0]) == (math.inf, -math.inf)
    ours, theirs = ours_and_torch(lambda x: x**0.5, -math.inf)
    assert ours == (math.inf, 0.0) and all(map(math.isnan, theirs))
    # 5. tiny results kept where torch rounds them to 0
    ours, theirs = ours_and_torch(lambda x: x.sigmoid(), -720.0)
    assert 0.0 < ours[0] < 1e-300 and theirs[0] == 0.0
    ours, theirs = ours_and_torch(
        lambda x: bce_with_logits_loss([x], [0]) if isinstance(x, Value)
        else torch.nn.functional.binary_cross_entropy_with_logits(x, torch.tensor(0.0, dtype=f64)),
        -40.0,
    )  # fmt: skip
    assert abs(ours[0] - 4.25e-18) < 1e-20 and theirs[0] == 0.0
    # 6. a number over a Value: -(c/x)/x, where torch's number / tensor squares 1/x and overflows
    ours, theirs = ours_and_torch(lambda x: 1e-100 / x, 1e-160)
    assert ours[1] == -1e220 and theirs[1] == -math.inf
    # 7. an overflowed local derivative times an arriving 0 is NaN; torch divides and gets 0
    ours, theirs = ours_and_torch(lambda x: x.log() * 0.0, 1e-320)
    assert math.isnan(ours[1]) and theirs[1] == 0.0
    # 3. Leaky ReLU with slope 0 is ReLU: it passes no gradient for z <= 0, even an infinite one,
    #    where torch multiplies inf by the slope 0 and gets NaN
    x = Value(-1.0)
    from microgradrelu.engine import backpropagate, topological_order

    backpropagate(topological_order(x.leaky_relu(0.0)), math.inf)
    assert x.grad == 0.0
    xt = torch.tensor(-1.0, dtype=f64, requires_grad=True)
    torch.nn.functional.leaky_relu(xt, 0.0).backward(torch.tensor(math.inf, dtype=f64))
    assert math.isnan(xt.grad.item())
