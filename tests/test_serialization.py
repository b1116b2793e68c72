"""state_dict / load_state_dict and save / load: bit-exact round trips, all-or-nothing
loading, atomic writes, and a clear error for every way a model file can be wrong.

The bad-input rows for these functions are in test_bad_inputs.py; the random round trips
and random corruptions are in test_properties.py. This file covers behaviour that needs
more than one call to check (nothing applied, nothing left behind, file unchanged).
"""

from __future__ import annotations

import json
import math
import os
import pickle
import struct
from pathlib import Path

import pytest

import microgradrelu
from microgradrelu import MLP, Neuron, Value, load, save
from microgradrelu.activations import ACTIVATIONS
from microgradrelu.nn import INITS
from microgradrelu.serialization import FORMAT, VERSION


def bits(model: MLP) -> dict[str, bytes]:
    """Every weight as its 8 IEEE bytes: equality here is bit-for-bit (it tells -0.0 from 0.0)."""
    return {name: struct.pack("<d", x) for name, x in model.state_dict().items()}


def saved(tmp_path: Path, model: MLP | None = None) -> Path:
    return microgradrelu.save(model or MLP(2, [3, 1], seed=0), tmp_path / "model.json")


def edit(path: Path, change: object) -> Path:
    """Rewrite the saved JSON document through `change(doc)`."""
    doc = json.loads(path.read_text())
    change(doc)  # type: ignore[operator]
    path.write_text(json.dumps(doc))
    return path


# --- state_dict / load_state_dict -----------------------------------------------------------


def test_state_dict_is_a_snapshot_by_dotted_name() -> None:
    mlp = MLP(2, [3, 1], seed=0)
    state = mlp.state_dict()
    assert list(state) == [name for name, _ in mlp.named_parameters()]
    assert all(type(x) is float for x in state.values())
    mlp.parameters()[0].data += 1.0
    assert state["layers.0.neurons.0.w.0"] == mlp.parameters()[0].data - 1.0


def test_load_state_dict_copies_weights_between_models() -> None:
    a, b = MLP(3, [4, 2], seed=1), MLP(3, [4, 2], seed=2)
    assert bits(a) != bits(b)
    b.load_state_dict(a.state_dict())
    assert bits(a) == bits(b)
    assert [v.data for v in a([0.5, -1.0, 2.0])] == [v.data for v in b([0.5, -1.0, 2.0])]


def test_load_state_dict_works_on_any_module() -> None:
    n = Neuron(2)
    n.load_state_dict({"w.0": 1, "w.1": -2.5, "b": 0.25})  # ints are real numbers too
    assert [p.data for p in n.parameters()] == [1.0, -2.5, 0.25]


@pytest.mark.parametrize(
    ("change", "error", "fragment"),
    [
        (lambda s: s.pop("layers.1.neurons.0.b"), ValueError, "1 missing ('layers.1.neurons.0.b')"),
        (lambda s: s.update({"layers.9.b": 0.0}), ValueError, "1 unexpected ('layers.9.b')"),
        (lambda s: s.update({"layers.1.neurons.0.b": math.nan}), ValueError, "must be finite"),
        (lambda s: s.update({"layers.1.neurons.0.b": -math.inf}), ValueError, "must be finite"),
        (lambda s: s.update({"layers.1.neurons.0.b": 10**400}), ValueError, "must be finite"),
        (lambda s: s.update({"layers.1.neurons.0.b": True}), TypeError, "got bool"),
        (lambda s: s.update({"layers.1.neurons.0.b": "0.5"}), TypeError, "got str"),
        (lambda s: s.update({"layers.1.neurons.0.b": Value(0.5)}), TypeError, "use .data"),
    ],
)
def test_a_failed_load_state_dict_changes_nothing(change: object, error: type, fragment: str) -> None:
    """The bad entry is the last parameter, so a loader that assigned as it went would
    have changed every other weight before noticing."""
    target = MLP(2, [3, 1], seed=0)
    before = bits(target)
    state = MLP(2, [3, 1], seed=1).state_dict()
    change(state)  # type: ignore[operator]
    with pytest.raises(error) as info:
        target.load_state_dict(state)
    assert fragment in str(info.value)
    assert bits(target) == before


# --- save / load round trips ----------------------------------------------------------------


@pytest.mark.parametrize("init", sorted(INITS))
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_round_trip_rebuilds_an_equal_model(tmp_path: Path, activation: str, init: str) -> None:
    model = MLP(3, [5, 4, 2], activation=activation, negative_slope=0.2, init=init, seed=7)
    loaded = microgradrelu.load(saved(tmp_path, model))
    assert repr(loaded) == repr(model)
    assert (loaded.nin, loaded.nouts, loaded.activation, loaded.negative_slope, loaded.init) == (
        3,
        [5, 4, 2],
        activation,
        0.2,
        init,
    )
    assert bits(loaded) == bits(model)
    x = [0.3, -1.2, 2.5]
    assert [v.data for v in loaded(x)] == [v.data for v in model(x)]


