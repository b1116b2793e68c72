"""Smoke tests: every demo runs with small sizes on a few seeds, its claims point the way the
demo says on them, and its --json summary has the documented shape.

Each demo is imported from demos/ and its `main(argv)` called with small sizes, `--jobs 1` and
`--out tmp_path`; the returned measurements are checked, and its pictures must exist (SVGs must
parse as XML). No figure of a default run is written here: the checks are directions (ReLU units
lose their gradient, Leaky ReLU units do not, ...), not numbers. matplotlib comes with the `test`
extra, so these never skip."""

from __future__ import annotations

import importlib.util
import json
import random
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import ModuleType

import pytest

from microgradrelu import MLP, make_moons

DEMOS = Path(__file__).resolve().parent.parent / "demos"
NAMES = ("neuron", "dead_neurons", "no_activation", "moons", "born_dead", "activations", "spiral")


def load(name: str) -> ModuleType:
    """Import demos/<name>.py (demos import `_common` from their own folder)."""
    if str(DEMOS) not in sys.path:
        sys.path.insert(0, str(DEMOS))
    spec = importlib.util.spec_from_file_location(f"demo_{name}", DEMOS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(name: str, tmp_path: Path, *argv: str) -> tuple[dict, dict]:
    """main(argv) with --out and --json in tmp_path, one process; returns (result, the JSON read back),
    after checking the JSON's documented shape and that it equals what main returned."""
    path = tmp_path / f"{name}.json"
    result = load(name).main([*argv, "--jobs", "1", "--out", str(tmp_path), "--json", str(path)])
    summary = json.loads(path.read_text(encoding="utf-8"))
    assert set(summary) == {"demo", "claims"} and summary["demo"] == name
    assert summary["claims"] == result["claims"]
    ids = [c["id"] for c in summary["claims"]]
    assert len(ids) == len(set(ids)) > 0
    for claim in summary["claims"]:
        assert set(claim) == {"id", "statement", "seeds", "held", "of", "figures"}
        assert re.fullmatch(r"[a-z][a-z0-9_]*", claim["id"]), claim["id"]
        assert isinstance(claim["statement"], str) and claim["statement"].endswith(".")
        assert isinstance(claim["figures"], dict)
        assert all(isinstance(s, int) for s in claim["seeds"])
        assert 0 <= claim["held"] <= claim["of"]
        assert claim["of"] == 1 or claim["of"] == len(claim["seeds"])
    return result, {c["id"]: c for c in summary["claims"]}


def check_pictures(result: dict, out: Path) -> list[ET.Element]:
    """Every picture the demo reports is in `out`, non-empty; SVGs are parsed."""
    roots = []
    assert result["pictures"]
    for path in result["pictures"]:
        path = Path(path)
        assert path.parent == out
        assert path.stat().st_size > 0, path
        if path.suffix == ".svg":
            roots.append(ET.parse(path).getroot())
        elif path.suffix == ".png":
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return roots


def svg_classes(root: ET.Element) -> list[str]:
    return [el.get("class", "") for el in root.iter()]


def held_everywhere(claim: dict) -> bool:
    return claim["held"] == claim["of"]


def test_neuron(tmp_path: Path) -> None:
    r, claims = run("neuron", tmp_path)
    assert r["active"]["z"] > 0 and r["dead"]["z"] < 0 and r["leaky"]["z"] < 0
    assert r["active"]["grads"] == r["active"]["linear_grads"] == [1.0, -2.0, 0.5]  # = X: README's neuron
    assert r["dead"]["grads"] == [0.0, 0.0, 0.0]
    assert r["leaky"]["grads"] == pytest.approx([0.01 * g for g in r["leaky"]["linear_grads"]], rel=1e-12)
    assert len(claims) == 3
    assert all(c["of"] == 1 and c["held"] == 1 and c["seeds"] == [] for c in claims.values())
    active_svg, dead_svg, leaky_svg = check_pictures(r, tmp_path)
    assert "node blocked" not in svg_classes(active_svg)
    assert svg_classes(dead_svg).count("node blocked") == 1
    assert svg_classes(leaky_svg).count("node blocked") == 0


def test_dead_neurons(tmp_path: Path) -> None:
    demo = load("dead_neurons")
    r, claims = run("dead_neurons", tmp_path, "--points", "30", "--steps", "10", "--seeds", "2", "--first-seed", "3")
    assert all(c["seeds"] == [3, 4] and c["of"] == 2 for c in claims.values())
    assert held_everywhere(claims["relu_units_lose_all_gradient"])
    assert held_everywhere(claims["leaky_units_keep_gradient"])
    assert held_everywhere(claims["dead_relu_weights_get_exactly_zero"])
    assert held_everywhere(claims["dead_first_layer_relu_units_stay_dead"])
    assert sum(claims["dead_relu_weights_get_exactly_zero"]["figures"]["dead_unit_steps"]) > 0  # not vacuous
    relu, leaky = r["runs"]["relu"], r["runs"]["leaky_relu"]
    for run_ in relu:
        assert run_["zero_gradient"][-1] >= run_["dead"][-1] > 0  # a dead ReLU gets no gradient from any input
    assert all(max(run_["zero_gradient"]) == 0 for run_ in leaky)
    assert all(run_["dead"] == [0] * len(run_["dead"]) for run_ in leaky)  # a Leaky ReLU unit is never dead
    # Leaky ReLU, first seed, end of training: every hidden neuron gets a nonzero gradient from some
    # input, measured here directly with the engine's backward (independently of gradient_reach).
    history = r["histories"]["leaky_relu"]
    model = MLP(2, demo.SIZES, activation="leaky_relu")
    model.load_state_dict(history.rows[-1].state)
    reached = set()
    for x in make_moons(n=30, noise=0.1, seed=3)[0]:
        model.zero_grad()
        model(x).backward()
        for li, layer in enumerate(model.layers[:-1]):
            reached |= {(li, ni) for ni, n in enumerate(layer.neurons) if n.b.grad != 0.0}
    assert reached == {(li, ni) for li, layer in enumerate(model.layers[:-1]) for ni in range(len(layer.neurons))}
    svgs = check_pictures(r, tmp_path)
    assert svg_classes(svgs[1]).count("node neuron dead") == relu[0]["dead"][-1]  # ReLU, after training
    assert svg_classes(svgs[3]).count("node neuron dead") == 0  # Leaky ReLU, after training


def test_no_activation(tmp_path: Path) -> None:
    r, claims = run("no_activation", tmp_path, "--points", "12", "--seeds", "2")
    assert all(a <= 0.75 for a in r["xor_linear_accuracy"])
    assert held_everywhere(claims["xor_linear_at_most_three_corners"])
    assert claims["xor_relu_all_four_corners"]["held"] >= 1
    affine = claims["linear_network_is_one_affine_map"]
    assert affine["of"] == 1 and affine["held"] == 1 and affine["seeds"] == [0, 1]
    assert r["affine_max_abs_diff"] <= 1e-12
    check_pictures(r, tmp_path)


def test_moons(tmp_path: Path) -> None:
    r, claims = run("moons", tmp_path, "--points", "30", "--steps", "60", "--seeds", "2")
    assert held_everywhere(claims["reaches_full_training_accuracy"])
    assert r["accuracy"] == 1.0
    assert r["parameters"] == 337
    check_pictures(r, tmp_path)


def test_born_dead(tmp_path: Path) -> None:
    argv = ["--trials", "40", "--widths", "2", "3", "--points", "4", "--seeds", "2"]
    r, claims = run("born_dead", tmp_path, *argv)
    he, rai = r["born_dead"]["he"], r["born_dead"]["rai"]
    assert r["trials"] == 80  # pooled over the seeds
    assert he[2][-1] >= 0.9  # width 2, depth 50: almost always born dead
    assert he[2][0] <= he[2][9] <= he[2][-1]  # grows with depth
    assert held_everywhere(claims["rai_fewer_born_dead_than_he"])
    assert held_everywhere(claims["born_dead_matches_closed_form"])
    assert rai[2][-1] < he[2][-1]
    for init in ("he", "rai"):  # the rule (a dead layer) implies the weaker event (constant output)
        for w in (2, 3):
            assert all(d <= c for d, c in zip(r["born_dead"][init][w], r["constant"][init][w]))
    check_pictures(r, tmp_path)


def test_activations(tmp_path: Path) -> None:
    argv = ["--points", "10", "--depths", "1", "6", "--max-steps", "40", "--seeds", "2"]
    r, claims = run("activations", tmp_path, *argv)
    assert held_everywhere(claims["sigmoid_first_layer_gradient_shrinks_more_than_relu"])
    assert {"relu_faster_than_tanh_at_most_depths", "relu_faster_than_sigmoid_at_most_depths"} <= set(claims)
    assert claims["relu_faster_than_tanh_at_most_depths"]["figures"]["depths"] == [1, 6]
    demo = load("activations")
    assert len(r["runs"]) == 2 * len(demo.CONFIGS)  # depths x (activation, init), each a list over the seeds
    assert all(len(runs) == 2 for runs in r["runs"].values())
    check_pictures(r, tmp_path)


def test_glorot_bounds() -> None:
    """The demo's Glorot init: every weight within ±√(6/(fan_in + fan_out)), biases 0, and not all tiny."""
    demo = load("activations")
    model = MLP(3, [5, 7, 1], activation="tanh", seed=0)
    demo.glorot(model, random.Random(0))
    for layer, (fan_in, fan_out) in zip(model.layers, [(3, 5), (5, 7), (7, 1)]):
        bound = (6 / (fan_in + fan_out)) ** 0.5
        weights = [w.data for n in layer.neurons for w in n.w]
        assert all(-bound <= w <= bound for w in weights)
        assert max(abs(w) for w in weights) > bound / 2
        assert all(n.b.data == 0.0 for n in layer.neurons)


def test_same_results_on_one_or_two_processes(tmp_path: Path) -> None:
    """The seeds run on a process pool; which process ran which seed must not change any figure.
    Run as a script (as a user does), once with --jobs 1 and once with --jobs 2."""
    argv = ["--trials", "6", "--widths", "2", "3", "--points", "4", "--seeds", "3", "--first-seed", "5"]
    summaries = []
    for jobs in ("1", "2"):
        path = tmp_path / f"jobs{jobs}.json"
        subprocess.run(
            [
                sys.executable,
                str(DEMOS / "born_dead.py"),
                *argv,
                "--jobs",
                jobs,
                "--out",
                str(tmp_path),
                "--json",
                str(path),
            ],
            check=True,
            capture_output=True,
        )
        summaries.append(json.loads(path.read_text(encoding="utf-8")))
    assert summaries[0] == summaries[1]
    assert [c["seeds"] for c in summaries[0]["claims"]] == [[5, 6, 7]] * 2


def test_spiral(tmp_path: Path) -> None:
    small = ["--points", "8", "--hidden", "6", "--steps", "12", "--lrs", "0.3", "6"]
    r, claims = run("spiral", tmp_path, *small, "--seeds", "2", "--first-seed", "5")
    assert r["seeds"] == [5, 6] and r["lrs"] == [0.3, 6.0]
    assert len(r["runs"]) == 2 * 2 + 2 * 2  # ReLU at each lr, Leaky ReLU and PReLU at the smallest, per seed
    assert set(claims) == {
        "three_activations_fit_the_spiral",
        "more_relu_units_die_at_a_higher_lr",
        "a_too_high_lr_kills_40_percent",
    }
    assert claims["more_relu_units_die_at_a_higher_lr"]["held"] == 2  # lr 6 kills units even at this size
    relu = [run for run in r["runs"] if run["activation"] == "relu"]
    assert all(run["dead"] == run["no_gradient"] for run in relu)  # dead units are those backward gives nothing
    check_pictures(r, tmp_path)


def test_help_and_old_seed_option(capsys: pytest.CaptureFixture[str]) -> None:
    for name in NAMES:
        with pytest.raises(SystemExit) as exc:
            load(name).main(["--help"])
        assert exc.value.code == 0
        text = capsys.readouterr().out
        for option in ("--out", "--seeds", "--first-seed", "--json", "--jobs"):
            assert option in text, (name, option)
    with pytest.raises(SystemExit) as exc:  # --seed is not silently read as --seeds
        load("moons").main(["--seed", "3"])
    assert exc.value.code == 2
    assert "--first-seed" in capsys.readouterr().err
