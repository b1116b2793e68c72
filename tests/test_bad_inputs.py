"""The bad-input audit: what a user gets wrong, and what the library does about it.

Every public function and class, fed what a notebook session produces by mistake: wrong
types, wrong lengths, empty lists, zero/negative sizes, unknown names, NaN and infinities,
a `Value` where a number is expected and the reverse, unwritable paths, wrong suffixes.

Each row is: the call (evaluated as written, with the helpers in NAMESPACE), what is wrong
with it, and the outcome: an exception type and a fragment of its message, or WORKS and an
expression over `result` that must hold. "Works" is decided per case: NaN and infinity are
IEEE numbers a `Value` may hold (as PyTorch allows), but hyperparameters, targets, data
sizes and saved weights must be finite; numpy's scalars count as numbers everywhere.
"""

# ruff: noqa: E501 (the tables below are one row per line, aligned in columns)
from __future__ import annotations

import math
import os
import random
import shutil
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

import microgradrelu
from microgradrelu import MLP, Value, make_moons, save
from microgradrelu.diagnostics import DeadNeuronHistory, activation_report, gradient_reach, pre_activations
from microgradrelu.engine import backpropagate, central_difference, gradients, passes_no_gradient, topological_order
from microgradrelu.render import RenderError, render

try:
    import numpy as np
except ImportError:  # numpy is not a dependency: its rows are skipped without it
    np = None

WORKS = None  # the outcome column of a row that must succeed
X, Y = make_moons(8, seed=0)


def net() -> MLP:
    return MLP(2, [3, 1], seed=0)


def params() -> list[Value]:
    return net().parameters()


def scores() -> list[Value]:
    return [Value(0.5), Value(-2.0)]


def history() -> DeadNeuronHistory:
    h = DeadNeuronHistory()
    h.record(0, net(), X)
    return h


def state(**changes: object) -> dict[str, object]:
    s: dict[str, object] = dict(net().state_dict())
    s.update(changes)
    return s


NAMESPACE: dict[str, Any] = {
    **{name: getattr(microgradrelu, name) for name in microgradrelu.__all__},
    **{f.__name__: f for f in (net, params, scores, history, state, DeadNeuronHistory, activation_report)},
    **{
        f.__name__: f
        for f in (
            gradient_reach,
            pre_activations,
            backpropagate,
            central_difference,
            topological_order,
            gradients,
            passes_no_gradient,
        )
    },
    "math": math,
    "random": random,
    "Fraction": Fraction,
    "X": X,
    "Y": Y,
    "np": np,
}

# fmt: off
ENGINE = [
    # call                                          what is wrong                    outcome            fragment / check
    ("Value(True)",                                 "a bool",                        TypeError,         "got bool"),
    ("Value('1.5')",                                "a numeric string",              TypeError,         "got str"),
    ("Value(None)",                                 "None",                          TypeError,         "got NoneType"),
    ("Value(1 + 2j)",                               "a complex number",              TypeError,         "got complex"),
    ("Value([1.0])",                                "a list",                        TypeError,         "got list"),
    ("Value(Value(1.0))",                           "a Value, not a number",         TypeError,         "got Value"),
    ("Value(10**400)",                              "an int beyond float range",     ValueError,        "too large for a float"),
    ("Value(1.0, label=3)",                         "a non-str label",               TypeError,         "label must be a str"),
    ("Value(math.nan)",                             "NaN (an IEEE number)",          WORKS,             "math.isnan(result.data)"),
    ("Value(-math.inf)",                            "infinity (an IEEE number)",     WORKS,             "result.data == -math.inf"),
    ("Value(Fraction(1, 3))",                       "a Fraction",                    WORKS,             "result.data == 1 / 3"),
    ("Value(math.nan).relu()",                      "NaN through ReLU",              WORKS,             "math.isnan(result.data)"),
    ("Value(1.0) + 'a'",                            "a str operand",                 TypeError,         "unsupported operand"),
    ("Value(1.0) * None",                           "a None operand",                TypeError,         "unsupported operand"),
    ("Value(1.0) + True",                           "a bool operand",                TypeError,         "unsupported operand"),
    ("Value(2.0) ** Value(3.0)",                    "a Value exponent",              TypeError,         ".exp()"),
    ("2.0 ** Value(3.0)",                           "a Value exponent",              TypeError,         ".exp()"),
    ("Value(-8.0) ** (1 / 3)",                      "negative base, fractional p",   WORKS,             "math.isnan(result.data)"),
    ("Value(0.0) ** -1",                            "zero to a negative power",      WORKS,             "result.data == math.inf"),
    ("Value(1.0) / Value(0.0)",                     "divide by a zero Value",        WORKS,             "result.data == math.inf"),
    ("1.0 / Value(-0.0)",                           "divide by a zero Value",        WORKS,             "result.data == -math.inf"),
    ("Value(1.0) / 0",                              "divide by zero",                WORKS,             "result.data == math.inf"),
    ("Value(0.0).log()",                            "log of zero",                   WORKS,             "result.data == -math.inf"),
    ("Value(math.nan).log()",                       "log of NaN",                    WORKS,             "math.isnan(result.data)"),
    ("Value(1000.0).exp()",                         "exp overflow",                  WORKS,             "result.data == math.inf"),
    ("Value(1.0).leaky_relu('0.1')",                "a str slope",                   TypeError,         "negative_slope must be a real number"),
    ("Value(1.0).leaky_relu(Value(0.1))",           "a Value slope",                 TypeError,         "got Value"),
    ("Value.sum([Value(1.0), 'a'])",                "a str among the terms",         TypeError,         "got str"),
    ("Value.sum(5)",                                "a number, not a list",          TypeError,         "not iterable"),
    ("Value.sum([])",                               "empty list",                    WORKS,             "result.data == 0.0"),
    ("Value.sum(x for x in [1.0, Value(2.0)])",     "a generator",                   WORKS,             "result.data == 3.0"),
    ("Value.weighted_sum([Value(1.0)], [1.0, 2.0])", "more inputs than weights",     ValueError,        "1 weights but 2 inputs"),
    ("Value.weighted_sum([1.0], [1.0])",            "a number as weight",            TypeError,         "Values as weights"),
    ("Value(1.0).backward('1')",                    "a str seed",                    TypeError,         "gradient must be a real number"),
    ("Value(1.0).backward(Value(1.0))",             "a Value seed",                  TypeError,         "got Value"),
    ("topological_order(5)",                        "a number, not a Value",         TypeError,         "expects a Value, got int"),
    ("backpropagate([])",                           "an empty order",                ValueError,        "non-empty"),
    ("backpropagate([5])",                          "numbers, not Values",           TypeError,         "expects a list of Values"),
    ("backpropagate([Value(1.0)], '1')",            "a str seed",                    TypeError,         "seed must be a real number"),
    ("backpropagate([Value(1.0)], True)",           "a bool seed",                   TypeError,         "got bool"),
    ("backpropagate([Value(1.0)], 10**400)",        "a seed too large for a float",  ValueError,        "seed is too large"),
    ("gradients([5])",                              "numbers, not Values",           TypeError,         "expects a list of Values"),
    ("gradients([Value(1.0)], '1')",                "a str seed",                    TypeError,         "seed must be a real number"),
    ("passes_no_gradient(5)",                       "a number, not a Value",         TypeError,         "expects a Value, got int"),
    ("central_difference(math.sin, 1.0, h=10**400)", "an int step beyond floats",   ValueError,        "h is too large for a float"),
    ("Value.weighted_sum(5, [1.0])",                "a number, not weights",         TypeError,         "a list of weights and a list of inputs"),
    ("central_difference(math.sin, 1.0, h=0.0)",    "step h = 0",                    ValueError,        "h must be a positive finite"),
    ("central_difference(math.sin, 1.0, h=-1e-6)",  "a negative step",               ValueError,        "h must be a positive finite"),
    ("central_difference(lambda x: Value(x).tanh(), 1.0)", "f returns a Value",      TypeError,         "return `.data`"),
]

