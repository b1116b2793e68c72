"""Dead-neuron diagnostics against the autodiff graph, the history helper, and RAI init."""

from __future__ import annotations

import math
import random
import statistics

import pytest

from microgradrelu import MLP, SGD, Value, hinge_loss, make_moons
from microgradrelu.diagnostics import (
    AT_RISK_FRACTION,
    DeadNeuronHistory,
    activation_report,
    gradient_reach,
    pre_activations,
)
from microgradrelu.nn import INITS, RAI_SIGMA, Neuron

X4 = [[1.0, 2.0], [-1.0, 0.5], [0.3, -2.0], [2.0, 2.0]]


def hand_model() -> MLP:
    """MLP(2, [3, 1]): neuron 0 active on x1 > 0, neuron 1 killed by a bias of -100,
    neuron 2 active everywhere on X4."""
    m = MLP(2, [3, 1], seed=0)
    weights = [([1.0, 0.0], 0.0), ([1.0, 1.0], -100.0), ([0.0, 0.1], 1.0)]
    for n, (w, b) in zip(m.layers[0].neurons, weights):
        for wi, v in zip(n.w, w):
            wi.data = v
        n.b.data = b
    out = m.layers[1].neurons[0]
    for wi in out.w:
        wi.data = 1.0
    return m


def graph_active_counts(model: MLP, X: list[list[float]]) -> list[list[int]]:
    """Per hidden neuron, the inputs on which its ReLU node's local derivative is 1,
    read from the Values the engine built (not from diagnostics)."""
    counts = [[0] * len(layer.neurons) for layer in model.layers[:-1]]
    for x in X:
        h: list = x
        for li, layer in enumerate(model.layers[:-1]):
            h = layer(h)
            for ni, node in enumerate(h):
                assert node.op == "relu"
                counts[li][ni] += node.local_grads == (1.0,)
    return counts


def test_report_on_hand_built_model() -> None:
    m = hand_model()
    r = activation_report(m, X4)
    assert [n.active for n in r.layers[0].neurons] == [3, 0, 4]
    assert [n.dead for n in r.layers[0].neurons] == [False, True, False]
    assert r.dead == 1 and r.neurons == 3 and r.n_inputs == 4
    assert r.layers[0].dead_fraction == pytest.approx(1 / 3)
    assert graph_active_counts(m, X4) == [[n.active for n in layer.neurons] for layer in r.layers]
    assert "dead" in str(r)


@pytest.mark.parametrize("seed", range(4))
def test_report_matches_graph_relu_local_grads(seed: int) -> None:
    X, y = make_moons(n=30, noise=0.1, seed=seed)
    m = MLP(2, [6, 5, 1], seed=seed)
    opt = SGD(m.parameters(), lr=3.0)  # a large step kills some units, so both outcomes occur
    for _ in range(2):
        loss = hinge_loss([m(x) for x in X], y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    r = activation_report(m, X)
    assert graph_active_counts(m, X) == [[n.active for n in layer.neurons] for layer in r.layers]


def test_pre_activations_equal_graph_values() -> None:
    m = MLP(2, [4, 3, 1], seed=3)
    zs = pre_activations(m, X4)
    for i, x in enumerate(X4):
        assert zs[-1][0][i] == m(x).data  # bit-identical: same summation order


def test_at_risk() -> None:
    X = [[float(i), 1.0] for i in range(100)]
    m = MLP(2, [1, 1], seed=0)
    n = m.layers[0].neurons[0]
    n.w[0].data, n.w[1].data, n.b.data = 1.0, 0.0, -97.5  # active only on x = 98, 99
    act = activation_report(m, X).layers[0].neurons[0]
    assert act.active == 2 and not act.dead
    assert act.at_risk == (AT_RISK_FRACTION * 100 >= 2)


def test_gradient_reach_hand_built() -> None:
    m = hand_model()
    for p in m.parameters():
        p.grad = 0.25  # a caller's accumulated gradients must survive
    assert gradient_reach(m, X4) == [[3, 0, 4]]
    assert all(p.grad == 0.25 for p in m.parameters())


def test_gradient_reach_sees_blocked_paths() -> None:
    """A live first-layer neuron whose only way out is a dead neuron gets no gradient."""
    m = MLP(1, [1, 1, 1], seed=0)
    first, second = m.layers[0].neurons[0], m.layers[1].neurons[0]
    first.w[0].data, first.b.data = 1.0, 0.0
    second.w[0].data, second.b.data = 1.0, -100.0
    X = [[1.0], [2.0]]
    assert [n.active for layer in activation_report(m, X).layers for n in layer.neurons] == [2, 0]
    assert gradient_reach(m, X) == [[0], [0]]


def test_gradient_reach_multi_output() -> None:
    m = MLP(2, [3, 2], seed=1, activation="leaky_relu")
    assert gradient_reach(m, X4) == [[4, 4, 4]]


def test_history_records_and_table() -> None:
    m = hand_model()
    h = DeadNeuronHistory()
    assert str(h) == "(no records)" and len(h) == 0 and h.layer_dead(0) == []
    report = h.record(0, m, X4)
    assert report.dead == 1
    m.layers[0].neurons[0].b.data = -100.0
    h.record(5, m, X4)
    assert h.steps == [0, 5]
    assert h.layer_dead(0) == [1, 2]
    assert h.dead_fractions == pytest.approx([1 / 3, 2 / 3])
    lines = str(h).splitlines()
    assert len(lines) == 3 and "L0 dead/3" in lines[0]
    assert lines[2].split() == ["5", "2", "2", "66.7%"]  # step, dead, negative everywhere, dead %


def test_history_errors() -> None:
    m = hand_model()
    h = DeadNeuronHistory()
    h.record(3, m, X4)
    with pytest.raises(ValueError, match="steps must increase"):
        h.record(3, m, X4)
    with pytest.raises(TypeError, match="step must be an int"):
        h.record(True, m, X4)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="hidden layers"):
        h.record(4, MLP(2, [4, 1], seed=0), X4)
    with pytest.raises(ValueError, match="hidden layer 1"):
        h.layer_dead(1)


