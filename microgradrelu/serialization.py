"""Save and load an `MLP` as JSON: readable, diffable, and never pickle.

A file holds a format name and version, the architecture (enough to rebuild the model)
and every weight by its dotted name. `json` writes floats with `repr`, the shortest text
that reads back as the same float, so a round trip is bit-for-bit. Loading checks all of
it and answers anything wrong with a `ValueError` naming the file and the problem; a
file is written to a temporary name in the same folder and then renamed over the target,
so a crash never leaves half a file behind.

Version 2 added `output_activation` and lets `activation` be a list (one name per hidden
layer); `save` writes version 2 and `load` reads version-1 files too.
"""

from __future__ import annotations

import json
import math
import os
from itertools import pairwise
from pathlib import Path
from typing import Any

from .activations import ACTIVATIONS
from .files import write_atomic
from .nn import MLP, layer_activations

FORMAT = "microgradrelu.mlp"
VERSION = 2  # the version `save` writes; `load` reads every version in _ARCH_KEYS
_TOP_KEYS = ("format", "version", "architecture", "parameters")
_ARCH_KEYS = {
    1: ("nin", "nouts", "activation", "negative_slope", "init"),
    2: ("nin", "nouts", "activation", "output_activation", "negative_slope", "init"),
}


def _as_path(path: object) -> Path:
    if isinstance(path, (str, os.PathLike)):
        return Path(path)
    raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")


def save(model: MLP, path: str | os.PathLike[str]) -> Path:
    """Write `model` to `path` as JSON and return the path. The file appears complete or
    not at all. A model with a NaN or infinite weight (diverged training) is refused:
    `load` could not read it back."""
    if not isinstance(model, MLP):
        raise TypeError(f"save expects an MLP, got {type(model).__name__}")
    path = _as_path(path)
    weights = model.state_dict()
    bad = [name for name, x in weights.items() if not math.isfinite(x)]
    if bad:
        raise ValueError(f"cannot save to {path}: parameter {bad[0]!r} is {weights[bad[0]]!r} (all must be finite)")
    document = {
        "format": FORMAT,
        "version": VERSION,
        "architecture": {
            "nin": model.nin,
            "nouts": list(model.nouts),
            "activation": model.activation,
            "output_activation": model.output_activation,
            "negative_slope": float(model.negative_slope),
            "init": model.init,
        },
        "parameters": weights,
    }
    write_atomic(path, (json.dumps(document, indent=1, allow_nan=False) + "\n").encode("utf-8"))
    return path


def _reject_constant(token: str) -> float:
    raise ValueError(f"{token} is not allowed (weights must be finite numbers)")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict; a repeated key (which json would silently resolve to its last
    value) is an error."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"key {key!r} appears twice")
        result[key] = value
    return result


def _check_keys(obj: object, keys: tuple[str, ...], what: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise ValueError(f"{what} must be a JSON object, got {type(obj).__name__}")
    missing = [k for k in keys if k not in obj]
    unknown = [k for k in obj if k not in keys]
    if missing or unknown:
        parts = ([f"missing {missing}"] if missing else []) + ([f"unknown {unknown}"] if unknown else [])
        raise ValueError(f"{what}: {', '.join(parts)}; expected keys {list(keys)}")
    return obj


def _is_real(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _is_finite(x: float) -> bool:
    """math.isfinite, with an int too large for a float (a 400-digit literal) as not finite."""
    try:
        return math.isfinite(x)
    except OverflowError:
        return False


def _parse(text: str) -> MLP:
    """The model a document describes; ValueError (without the path) for anything wrong."""
    doc = _check_keys(
        json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys), _TOP_KEYS, "file"
    )
    if doc["format"] != FORMAT:
        raise ValueError(f"format is {doc['format']!r}, expected {FORMAT!r}")
    version = doc["version"]
    if type(version) is not int or version not in _ARCH_KEYS:
        readable = " and ".join(map(str, _ARCH_KEYS))
        raise ValueError(f"unsupported format version {version!r}; this microgradrelu reads versions {readable}")
    arch = _check_keys(doc["architecture"], _ARCH_KEYS[version], "architecture")
    nin, nouts = arch["nin"], arch["nouts"]
    if type(nin) is not int or not isinstance(nouts, list) or not all(type(n) is int for n in nouts):
        raise ValueError(f"architecture: nin must be an int and nouts a list of ints, got {nin!r} and {nouts!r}")
    output_activation = arch.get("output_activation")  # version 1: none, a linear output layer
    try:  # (an empty nouts is left to MLP, which says so)
        names = layer_activations(max(len(nouts), 1), arch["activation"], output_activation)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"architecture: {exc}") from None
    if not _is_real(arch["negative_slope"]):
        raise ValueError(f"architecture: negative_slope must be a number, got {arch['negative_slope']!r}")
    params = doc["parameters"]
    if not isinstance(params, dict):
        raise ValueError(f"parameters must be a JSON object of name: number, got {type(params).__name__}")
    # Count before building, so a corrupted size cannot make us allocate a huge model
    # (sizes that are not positive are left to MLP, which rejects them before allocating).
    sizes = [nin, *nouts]
    expected = sum((a + 1) * b for a, b in pairwise(sizes))  # weights and biases
    expected += sum(b for b, name in zip(nouts, names) if ACTIVATIONS[name].learned_slope is not None)  # PReLU's
    if nouts and all(n > 0 for n in sizes) and expected != len(params):
        raise ValueError(f"architecture {nin} -> {nouts} has {expected} parameters, the file lists {len(params)}")
    for name, x in params.items():
        if not _is_real(x):
            raise ValueError(f"parameter {name!r} must be a number, got {x!r}")
        if not _is_finite(x):  # json reads 1e999 as inf
            raise ValueError(f"parameter {name!r} must be finite, got {x!r}")
    try:
        model = MLP(nin, nouts, arch["activation"], arch["negative_slope"], arch["init"], 0, output_activation)
        model.load_state_dict(params)
    except (TypeError, ValueError) as exc:
        raise ValueError(str(exc)) from exc
    return model


def load(path: str | os.PathLike[str]) -> MLP:
    """Rebuild the `MLP` saved at `path`, weights bit-for-bit. A missing file raises
    FileNotFoundError; anything else wrong with it (not JSON, truncated, another format or
    version, wrong types, NaN/inf, unknown or missing keys) a ValueError naming the file."""
    path = _as_path(path)
    if not path.exists():
        raise FileNotFoundError(f"no model file at {path}")
    raw = path.read_bytes()
    try:
        return _parse(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not a microgradrelu model file: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{path} is not a valid model file: invalid JSON ({exc.msg}, line {exc.lineno} column {exc.colno}); "
            "it may be truncated or corrupted"
        ) from None
    except RecursionError:
        raise ValueError(f"{path} is not a valid model file: JSON nested too deeply") from None
    except ValueError as exc:
        raise ValueError(f"{path} is not a valid model file: {exc}") from None