def test_round_trip_keeps_awkward_floats_bit_for_bit(tmp_path: Path) -> None:
    model = MLP(2, [2, 1], seed=0)
    awkward = [-0.0, 5e-324, -1.7976931348623157e308, 0.1 + 0.2, 1 / 3, 2.0**-1074 * 3, 1e-300, -123456789.00000001]
    for p, x in zip(model.parameters(), awkward):
        p.data = x
    assert bits(microgradrelu.load(saved(tmp_path, model))) == bits(model)


def test_the_file_is_readable_json_with_format_architecture_and_weights(tmp_path: Path) -> None:
    model = MLP(2, [3, 1], activation="leaky_relu", negative_slope=0.1, init="uniform", seed=3)
    doc = json.loads(saved(tmp_path, model).read_text(encoding="utf-8"))
    assert doc["format"] == FORMAT and doc["version"] == VERSION
    assert doc["architecture"] == {
        "nin": 2,
        "nouts": [3, 1],
        "activation": "leaky_relu",
        "output_activation": "linear",
        "negative_slope": 0.1,
        "init": "uniform",
    }
    assert doc["parameters"] == model.state_dict()


def test_save_accepts_str_and_pathlike_and_returns_the_path(tmp_path: Path) -> None:
    model = MLP(2, [1], seed=0)
    assert microgradrelu.save(model, str(tmp_path / "a.json")) == tmp_path / "a.json"
    assert microgradrelu.save(model, tmp_path / "b.json") == tmp_path / "b.json"
    assert bits(microgradrelu.load(str(tmp_path / "a.json"))) == bits(microgradrelu.load(tmp_path / "b.json"))


# --- atomic writes ----------------------------------------------------------------------------