NN = [
    ("Neuron(10**400)",                             "more inputs than any list",     ValueError,        "nin is too large"),
    ("MLP(2, [3], activation=b'relu')",             "bytes, not a name",             TypeError,         "activation must be a name or a list of names"),
    ("Neuron(0)",                                   "zero inputs",                   ValueError,        "nin must be a positive int, got 0"),
    ("Neuron(-2)",                                  "negative size",                 ValueError,        "got -2"),
    ("Neuron(2.0)",                                 "a float size",                  TypeError,         "nin must be an int, got float"),
    ("Neuron(True)",                                "a bool size",                   TypeError,         "got bool"),
    ("Neuron('3')",                                 "a str size",                    TypeError,         "got str"),
    ("Neuron(2, activation='gelu')",                "unknown activation",            ValueError,        "valid: 'relu', 'leaky_relu'"),
    ("Neuron(2, activation='ReLU')",                "wrong case",                    ValueError,        "unknown activation 'ReLU'"),
    ("Neuron(2, init='xavier')",                    "unknown init",                  ValueError,        "valid: 'he', 'uniform'"),
    ("Neuron(2, negative_slope='0.1')",             "a str slope",                   TypeError,         "negative_slope must be a real number"),
    ("Neuron(2, negative_slope=Value(0.1))",        "a Value slope",                 TypeError,         "got Value"),
    ("Neuron(2, negative_slope=math.nan)",          "NaN slope",                     ValueError,        "negative_slope must be finite"),
    ("Neuron(2, negative_slope=10**400)",           "a slope beyond float range",    ValueError,        "negative_slope must be finite"),
    ("Neuron(2, negative_slope=Fraction(1, 5))",    "a Fraction slope",              WORKS,             "result.negative_slope == 0.2"),
    ("Neuron(2, rng=42)",                           "a seed instead of a Random",    TypeError,         "rng must be a random.Random"),
    ("Neuron(3)([1.0, 2.0])",                       "too few inputs",                ValueError,        "Neuron expects 3 inputs, got 2"),
    ("Neuron(3)([1.0, 2.0, 3.0, 4.0])",             "too many inputs",               ValueError,        "expects 3 inputs, got 4"),
    ("Neuron(3)([])",                               "empty input",                   ValueError,        "got 0"),
    ("Neuron(3)(5.0)",                              "a number, not a list",          TypeError,         "expects a list of 3 numbers or Values, got float"),
    ("Neuron(3)(x for x in [1, 2, 3])",             "a generator",                   TypeError,         "got generator"),
    ("Neuron(3)(['a', 'b', 'c'])",                  "strs as inputs",                TypeError,         "got str"),
    ("Neuron(3)([1.0, None, 2.0])",                 "None among inputs",             TypeError,         "got NoneType"),
    ("Neuron(3)([True, 0.0, 1.0])",                 "a bool among inputs",           TypeError,         "got bool"),
    ("Neuron(3)([Value(1.0), 2, 3.5])",             "Values and numbers mixed",      WORKS,             "isinstance(result, Value)"),
    ("Neuron(2, activation='linear')([math.nan, 1.0])", "NaN input",                 WORKS,             "math.isnan(result.data)"),
    ("Layer(2, 0)",                                 "zero neurons",                  ValueError,        "nout must be a positive int"),
    ("Layer(2, 3, activaton='tanh')",               "misspelt keyword",              TypeError,         "unexpected keyword argument 'activaton'"),
    ("Layer(2, 3, rng=random.Random(0))([1.0])",    "too few inputs",                ValueError,        "expects 2 inputs, got 1"),
    ("MLP(0, [1])",                                 "zero inputs",                   ValueError,        "nin must be a positive int"),
    ("MLP(2, [])",                                  "no layers",                     ValueError,        "non-empty list of layer sizes"),
    ("MLP(2, 3)",                                   "an int, not a list",            TypeError,         "nouts must be a list of layer sizes, got int"),
    ("MLP(2, '16')",                                "a str",                         TypeError,         "list of layer sizes, got str"),
    ("MLP(2, [16, 0, 1])",                          "a zero-width layer",            ValueError,        "every layer size in nouts must be a positive int, got 0"),
    ("MLP(2, [16, -1])",                            "a negative width",              ValueError,        "got -1"),
    ("MLP(2, [1.5])",                               "a float width",                 TypeError,         "every layer size in nouts must be an int, got float"),
    ("MLP(2, [1], activation='gelu')",              "unknown activation, 1 layer",   ValueError,        "unknown activation 'gelu'"),
    ("MLP(2, [1], init=None)",                      "None for init",                 TypeError,         "init must be a str, one of 'he'"),
    ("MLP(2, [1], negative_slope=math.inf)",        "infinite slope",                ValueError,        "negative_slope must be finite"),
    ("MLP(2, [1], seed='a')",                       "a str seed",                    TypeError,         "seed must be an int or None"),
    ("MLP(2, [1], seed=1.5)",                       "a float seed",                  TypeError,         "got float"),
    ("MLP(2, (3, 1))",                              "a tuple of sizes",              WORKS,             "result.nouts == [3, 1]"),
    ("Module().state_dict()",                       "(a module without parameters)", WORKS,             "result == {}"),
    ("Module().load_state_dict({'w': 1.0})",        "a name it does not have",       ValueError,        "1 unexpected ('w')"),
    ("net()(X)",                                    "the whole dataset at once",     ValueError,        "Neuron expects 2 inputs, got 8"),
    ("net()(5.0)",                                  "a number, not a list",          TypeError,         "expects a list of 2 numbers or Values"),
    ("net()(X[0])",                                 "(one input row)",               WORKS,             "isinstance(result, Value)"),
    ("net().load_state_dict([1.0, 2.0])",           "a list, not a dict",            TypeError,         "expects a dict of parameter name -> float, got list"),
    ("net().load_state_dict({})",                   "an empty dict",                 ValueError,        "13 missing ('layers.0.neurons.0.w.0'"),
    ("net().load_state_dict(state(extra=1.0))",     "an unknown name",               ValueError,        "1 unexpected ('extra')"),
    ("net().load_state_dict(state(**{'layers.1.neurons.0.b': math.nan}))", "NaN",    ValueError,        "must be finite, got nan"),
    ("net().load_state_dict(state(**{'layers.1.neurons.0.b': math.inf}))", "inf",    ValueError,        "must be finite, got inf"),
    ("net().load_state_dict(state(**{'layers.1.neurons.0.b': Value(1.0)}))", "a Value", TypeError,      "use .data"),
    ("net().load_state_dict(state(**{'layers.1.neurons.0.b': False}))", "a bool",    TypeError,         "got bool"),
]