def test_input_errors() -> None:
    m = hand_model()
    for f in (pre_activations, activation_report, gradient_reach):
        with pytest.raises(TypeError, match="expected an MLP"):
            f(Neuron(2), X4)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="X is empty"):
            f(m, [])
        with pytest.raises(ValueError, match="X\\[1\\] has 3 values; the model expects 2"):
            f(m, [[1.0, 2.0], [1.0, 2.0, 3.0]])
        with pytest.raises(TypeError, match="real number"):
            f(m, [[1.0, "2"]])


# --- RAI initialization -------------------------------------------------------------------
def rai_samples(nin: int, count: int, seed: int = 0) -> list[tuple[list[float], float]]:
    rng = random.Random(seed)
    return [INITS["rai"](nin, rng) for _ in range(count)]


def test_rai_shape_and_determinism() -> None:
    w, b = INITS["rai"](5, random.Random(7))
    assert len(w) == 5 and isinstance(b, float)
    assert (w, b) == INITS["rai"](5, random.Random(7))
    a = MLP(3, [4, 4, 1], init="rai", seed=11)
    c = MLP(3, [4, 4, 1], init="rai", seed=11)
    assert [p.data for p in a.parameters()] == [p.data for p in c.parameters()]
    assert any(n.b.data != 0.0 for layer in a.layers for n in layer.neurons)  # He's biases are 0


def test_rai_statistics() -> None:
    """One of the nin + 1 parameters is Beta(2, 1) (mean 2/3, E[x²] = 1/2), the rest
    N(0, 0.36/nin): check the mean of their sum, the second moment, and P(bias > 0)."""
    nin, count = 3, 6000
    samples = rai_samples(nin, count)
    sums = [sum(w) + b for w, b in samples]
    assert statistics.fmean(sums) == pytest.approx(2 / 3, abs=0.04)
    second = statistics.fmean([x * x for w, b in samples for x in [*w, b]])
    sigma2 = RAI_SIGMA**2 / nin
    expected = (0.5 + nin * sigma2) / (nin + 1)
    assert second == pytest.approx(expected, rel=0.08)
    # bias > 0: it is the Beta entry (prob 1/(nin+1)), or a Gaussian that came out positive
    p_bias = 1 / (nin + 1) + nin / (nin + 1) * 0.5
    frac = sum(b > 0 for _, b in samples) / count
    assert abs(frac - p_bias) < 4 * math.sqrt(p_bias * (1 - p_bias) / count)
    # every neuron has at least one parameter in (0, 1]: the Beta(2, 1) draw
    assert all(any(0.0 < x <= 1.0 for x in [*w, b]) for w, b in samples)


def test_rai_is_a_valid_init_name() -> None:
    assert "rai" in INITS
    with pytest.raises(ValueError, match="'rai'"):
        Neuron(2, init="xavier")


def test_rai_keeps_narrow_deep_nets_alive_more_often_than_he() -> None:
    """The reason RAI exists, in miniature: width 2, depth 20, on inputs in [-1, 1]."""
    X = [[-1.0 + 2.0 * i / 9] for i in range(10)]
    born_dead = {}
    for init in ("he", "rai"):
        dead = 0
        for seed in range(60):
            layers = activation_report(MLP(1, [2] * 20 + [1], init=init, seed=seed), X).layers
            dead += any(layer.dead == len(layer.neurons) for layer in layers)
        born_dead[init] = dead
    assert born_dead["rai"] < born_dead["he"]


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh", "sigmoid", "linear"])
def test_pre_activations_are_bit_identical_to_the_graphs(activation: str) -> None:
    """The report decides 'dead' by the sign of z: its z must be the graph's z exactly,
    for every activation (sigmoid once used a different, equivalent formula: 411 of 1000
    second-layer values differed in the last bits)."""
    rng = random.Random(0)
    model = MLP(3, [5, 5, 1], activation=activation, seed=1)
    X = [[rng.uniform(-3, 3) for _ in range(3)] for _ in range(40)]
    zs = pre_activations(model, X)
    for i, x in enumerate(X):
        hidden = model.layers[0](x)
        for j, n in enumerate(model.layers[1].neurons):
            z = Value.sum([w * h for w, h in zip(n.w, hidden)] + [n.b]).data
            assert zs[1][j][i] == z


def test_a_diverged_model_is_refused_not_called_dead() -> None:
    """A NaN weight makes z NaN, and `z > 0` is false: the unit would be counted dead, when it
    is training that diverged. Every diagnostic says so instead."""
    m = hand_model()
    m.layers[0].neurons[1].w[0].data = math.nan
    for f in (pre_activations, activation_report, gradient_reach):
        with pytest.raises(ValueError, match=r"parameter layers\.0\.neurons\.1\.w\.0 is nan: training has diverged"):
            f(m, X4)