def test_save_leaves_no_temporary_file_and_overwrites(tmp_path: Path) -> None:
    path = saved(tmp_path, MLP(2, [1], seed=0))
    saved(tmp_path, MLP(2, [1], seed=1))
    assert os.listdir(tmp_path) == ["model.json"]
    assert bits(microgradrelu.load(path)) == bits(MLP(2, [1], seed=1))


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = saved(tmp_path, MLP(2, [1], seed=0))
    before = path.read_bytes()

    def broken_replace(src: str, dst: object) -> None:
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="simulated"):
        microgradrelu.save(MLP(2, [1], seed=1), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.json"]


def test_a_model_with_nan_weights_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    path = saved(tmp_path, MLP(2, [1], seed=0))
    before = path.read_bytes()
    diverged = MLP(2, [1], seed=1)
    diverged.parameters()[1].data = math.nan
    with pytest.raises(ValueError, match=r"parameter 'layers\.0\.neurons\.0\.w\.1' is nan"):
        microgradrelu.save(diverged, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.json"]


def test_a_folder_without_write_permission_names_the_target_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulated (chmod does not stop root): the OS names only the temporary file, so the
    error is re-raised naming the file the user asked for."""

    real_open = os.open

    def denied(path: str | os.PathLike[str], *args: object, **kwargs: object) -> int:
        if str(path).endswith(".tmp"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(PermissionError, match=r"cannot write .*/model\.json: Permission denied"):
        microgradrelu.save(MLP(2, [1]), tmp_path / "model.json")
    assert os.listdir(tmp_path) == []


# --- load: every way a file can be wrong -------------------------------------------------------


def test_every_truncation_of_a_saved_file_is_a_clear_value_error(tmp_path: Path) -> None:
    """Cut the file after each byte (a crash mid-copy, a full disk): every prefix is rejected."""
    path = saved(tmp_path)
    full = path.read_bytes()
    cut = tmp_path / "cut.json"
    for n in range(len(full.rstrip())):
        cut.write_bytes(full[:n])
        with pytest.raises(ValueError, match=r"cut\.json is not a valid model file: invalid JSON"):
            microgradrelu.load(cut)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d.update(format="pytorch"), "format is 'pytorch', expected 'microgradrelu.mlp'"),
        (lambda d: d.update(version=3), "unsupported format version 3; this microgradrelu reads versions 1 and 2"),
        (lambda d: d.update(version="1"), "unsupported format version '1'"),
        (lambda d: d.update(version=True), "unsupported format version True"),
        (lambda d: d.pop("architecture"), "missing ['architecture']"),
        (lambda d: d.update(comment="hi"), "unknown ['comment']"),
        (lambda d: d["architecture"].pop("init"), "architecture: missing ['init']"),
        (lambda d: d["architecture"].update(seed=0), "architecture: unknown ['seed']"),
        (lambda d: d["architecture"].update(activation="gelu"), "unknown activation 'gelu'"),
        (lambda d: d["architecture"].update(init="xavier"), "unknown init 'xavier'"),
        (lambda d: d["architecture"].update(nin=2.0), "nin must be an int"),
        (lambda d: d["architecture"].update(nouts=[]), "nouts must be a non-empty list"),
        (lambda d: d["architecture"].update(nouts=[3, 0]), "must be a positive int, got 0"),
        (lambda d: d["architecture"].update(nouts=[3, True]), "nouts a list of ints"),
        (lambda d: d["architecture"].update(nouts=[4, 1]), "2 -> [4, 1] has 17 parameters, the file lists 13"),
        (lambda d: d["architecture"].update(nouts=[1_000_000, 1]), "has 4000001 parameters"),
        (lambda d: d["architecture"].update(negative_slope="0.01"), "negative_slope must be a number"),
        (lambda d: d.update(parameters=[1.0, 2.0]), "parameters must be a JSON object"),
        (lambda d: d["parameters"].update({"layers.0.neurons.0.b": "0.5"}), "'layers.0.neurons.0.b' must be a number"),
        (lambda d: d["parameters"].update({"layers.0.neurons.0.b": None}), "must be a number, got None"),
        (lambda d: d["parameters"].update({"layers.0.neurons.0.b": [0.5]}), "must be a number, got [0.5]"),
        (
            lambda d: d["parameters"].update({"layers.0.neurons.9.b": d["parameters"].pop("layers.0.neurons.0.b")}),
            "1 missing ('layers.0.neurons.0.b'); 1 unexpected ('layers.0.neurons.9.b')",
        ),
    ],
)
def test_a_wrong_document_is_a_value_error_naming_file_and_problem(
    tmp_path: Path, change: object, fragment: str
) -> None:
    path = edit(saved(tmp_path), change)
    with pytest.raises(ValueError, match=r"model\.json is not a valid model file") as info:
        microgradrelu.load(path)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ('"layers.0.neurons.0.b": 0.0', '"layers.0.neurons.0.b": NaN', "NaN is not allowed"),
        ('"layers.0.neurons.0.b": 0.0', '"layers.0.neurons.0.b": Infinity', "Infinity is not allowed"),
        ('"layers.0.neurons.0.b": 0.0', '"layers.0.neurons.0.b": -Infinity', "-Infinity is not allowed"),
        ('"layers.0.neurons.0.b": 0.0', '"layers.0.neurons.0.b": 1e999', "must be finite, got inf"),
        ('"layers.0.neurons.0.b": 0.0', '"layers.0.neurons.0.b": ' + "9" * 5000, "integer string conversion"),
        ('"layers.0.neurons.1.b"', '"layers.0.neurons.0.b"', "key 'layers.0.neurons.0.b' appears twice"),
        ('"format"', "'format'", "invalid JSON (Expecting property name enclosed in double quotes, line 2"),
    ],
)
def test_text_level_corruptions_are_value_errors(tmp_path: Path, old: str, new: str, fragment: str) -> None:
    path = saved(tmp_path)
    text = path.read_text()
    assert text.count(old) == 1
    path.write_text(text.replace(old, new))
    with pytest.raises(ValueError, match=r"model\.json is not a valid model file") as info:
        microgradrelu.load(path)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "invalid JSON (Expecting value, line 1 column 1)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8 text (byte 0)"),
        (pickle.dumps({"format": FORMAT}), "not UTF-8 text"),
        (b"[1.0, 2.0]", "file must be a JSON object, got list"),
        (b"[" * 100_000, "nested too deeply"),
    ],
)
def test_files_that_are_not_model_files_are_value_errors(tmp_path: Path, content: bytes, fragment: str) -> None:
    path = tmp_path / "model.json"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"model\.json is not a") as info:
        microgradrelu.load(path)
    assert fragment in str(info.value)


def test_a_missing_file_is_file_not_found_naming_the_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no model file at .*nothing-here\.json"):
        microgradrelu.load(tmp_path / "nothing-here.json")


def test_save_writes_the_activations_the_neurons_have_now(tmp_path: Path) -> None:
    """The architecture is read from the neurons, so a reassigned activation is saved as it is
    (and a layer whose neurons disagree, which no file describes, is refused, writing nothing)."""
    model = MLP(2, [3, 1], seed=0)
    for n in model.layers[0].neurons:
        n.activation = "leaky_relu"
    loaded = load(save(model, tmp_path / "m.json"))
    assert loaded.activation == "leaky_relu" == model.activation
    assert loaded([0.3, -1.0]).data == model([0.3, -1.0]).data
    assert loaded.seed is None  # the file keeps the weights, not the seed they came from
    model.layers[0].neurons[1].activation = "tanh"
    with pytest.raises(ValueError, match=r"layer 0 mixes activations \['leaky_relu', 'tanh'\]"):
        save(model, tmp_path / "mixed.json")
    assert not (tmp_path / "mixed.json").exists()


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux's /proc")
def test_a_file_that_fails_while_being_read_is_an_oserror_naming_it() -> None:
    """/proc/self/mem passes for a regular file of size 0, then reading it fails (EIO): the
    error from os.read did not say which file."""
    with pytest.raises(OSError, match="while reading a model file: '/proc/self/mem'"):
        load("/proc/self/mem")