OPTIM = [
    ("SGD(net(), lr=0.1)",                          "the model, not its parameters", TypeError,         "e.g. model.parameters(), got MLP"),
    ("SGD(5, lr=0.1)",                              "a number",                      TypeError,         "iterable of Values"),
    ("SGD([], lr=0.1)",                             "no parameters",                 ValueError,        "empty parameter list"),
    ("SGD([1.0, 2.0], lr=0.1)",                     "numbers, not Values",           TypeError,         "SGD params must be Values, got float"),
    ("SGD(params()[:1] * 2, lr=0.1)",               "a parameter listed twice",      ValueError,        "is listed twice"),
    ("SGD(params(), lr=-0.1)",                      "negative lr",                   ValueError,        "lr must be >= 0"),
    ("SGD(params(), lr=math.nan)",                  "NaN lr",                        ValueError,        "lr must be finite, got nan"),
    ("SGD(params(), lr=math.inf)",                  "infinite lr",                   ValueError,        "got inf"),
    ("SGD(params(), lr='0.1')",                     "a str lr",                      TypeError,         "lr must be a real number, got str"),
    ("SGD(params(), lr=Value(0.1))",                "a Value lr",                    TypeError,         "got Value"),
    ("SGD(params(), lr=0.1, momentum=-0.5)",        "negative momentum",             ValueError,        "momentum must be >= 0, got -0.5"),
    ("SGD(params(), lr=0.1, weight_decay=math.nan)", "NaN weight decay",             ValueError,        "weight_decay must be finite"),
    ("setattr(SGD(params(), lr=0.1), 'lr', -1.0)",  "a schedule sets lr < 0",        ValueError,        "lr must be >= 0"),
    ("SGD(params(), lr=Fraction(1, 10))",           "a Fraction lr",                 WORKS,             "result.lr == 0.1"),
    ("SGD((p for p in params()), lr=0.1)",          "a generator of parameters",     WORKS,             "len(result.params) == 13"),
]

LOSSES = [
    ("hinge_loss([], [])",                          "empty input",                   ValueError,        "hinge_loss: empty input"),
    ("hinge_loss(scores(), [1])",                   "fewer targets",                 ValueError,        "2 predictions but 1 targets"),
    ("hinge_loss(scores(), [0, 1])",                "0/1 labels",                    ValueError,        "targets must be -1 or +1"),
    ("hinge_loss(scores(), [1, math.nan])",         "NaN target",                    ValueError,        "every target must be finite, got nan"),
    ("hinge_loss(scores(), [True, False])",         "bool targets",                  TypeError,         "every target must be a real number, got bool"),
    ("hinge_loss(scores(), '+-')",                  "a str of labels",               TypeError,         "targets (numbers) must be a list"),
    ("hinge_loss({'a': Value(1.0)}, [1])",          "a dict of scores",              TypeError,         "must be a list (or one of them), got dict"),
    ("hinge_loss(set(scores()), [1, -1])",          "a set (no order)",              TypeError,         "got set"),
    ("hinge_loss(None, [1])",                       "None",                          TypeError,         "got NoneType"),
    ("hinge_loss(Value(0.5), 1)",                   "one score, one target",         WORKS,             "result.data == 0.5"),
    ("hinge_loss((s for s in scores()), [1, -1])",  "a generator of scores",         WORKS,             "result.data == 0.25"),
    ("mse_loss([[Value(1.0)]], [1.0])",             "a nested list",                 TypeError,         "every prediction must be a Value or a real number, got list"),
    ("mse_loss(['a'], [1.0])",                      "a str prediction",              TypeError,         "got str"),
    ("mse_loss([Value(1.0)], [Value(1.0)])",        "a Value target",                TypeError,         "every target must be a real number, got Value"),
    ("mse_loss([Value(math.nan)], [0.0])",          "a NaN prediction",              WORKS,             "math.isnan(result.data)"),
    ("mse_loss([2.0], [1.0])",                      "a number prediction",           WORKS,             "result.data == 1.0"),
    ("bce_with_logits_loss([Value(1.0)], [2])",     "target outside [0, 1]",         ValueError,        "targets must be in [0, 1]"),
    ("bce_with_logits_loss([Value(1.0)], [-1])",    "±1 labels given to BCE",        ValueError,        "(t + 1) / 2"),
    ("bce_with_logits_loss([Value(math.nan)], [1])", "a NaN logit (diverged)",       ValueError,        "diverged"),
    ("Value(10**400)",                              "an int beyond float range",     ValueError,        "too large for a float"),
    ("Value(1e200) ** 2",                           "a power that overflows",        WORKS,             "result.data == math.inf"),
    ("bce_with_logits_loss([Value(1000.0)], [0])",  "(a huge logit)",                WORKS,             "result.data == 1000.0"),
]

