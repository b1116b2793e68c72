"""One neuron with three inputs, Z = X1·W1 + X2·W2 + X3·W3 + b, passed through ReLU: where its
gradient goes, and where it stops. It is README's ten-line neuron (X = (1, -2, 0.5), b = 0.1),
and its z < 0 picture is README's (docs/neuron_dead.svg, from `--out docs`).

Claim (the article): ReLU's derivative is 1 for z > 0 and 0 for z < 0. So when z > 0 the
gradient of the output reaches every weight (∂A/∂Wi = Xi), and when z < 0 it reaches none
(∂A/∂Wi = 0): the neuron cannot learn from that input. Leaky ReLU, f(z) = 0.01·z for z < 0,
still passes 0.01 of it.

How it is measured: the neuron is built from labelled Values (X1..X3, W1..W3, b, Z, A), the
engine's backward() is run from A, and the gradients W1.grad..W3.grad are printed, for one
weight vector giving z > 0, one giving z < 0, and the z < 0 one again with Leaky ReLU; the
ratio of the Leaky ReLU gradients to ∂Z/∂Wi (= Xi, measured by backward from Z) is printed.
The three computation graphs are rendered (viz.draw_graph); in the z < 0 ReLU graph the
ReLU node and its edge are marked blocked.

Nothing here is random: each claim is one exact computation ("of": 1 in --json). --seeds and
--first-seed are accepted, like every demo's, and change nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import _common

from microgradrelu import Value
from microgradrelu.viz import draw_graph

X = (1.0, -2.0, 0.5)  # README's ten-line neuron
B = 0.1
CASES = {
    "active": ((0.4, -0.3, 0.6), "relu"),  # z = 0.4 + 0.6 + 0.3 + 0.1 = 1.4 > 0
    "dead": ((0.4, 0.3, -0.6), "relu"),  # README's: z = 0.4 - 0.6 - 0.3 + 0.1 = -0.4 < 0
    "leaky": ((0.4, 0.3, -0.6), "leaky_relu"),  # same z < 0, Leaky ReLU
}


def build(weights: Sequence[float], activation: str) -> tuple[Value, Value, list[Value]]:
    """The article's neuron from labelled Values; returns (A, Z, [W1, W2, W3])."""
    xs = [Value(x, f"X{i + 1}") for i, x in enumerate(X)]
    ws = [Value(w, f"W{i + 1}") for i, w in enumerate(weights)]
    z = Value.sum([*(x * w for x, w in zip(xs, ws)), Value(B, "b")])  # as README writes it
    z.label = "Z"
    a = z.relu() if activation == "relu" else z.leaky_relu(0.01)
    a.label = "A"
    return a, z, ws


def main(argv: Sequence[str] | None = None) -> dict:
    args, clock = _common.start(_common.parser(__doc__, seeds=1), argv)
    out = args.out

    print(f"inputs X1, X2, X3 = {X}\n")
    rows, results, pictures = [], {}, []
    for name, (weights, activation) in CASES.items():
        a, z, ws = build(weights, activation)
        a.backward()
        grads = [w.grad for w in ws]
        # ∂Z/∂Wi on a fresh copy: the gradient a purely linear unit would pass
        _, z_only, ws_lin = build(weights, activation)
        z_only.backward()
        linear = [w.grad for w in ws_lin]
        ratio = [g / lg for g, lg in zip(grads, linear)]
        results[name] = {"z": z.data, "a": a.data, "grads": grads, "linear_grads": linear, "ratio": ratio}
        rows.append([name, activation, f"{z.data:+.2f}", f"{a.data:+.4f}", *[f"{g:+.4f}" for g in grads]])
        path = out / f"neuron_{name}.svg"
        draw_graph(a).render(path)
        pictures.append(path)
    print(_common.table(["case", "activation", "Z", "A", "∂A/∂W1", "∂A/∂W2", "∂A/∂W3"], rows))
    print("\nmeasured ∂A/∂Wi ÷ ∂Z/∂Wi over the three weights (1 = gradient passes whole, 0 = blocked):")
    for name in CASES:
        r = results[name]["ratio"]
        print(f"  {name:>6} (z = {results[name]['z']:+.2f}): {min(r):g} .. {max(r):g}")
    results["claims"] = _common.report("neuron", claims(results), args)
    results.update(_common.finish(clock, pictures))
    return results


def claims(results: dict) -> list[_common.Claim]:
    """The three derivatives, each compared exactly with what the article says."""
    expected = {
        "active": ("relu_passes_whole_gradient_when_z_positive", 1.0, "With z > 0, ReLU passes the gradient whole"),
        "dead": ("relu_passes_no_gradient_when_z_negative", 0.0, "With z < 0, ReLU passes no gradient"),
        "leaky": (
            "leaky_relu_passes_slope_when_z_negative",
            0.01,
            "With z < 0, Leaky ReLU passes 0.01 of the gradient",
        ),
    }
    found = []
    for name, (claim_id, factor, said) in expected.items():
        r = results[name]
        want = [factor * g for g in r["linear_grads"]]  # ∂Z/∂Wi = Xi, measured
        held = all(math.isclose(g, w, rel_tol=1e-12, abs_tol=0.0) for g, w in zip(r["grads"], want))
        formula = {1.0: "Xi", 0.0: "0"}.get(factor, f"{factor:g}·Xi")
        found.append(
            _common.Claim.exact(
                claim_id,
                f"{said} to the weights: ∂A/∂Wi = {formula}.",
                held,
                {"z": r["z"], "grads": r["grads"], "expected": want},
                f"z = {r['z']:+.2f}: ∂A/∂W = {tuple(r['grads'])}, expected {tuple(want)}",
            )
        )
    return found


if __name__ == "__main__":
    main()