DATA = [
    ("make_moons(10**400)",                         "more points than any list",     ValueError,        "n is too large"),
    ("cross_entropy_loss([[1.0, 2.0]], [10**400])", "a huge class index",            ValueError,        "is too large"),
    ("cross_entropy_loss([Value(1.0)], [0])",       "one score per example",         TypeError,         "use bce_with_logits_loss"),
    ("make_moons(0)",                               "zero points",                   ValueError,        "n must be a positive int, got 0"),
    ("make_moons(-5)",                              "negative n",                    ValueError,        "got -5"),
    ("make_moons(10.0)",                            "a float n",                     TypeError,         "n must be an int, got float"),
    ("make_xor(True)",                              "a bool n",                      TypeError,         "got bool"),
    ("make_moons(10, noise=-0.1)",                  "negative noise",                ValueError,        "noise must be >= 0, got -0.1"),
    ("make_moons(10, noise=math.nan)",              "NaN noise",                     ValueError,        "got nan"),
    ("make_circles(10, noise=math.inf)",            "infinite noise",                ValueError,        "got inf"),
    ("make_moons(10, seed='a')",                    "a str seed",                    TypeError,         "seed must be an int or None, got str"),
    ("make_xor(10, seed=1.5)",                      "a float seed",                  TypeError,         "got float"),
    ("make_circles(10, factor=1.0)",                "factor 1",                      ValueError,        "strictly between 0 and 1, got 1.0"),
    ("make_circles(10, factor=0)",                  "factor 0",                      ValueError,        "got 0"),
    ("make_circles(10, factor=math.nan)",           "NaN factor",                    ValueError,        "got nan"),
    ("make_moons(1)",                               "(a single point)",              WORKS,             "len(result[0]) == 1"),
    ("make_moons(10, noise=Fraction(1, 10))",       "a Fraction noise",              WORKS,             "result == make_moons(10, noise=0.1)"),
]

NUMPY = [  # numpy's scalars and arrays, as a notebook produces them (np.arange, model outputs, labels)
    ("Value(np.float32(0.5))",                      "numpy float32",                 WORKS,             "result.data == 0.5"),
    ("mse_loss([Value(1.0)], np.array(1.0))",       "a 0-d array of targets",        TypeError,         "targets (numbers) must be a list"),
    ("MLP(np.int64(2), list(np.arange(3, 5)), seed=np.int64(0)).state_dict()", "numpy int64 sizes and seed", WORKS, "result == MLP(2, [3, 4], seed=0).state_dict()"),
    ("MLP(np.int64(2), [np.int64(3)]).nin",         "numpy int64 size",              WORKS,             "type(result) is int"),
    ("SGD(params(), lr=np.float32(0.5)).lr",        "numpy float32 lr",              WORKS,             "result == 0.5"),
    ("hinge_loss(scores(), np.array([1, -1]))",     "numpy array of labels",         WORKS,             "result.data == 0.25"),
    ("make_moons(np.int64(10), noise=np.float32(0.0), seed=np.int64(1))", "numpy args", WORKS,          "result == make_moons(10, noise=0.0, seed=1)"),
    ("Neuron(2, activation='linear')(np.array([1.0, 2.0]))", "numpy input row",      WORKS,             "isinstance(result, Value)"),
    ("activation_report(net(), [[np.float32(0.5), np.int64(1)]]).n_inputs", "numpy scalars in X", WORKS, "result == 1"),
    ("activation_report(net(), np.array(X)).layers", "a numpy array as X",           WORKS,             "result == activation_report(net(), X).layers"),
    ("pre_activations(net(), np.array(X))",         "a numpy array as X",            WORKS,             "result == pre_activations(net(), X)"),
    ("activation_report(net(), np.array([X]))",     "a 3-D array: rows of rows",     ValueError,        "X[0] has 8 values; the model expects 2"),
    ("activation_report(net(), [np.float64(1.0)])", "a numpy scalar as a row",       TypeError,         "X[0] must be a sequence of 2 numbers, got float64"),
    ("activation_report(net(), [np.array(1.0)])",   "a 0-d array as a row",          TypeError,         "X[0] must be a sequence of 2 numbers, got ndarray"),
    ("MLP(2, np.array([3, 1]))",                    "a numpy array of sizes",        TypeError,         "list of layer sizes, got ndarray"),
]

DIAGNOSTICS = [
    ("activation_report(Neuron(2), X)",             "a Neuron, not an MLP",          TypeError,         "expected an MLP, got Neuron"),
    ("activation_report(net(), [])",                "no inputs",                     ValueError,        "X is empty"),
    ("activation_report(net(), [[1.0, 2.0, 3.0]])", "a row of the wrong length",     ValueError,        "X[0] has 3 values; the model expects 2"),
    ("activation_report(net(), [1.0, 2.0])",        "one row, not a list of rows",   TypeError,         "X[0] must be a sequence of 2 numbers, got float"),
    ("activation_report(net(), [[Value(1.0), 2.0]])", "Values, not numbers",         TypeError,         "X[0]: every input must be a real number, got Value"),
    ("activation_report(net(), [['1', '2']])",      "strs",                          TypeError,         "got str"),
    ("activation_report(net(), [{0: 1.0, 1: 2.0}])", "a dict as a row",              TypeError,         "X[0] must be a sequence of 2 numbers, got dict"),
    ("activation_report(net(), [(x for x in (1.0, 2.0))])", "a generator as a row",  TypeError,         "X[0] must be a sequence of 2 numbers, got generator"),
    ("activation_report(net(), [[math.nan, 0.0]])", "a NaN input",                   ValueError,        "X[0]: every input must be finite, got nan"),
    ("activation_report(net(), [[0.0, -math.inf]])", "an infinite input",            ValueError,        "must be finite, got -inf"),
    ("activation_report(net(), (x for x in X))",    "a generator of rows",           WORKS,             "result.n_inputs == 8"),
    ("activation_report(net(), 5)",                 "a number",                      TypeError,         "X must be a list of input rows"),
    ("draw_network(net(), None)",                   "no data",                       TypeError,         "X must be a list of input rows"),
    ("history().layer_dead('0')",                   "a str layer",                   TypeError,         "layer must be an int"),
    ("DeadNeuronHistory().layer_dead('0')",         "a str layer, nothing recorded", TypeError,         "layer must be an int"),
    ("pre_activations(net(), [])",                  "no inputs",                     ValueError,        "X is empty"),
    ("gradient_reach(net(), [])",                   "no inputs",                     ValueError,        "X is empty"),
    ("gradient_reach(net(), [[math.nan, 0.0]])",    "a NaN input",                   ValueError,        "every input must be finite"),
    ("gradient_reach(Value(1.0), X)",               "a Value, not an MLP",           TypeError,         "expected an MLP, got Value"),
    ("DeadNeuronHistory().record(1.0, net(), X)",   "a float step",                  TypeError,         "step must be an int, got float"),
    ("history().record(0, net(), X)",               "a repeated step",               ValueError,        "steps must increase: got 0 after 0"),
    ("history().record(1, MLP(2, [5, 1]), X)",      "another model's shape",         ValueError,        "model has hidden layers (5,)"),
    ("history().layer_dead(1)",                     "a layer that does not exist",   ValueError,        "hidden layer 1 does not exist; there are 1"),
    ("history().layer_dead(-1)",                    "a negative layer",              ValueError,        "layer must be an int >= 0, got -1"),
    ("history().layer_dead('0')",                   "a str layer",                   TypeError,         "layer must be an int, got str"),
]

VIZ = [
    ("draw_graph(5.0)",                             "a number, not a Value",         TypeError,         "draw_graph expects a Value, got float"),
    ("draw_graph(net())",                           "a model, not a Value",          TypeError,         "got MLP"),
    ("draw_graph(Value(1.0), rankdir='XY')",        "unknown direction",             ValueError,        "unknown rankdir 'XY'; valid: 'LR', 'RL', 'TB', 'BT'"),
    ("draw_graph(Value(1.0), max_nodes=0)",         "max_nodes 0",                   ValueError,        "max_nodes must be a positive int"),
    ("draw_graph(Value.sum([Value(1.0), Value(2.0), Value(3.0)]), max_nodes=3)", "graph too big", ValueError, "4 Values, more than max_nodes=3"),
    ("draw_network(Value(1.0), X)",                 "a Value, not an MLP",           TypeError,         "draw_network expects an MLP"),
    ("draw_network(net(), X, max_edges=-1)",        "negative max_edges",            ValueError,        "max_edges must be a positive int"),
    ("draw_network(net(), [])",                     "no inputs",                     ValueError,        "X is empty"),
    ("draw_network(net(), [[math.inf, 1.0]])",      "an infinite input",             ValueError,        "every input must be finite"),
    ("draw_network(net(), [[1.0]])",                "a row of the wrong length",     ValueError,        "the model expects 2"),
    ("backprop_page(5.0)",                          "a number, not a Value",         TypeError,         "backprop_page expects a Value, got float"),
    ("backprop_page(Value(1.0), gradient='1')",     "a str seed",                    TypeError,         "gradient must be a real number, got str"),
    ("backprop_page(Value(1.0), gradient=Value(2.0))", "a Value as seed",            TypeError,         "gradient must be a real number, got Value"),
    ("backprop_page(Value(1.0), gradient=math.nan)", "(a NaN seed, as backward(nan))", WORKS,           "'[\"nan\",\"nan\"]' in result.html"),
    ("backprop_page(Value(1.0), accumulate='yes')", "a str flag",                    TypeError,         "accumulate must be a bool, got str"),
    ("backprop_page(Value(1.0), title=None)",       "None as title",                 TypeError,         "title must be a str, got NoneType"),
    ("backprop_page(Value(1.0), rankdir='XY')",     "unknown direction",             ValueError,        "unknown rankdir 'XY'"),
    ("training_film(net(), X)",                     "a model, not a dict of runs",   TypeError,         "runs must be a dict of name -> (model, history), got MLP"),
    ("training_film({}, X)",                        "no runs",                       ValueError,        "runs is empty"),
    ("training_film({'ReLU': (net(), history())}, [])", "no inputs",                 ValueError,        "X is empty"),
    ("training_film({'ReLU': (net(), DeadNeuronHistory())}, X)", "an empty history", ValueError,        "record at least one step"),
    ("training_film({'ReLU': (history(), net())}, X)", "history and model swapped",  TypeError,         "the model must be an MLP, got DeadNeuronHistory"),
    ("training_film({'ReLU': (MLP(2, [5, 1]), history())}, X)", "another model's history", ValueError,  "state dict does not match"),
]

FILES = [  # `tmp` is a fresh folder; `saved` the path of a model saved in it; `text` writes a file
    ("save(params(), tmp / 'm.json')",              "parameters, not the model",     TypeError,         "save expects an MLP, got list"),
    ("save(Neuron(2), tmp / 'm.json')",             "a Neuron",                      TypeError,         "got Neuron"),
    ("save(net(), 5)",                              "a number as path",              TypeError,         "path must be a str or os.PathLike, got int"),
    ("save(net(), b'm.json')",                      "a bytes path",                  TypeError,         "got bytes"),
    ("save(net(), tmp)",                            "a folder as path",              IsADirectoryError, "it is a directory"),
    ("save(net(), tmp / 'no' / 'm.json')",          "a folder that does not exist",  FileNotFoundError, "the folder"),
    ("save(net(), saved / 'm.json')",               "a file as folder",              NotADirectoryError, "is not a folder"),
    ("save(diverged, tmp / 'm.json')",              "NaN weights",                   ValueError,        "is nan (all must be finite)"),
    ("load(save(net(), tmp / 'model.pkl'))",        "(a suffix other than .json)",   WORKS,             "result.state_dict() == net().state_dict()"),
    ("load(str(saved))",                            "(a str path)",                  WORKS,             "isinstance(result, MLP)"),
    ("draw_graph(Value(1.0)).render(tmp / 'g.jpg')", "an unsupported suffix",      ValueError,        "supported suffixes are .svg, .png, .pdf, .dot"),
    ("draw_graph(Value(1.0)).render(tmp / 'graph')", "no suffix",                    ValueError,        "cannot render to 'graph'"),
    ("draw_graph(Value(1.0)).render(tmp)",          "a folder as path",              ValueError,        "supported suffixes"),
    ("draw_graph(Value(1.0)).render(tmp / 'no' / 'g.svg')", "a folder that does not exist", FileNotFoundError, "the folder"),
    ("draw_graph(Value(1.0)).render(5)",            "a number as path",              TypeError,         "os.PathLike"),
    ("backprop_page(Value(1.0)).save(tmp / 'p.svg')", "a picture's suffix",         ValueError,        "the suffix must be .html or .htm"),
    ("backprop_page(Value(1.0)).save(tmp)",         "a folder as path",              ValueError,        "the suffix must be .html"),
    ("backprop_page(Value(1.0)).save(tmp / 'no' / 'p.html')", "a folder that does not exist", FileNotFoundError, "the folder"),
    ("training_film({'ReLU': (net(), history())}, X).save(5)", "a number as path",   TypeError,         "os.PathLike"),
    ("backprop_page(Value(1.0)).save(tmp / 'P.HTML')", "(an upper-case suffix)",     WORKS,             "result.read_text().startswith('<!DOCTYPE html>')"),
    ("load(tmp / 'missing.json')",                  "a missing file",                FileNotFoundError, "no model file at"),
    ("load(tmp)",                                   "a folder",                      IsADirectoryError, "Is a directory"),
    ("load(None)",                                  "None",                          TypeError,         "path must be a str or os.PathLike"),
    ("load(text('m.json', ''))",                    "an empty file",                 ValueError,        "invalid JSON"),
    ("load(text('m.json', '{\"format\": \"microgradrelu.mlp\"'))", "a truncated file", ValueError,      "invalid JSON"),
    ("load(text('m.svg', '<svg></svg>'))",          "a picture, not a model",        ValueError,        "m.svg is not a valid model file"),
    ("load(text('m.json', '{}'))",                  "an empty object",               ValueError,        "missing ['format', 'version'"),
    ("load(text('m.json', saved.read_text().replace('pe\": 0.01', 'pe\": ' + '1' * 400)))", "a 400-digit slope", ValueError, "negative_slope must be finite"),
    ("load(text('m.json', saved.read_text().replace('b\": 0.0', 'b\": ' + '1' * 400)))", "a 400-digit weight", ValueError, "must be finite, got 111"),
    ("load(text('m.json', 'NaN'))",                 "a bare NaN",                    ValueError,        "NaN is not allowed"),
]

HARDENING = [  # issue 14, with each back end. `fifo`: a named pipe (loading one: test_files.py); `big`: a sparse 200 MB file
    ("load(big)",                                   "a 200 MB file",                 ValueError,        "200000000 bytes, more than max_bytes=67108864 (64 MiB)"),
    ("load(saved, max_bytes=100)",                  "a cap below the file's size",   ValueError,        "more than max_bytes=100 "),
    ("load(saved, max_bytes=2**40).nin",            "(a cap far above it)",          WORKS,             "result == 2"),
    ("load(saved, max_bytes=0)",                    "a zero cap",                    ValueError,        "max_bytes must be a positive int, got 0"),
    ("load(saved, max_bytes=64.0)",                 "a float cap",                   TypeError,         "max_bytes must be an int, got float"),
    ("load(saved, max_bytes=True)",                 "a bool cap",                    TypeError,         "got bool"),
    ("load('/dev/null')",                           "a device",                      ValueError,        "is a character device, not a regular file"),
    ("load(text('m.json', '{\"' + 'k' * 10**6 + '\": 1}'))", "a 1 MB unknown key", ValueError,        "unknown ['kkkkkkkkkkkkkkkkk...kkkkkkkkkkkkkkkkkk']"),
    ("save(net(), fifo)",                           "a named pipe as target",        ValueError,        "it is not a regular file"),
    ("draw_graph(Value(1.0)).svg(timeout=0)",       "a zero timeout",                ValueError,        "timeout must be a positive number of seconds"),
    ("draw_graph(Value(1.0)).svg(timeout=-5)",      "a negative timeout",            ValueError,        "got -5"),
    ("draw_graph(Value(1.0)).svg(timeout=math.nan)", "a NaN timeout",                ValueError,        "got nan"),
    ("draw_graph(Value(1.0)).svg(timeout='60')",    "a str timeout",                 TypeError,         "timeout must be a number of seconds (or None for the default), got str"),
    ("draw_graph(Value(1.0)).render(tmp / 'g.svg', timeout=0)", "a zero timeout",    ValueError,        "timeout must be a positive"),
    ("draw_graph(Value(1.0)).svg(timeout=math.inf)", "(no time limit)",              WORKS,             "result.startswith('<?xml')"),
    ("draw_graph(Value(1.0)).svg(timeout=10**400)", "(an int beyond floats: no limit)", WORKS,          "result.startswith('<?xml')"),
    ("draw_graph(Value(1.0)).svg(timeout=None)",    "(the default timeout)",         WORKS,             "result.startswith('<?xml')"),
    ("draw_graph(Value(1.0)).render(tmp / 'g.svg', timeout=30).name", "(a timeout for a file)", WORKS,  "result == 'g.svg'"),
    ("draw_graph(Value(1.0, label='nul\\x00')).svg()", "a NUL in a label",          WORKS,             "'nul\\\\x00' in ET.fromstring(result).itertext()"),
    ("draw_graph(Value(1.0, label='\\x01')).svg()", "a control character",           WORKS,             "'\\\\x01' in ET.fromstring(result).itertext()"),
    ("draw_graph(Value(1.0, label='\\ud800')).svg()", "a lone surrogate",            WORKS,             "'\\\\ud800' in ET.fromstring(result).itertext()"),
    ("draw_graph(Value(1.0, label='&amp;')).svg()", "an entity",                     WORKS,             "'&amp;' in ET.fromstring(result).itertext()"),
    ("draw_graph(Value(1.0, label='&#60;')).svg()", "a numeric entity",              WORKS,             "'&#60;' in ET.fromstring(result).itertext()"),
    ("render('digraph { a -> }', 'svg')",           "DOT with a syntax error",       RenderError,       ""),
    ("render(b'digraph { a }', 'svg')",             "bytes, not str",                TypeError,         "source must be a str of DOT text, got bytes"),
    ("render('digraph { a }', 5)",                  "a number as format",            TypeError,         "fmt must be a str"),
    ("render('digraph { a [label=\"\\x00\"] }', 'svg')", "a raw NUL in the DOT",     ValueError,        "NUL character"),
    ("render('digraph { a [label=\"\\udc80\"] }', 'svg')", "a lone surrogate in the DOT", ValueError,  "not valid Unicode"),
]
# fmt: on


def rows(table: list[tuple[str, str, type[BaseException] | None, str]]) -> list[Any]:
    return [pytest.param(call, outcome, check, id=f"{call}  [{wrong}]") for call, wrong, outcome, check in table]


def run_row(call: str, outcome: type[BaseException] | None, check: str, namespace: dict[str, Any]) -> None:
    if outcome is WORKS:
        result = eval(call, namespace)
        assert eval(check, {**namespace, "result": result}), f"{call} gave {result!r}"
        return
    with pytest.raises(outcome) as info:
        eval(call, namespace)
    assert type(info.value) is outcome, f"{call} raised {type(info.value).__name__}, not {outcome.__name__}"
    assert check in str(info.value), f"{call}: {check!r} not in {str(info.value)!r}"


@pytest.mark.parametrize(("call", "outcome", "check"), rows(ENGINE + NN + OPTIM + LOSSES + DATA + DIAGNOSTICS + VIZ))
def test_in_memory(call: str, outcome: type[BaseException] | None, check: str) -> None:
    run_row(call, outcome, check, NAMESPACE)


@pytest.mark.skipif(np is None, reason="numpy is not installed")
@pytest.mark.parametrize(("call", "outcome", "check"), rows(NUMPY))
def test_numpy(call: str, outcome: type[BaseException] | None, check: str) -> None:
    run_row(call, outcome, check, NAMESPACE)


@pytest.mark.parametrize(("call", "outcome", "check"), rows(FILES))
def test_files(tmp_path: Path, call: str, outcome: type[BaseException] | None, check: str) -> None:
    saved = save(net(), tmp_path / "saved.json")
    diverged = net()
    diverged.parameters()[0].data = math.nan

    def text(name: str, content: str) -> Path:
        (tmp_path / name).write_text(content)
        return tmp_path / name

    before = sorted(p.name for p in tmp_path.iterdir())
    run_row(call, outcome, check, {**NAMESPACE, "tmp": tmp_path, "saved": saved, "diverged": diverged, "text": text})
    if outcome is not WORKS:  # a failed save writes nothing, not even a temporary file
        after = sorted(p.name for p in tmp_path.iterdir())
        assert after == before or call.startswith("load(text"), after


def test_every_public_name_has_a_row() -> None:
    """The audit covers the whole public API: each name in microgradrelu.__all__ appears in a call."""
    tables = ENGINE + NN + OPTIM + LOSSES + DATA + NUMPY + DIAGNOSTICS + VIZ + FILES + BREADTH + BRIDGE
    calls = " ".join(call for call, *_ in tables)
    missing = [name for name in microgradrelu.__all__ if f"{name}(" not in calls and f"{name}." not in calls]
    assert missing == []


# --- per-layer activations, PReLU, multi-class losses, the spiral, the PyTorch bridge (issue 15) ---
# fmt: off
BREADTH = [
    ("MLP(2, [3, 3, 1], activation=['relu'])",      "one name for two hidden layers", ValueError,       "activation has 1 names but the model has 2 hidden layers"),
    ("MLP(2, [3, 1], activation=['relu', 'tanh'])", "a name too many",               ValueError,        "but the model has 1 hidden layer (give one name per hidden layer"),
    ("MLP(2, [3, 1], activation=['gelu'])",         "an unknown name in the list",   ValueError,        "unknown activation 'gelu'; valid: 'relu'"),
    ("MLP(2, [3, 1], activation=[None])",           "None in the list",              TypeError,         "activation must be a str"),
    ("MLP(2, [3, 1], activation=5)",                "a number",                      TypeError,         "activation must be a name or a list of names (one per hidden layer), got int"),
    ("MLP(2, [3, 1], activation={'relu'})",         "a set (no order)",              TypeError,         "got set"),
    ("MLP(2, [3, 1], output_activation='softmax')", "an unknown output activation",  ValueError,        "unknown output_activation 'softmax'"),
    ("MLP(2, [3, 1], output_activation=0)",         "a number",                      TypeError,         "output_activation must be a str"),
    ("MLP(2, [3, 3, 1], activation=('relu', 'tanh')).activation", "(a tuple of names)", WORKS,          "result == ['relu', 'tanh']"),
    ("MLP(2, [1], activation=[]).output_activation", "(no hidden layer, no names)",  WORKS,             "result == 'linear'"),
    ("Value(-2.0).prelu('0.25')",                   "a str slope",                   TypeError,         "prelu's slope must be a Value or a real number, got str"),
    ("Value(-2.0).prelu(Value(0.25)).data",         "(a Value slope)",               WORKS,             "result == -0.5"),
    ("Value(-2.0).prelu(0.25).data",                "(a number slope: a constant)",  WORKS,             "result == -0.5"),
    ("Value(-2.0).log1p().data",                    "(log1p below -1)",              WORKS,             "math.isnan(result)"),
    ("cross_entropy_loss([], [])",                  "empty input",                   ValueError,        "cross_entropy_loss: empty input"),
    ("cross_entropy_loss([[1.0, 2.0]], [0, 1])",    "more targets than rows",        ValueError,        "1 rows of logits but 2 targets"),
    ("cross_entropy_loss([[1.0, 2.0]], [2])",       "a class index too large",       ValueError,        "target 2 is not a class index; the logits have 2 classes (0..1)"),
    ("cross_entropy_loss([[1.0, 2.0]], [-1])",      "a negative class index",        ValueError,        "every target (a class index) must be an int >= 0, got -1"),
    ("cross_entropy_loss([[1.0, 2.0]], [1.0])",     "a float class index",           TypeError,         "every target (a class index) must be an int, got float"),
    ("cross_entropy_loss([[1.0, 2.0]], [True])",    "a bool class index",            TypeError,         "got bool"),
    ("cross_entropy_loss(scores(), [1, 0])",        "one row of scores, not rows",   TypeError,         "logits must be a list of rows, one list of K class scores per example; row 0 is Value"),
    ("cross_entropy_loss([[1.0, 2.0], [1.0]], [0, 0])", "rows of different lengths", ValueError,        "row 1 of logits has 1 scores, row 0 has 2"),
    ("cross_entropy_loss([[]], [0])",               "an empty row",                  ValueError,        "row 0 of logits is empty"),
    ("cross_entropy_loss([['a', 'b']], [0])",       "strs as scores",                TypeError,         "every logit must be a Value or a real number, got str"),
    ("cross_entropy_loss([{0: 1.0}], [0])",         "a dict as a row",               TypeError,         "got dict"),
    ("cross_entropy_loss([[Value(math.nan), 0.0]], [0])", "a NaN logit (diverged)",  ValueError,        "a logit is nan (has training diverged?"),
    ("cross_entropy_loss([[1000.0, -1000.0]], [1]).data", "(huge logits)",           WORKS,             "result == 2000.0"),
    ("cross_entropy_loss(((v, 0.0) for v in scores()), [0, 1]).data", "(a generator of tuples)", WORKS, "abs(result - (math.log1p(math.exp(-0.5)) + math.log1p(math.exp(-2.0))) / 2) < 1e-15"),
    ("bce_loss([Value(1.5)], [1])",                 "a probability above 1",         ValueError,        "bce_loss: a probability is 1.5, outside [0, 1]"),
    ("bce_loss([Value(math.nan)], [1])",            "a NaN probability",             ValueError,        "a probability is nan"),
    ("bce_loss([Value(0.5)], [2])",                 "target outside [0, 1]",         ValueError,        "targets must be in [0, 1]"),
    ("bce_loss([Value(0.5)], [])",                  "no targets",                    ValueError,        "1 predictions but 0 targets"),
    ("bce_loss([Value(0.0), Value(1.0)], [1, 0]).data", "(certain and wrong: clamped)", WORKS,          "result == 100.0"),
    ("make_spiral(0)",                              "zero points",                   ValueError,        "n_per_class must be a positive int, got 0"),
    ("make_spiral(10, classes=0)",                  "zero classes",                  ValueError,        "classes must be a positive int, got 0"),
    ("make_spiral(10, classes=2.0)",                "a float class count",           TypeError,         "classes must be an int, got float"),
    ("make_spiral(10, noise=-0.2)",                 "negative noise",                ValueError,        "noise must be >= 0, got -0.2"),
    ("make_spiral(1, classes=2)",                   "(one point per class)",         WORKS,             "sorted(result[1]) == [0, 1]"),
    ("to_torch(Value(1.0))",                        "a Value, not an MLP",           TypeError,         "to_torch expects an MLP, got Value"),
]

BRIDGE = [  # `nn` is torch.nn (these rows need PyTorch)
    ("from_torch(nn.Linear(2, 1))",                 "a Linear, not a Sequential",    TypeError,         "from_torch expects a torch.nn.Sequential, got Linear"),
    ("from_torch([nn.Linear(2, 1)])",               "a list of modules",             TypeError,         "got list"),
    ("from_torch(nn.Sequential())",                 "an empty Sequential",           ValueError,        "the Sequential is empty"),
    ("from_torch(nn.Sequential(nn.Conv1d(1, 1, 1)))", "a layer type we lack",        TypeError,         "module 0 is Conv1d; supported: Linear, ReLU, LeakyReLU, PReLU, Tanh, Sigmoid, Identity"),
    ("from_torch(nn.Sequential(nn.Linear(2, 3), nn.Softmax(dim=1)))", "a softmax output", TypeError,    "module 1 is Softmax"),
    ("from_torch(nn.Sequential(nn.ReLU(), nn.Linear(2, 1)))", "an activation first", ValueError,        "module 0 (ReLU) must follow a Linear layer"),
    ("from_torch(nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Tanh()))", "two activations in a row", ValueError, "module 2 (Tanh) must follow a Linear layer"),
    ("from_torch(nn.Sequential(nn.Linear(2, 3), nn.Linear(4, 1)))", "shapes that do not chain", ValueError, "module 1 (Linear) expects 4 inputs but the layer before gives 3"),
    ("from_torch(nn.Sequential(nn.Linear(2, 3, bias=False)))", "a Linear without bias", ValueError,      "module 0 is a Linear without bias"),
    ("from_torch(nn.Sequential(nn.Linear(2, 3), nn.LeakyReLU(0.1), nn.Linear(3, 3), nn.LeakyReLU(0.2), nn.Linear(3, 1)))", "two leaky slopes", ValueError, "LeakyReLU slopes [0.1, 0.2] differ"),
    ("from_torch(nn.Sequential(nn.Linear(2, 3), nn.PReLU(2), nn.Linear(3, 1)))", "a PReLU of the wrong size", ValueError, "layer 0 has 3 neurons but its PReLU 2 slopes (need 3 or 1)"),
    ("from_torch(nn.Sequential(nn.Linear(2, 3), nn.PReLU(), nn.Linear(3, 1))).parameters()[-5].data", "(one shared PReLU slope)", WORKS, "result == 0.25"),
    ("from_torch(nn.Sequential(nn.Linear(2, 1, dtype=torch.float32))).nouts", "(float32 weights)", WORKS, "result == [1]"),
    ("from_torch(nn.Sequential(nn.Linear(2, 1, dtype=torch.complex64)))", "complex weights", ValueError, "weights must be real floating point, got torch.complex64"),
    ("from_torch(nn.Sequential(nan_linear()))",     "a NaN weight",                  ValueError,        "must be finite, got nan"),
    ("to_torch(mixed())",                           "a layer mixing activations",    ValueError,        "layer 0 mixes activations (['relu', 'tanh']): a torch layer has one"),
]
# fmt: on


@pytest.mark.parametrize(("call", "outcome", "check"), rows(BREADTH))
def test_breadth(call: str, outcome: type[BaseException] | None, check: str) -> None:
    run_row(call, outcome, check, NAMESPACE)


@pytest.mark.parametrize(("call", "outcome", "check"), rows(BRIDGE))
def test_torch_bridge(torch: Any, call: str, outcome: type[BaseException] | None, check: str) -> None:
    def nan_linear() -> Any:
        linear = torch.nn.Linear(2, 1, dtype=torch.float64)
        with torch.no_grad():
            linear.weight[0, 1] = math.nan
        return linear

    def mixed() -> MLP:
        model = net()
        model.layers[0].neurons[2].activation = "tanh"
        return model

    run_row(
        call, outcome, check, {**NAMESPACE, "torch": torch, "nn": torch.nn, "nan_linear": nan_linear, "mixed": mixed}
    )


@pytest.fixture(params=["dot", "in-process"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each HARDENING row with the `dot` program (when installed) and without it."""
    real_which = shutil.which
    if request.param == "dot" and real_which("dot") is None:
        pytest.skip("the Graphviz dot program is not installed")
    if request.param == "in-process":
        monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "dot" else real_which(name, *a, **k))
    return request.param


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
@pytest.mark.parametrize(("call", "outcome", "check"), rows(HARDENING))
def test_hardening(tmp_path: Path, backend: str, call: str, outcome: type[BaseException] | None, check: str) -> None:
    saved = save(net(), tmp_path / "saved.json")
    os.mkfifo(tmp_path / "fifo")
    with open(tmp_path / "big.json", "wb") as f:
        f.truncate(200_000_000)

    def text(name: str, content: str) -> Path:
        (tmp_path / name).write_text(content)
        return tmp_path / name

    namespace = {**NAMESPACE, "tmp": tmp_path, "saved": saved, "fifo": tmp_path / "fifo", "big": tmp_path / "big.json"}
    namespace |= {"text": text, "render": render, "RenderError": RenderError, "ET": ET}
    before = sorted(p.name for p in tmp_path.iterdir())
    run_row(call, outcome, check, namespace)
    after = sorted(p.name for p in tmp_path.iterdir())
    assert after == before or call.startswith(("load(text", "draw_graph(Value(1.0)).render(tmp / 'g.svg', timeout=30)"))
