"""Save and load an `MLP` as JSON: readable, diffable, and never pickle.

A file holds a format name and version, the architecture (enough to rebuild the model)
and every weight by its dotted name. `json` writes floats with `repr`, the shortest text
that reads back as the same float, so a round trip is bit-for-bit. Loading checks all of
it and answers anything wrong with a `ValueError` naming the file and the problem (quoting
at most a short excerpt of what it found); a file is written to a temporary name in the
same folder and then renamed over the target, so a crash never leaves half a file behind.

Version 2 added `output_activation` and lets `activation` be a list (one name per hidden
layer); `save` writes version 2 and `load` reads version-1 files too.

`load` reads only regular files (a named pipe or a device is refused without blocking on
it) of at most `max_bytes`, MAX_BYTES (64 MiB) by default: about 1.2 million parameters at
the ~54 bytes each takes (MLP(100, [1000, 1000, 10]), 1.1 million, is 57 MiB).
"""

from __future__ import annotations

import errno
import json
import math
import os
import stat
from itertools import pairwise
from pathlib import Path
from typing import Any

from ._check import shown, whole
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
MAX_BYTES = 64 * 1024 * 1024
"""The default size cap of `load`, far above any model this library can train."""
_CHUNK = 1 << 20  # bytes per read: memory grows with the file, never with the cap
_MAX_MESSAGE = 200  # characters kept of an error message from the model, which may quote the file


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
    # The architecture as the neurons have it now (an activation may have been reassigned since
    # the model was made); what one file cannot describe is refused before anything is written.
    try:
        names = model.layer_activation_names()
    except ValueError as exc:
        raise ValueError(f"cannot save to {path}: {exc}") from None
    slopes = {n.negative_slope for layer in model.layers for n in layer.neurons}
    if len(slopes) > 1:
        raise ValueError(f"cannot save to {path}: its neurons have different negative slopes {sorted(slopes)}")
    hidden = names[:-1]
    document = {
        "format": FORMAT,
        "version": VERSION,
        "architecture": {
            "nin": model.nin,
            "nouts": [len(layer.neurons) for layer in model.layers],
            "activation": model.activation if not hidden or len(set(hidden)) == 1 else hidden,
            "output_activation": names[-1],
            "negative_slope": float(slopes.pop()),
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
            raise ValueError(f"key {shown(key)} appears twice")
        result[key] = value
    return result


def _check_keys(obj: object, keys: tuple[str, ...], what: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise ValueError(f"{what} must be a JSON object, got {type(obj).__name__}")
    missing = [k for k in keys if k not in obj]
    unknown = [k for k in obj if k not in keys]
    if missing or unknown:
        parts = ([f"missing {missing}"] if missing else []) + ([f"unknown {shown(unknown)}"] if unknown else [])
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
        raise ValueError(f"format is {shown(doc['format'])}, expected {FORMAT!r}")
    version = doc["version"]
    if type(version) is not int or version not in _ARCH_KEYS:
        readable = " and ".join(map(str, _ARCH_KEYS))
        raise ValueError(f"unsupported format version {shown(version)}; this microgradrelu reads versions {readable}")
    arch = _check_keys(doc["architecture"], _ARCH_KEYS[version], "architecture")
    nin, nouts = arch["nin"], arch["nouts"]
    if type(nin) is not int or not isinstance(nouts, list) or not all(type(n) is int for n in nouts):
        raise ValueError(
            f"architecture: nin must be an int and nouts a list of ints, got {shown(nin)} and {shown(nouts)}"
        )
    output_activation = arch.get("output_activation")  # version 1: none, a linear output layer
    try:  # (an empty nouts is left to MLP, which says so)
        names = layer_activations(max(len(nouts), 1), arch["activation"], output_activation)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"architecture: {exc}") from None
    if not _is_real(arch["negative_slope"]):
        raise ValueError(f"architecture: negative_slope must be a number, got {shown(arch['negative_slope'])}")
    params = doc["parameters"]
    if not isinstance(params, dict):
        raise ValueError(f"parameters must be a JSON object of name: number, got {type(params).__name__}")
    # Count before building, so a corrupted size cannot make us allocate a huge model
    # (sizes that are not positive are left to MLP, which rejects them before allocating).
    sizes = [nin, *nouts]
    expected = sum((a + 1) * b for a, b in pairwise(sizes))  # weights and biases
    expected += sum(b for b, name in zip(nouts, names) if ACTIVATIONS[name].learned_slope is not None)  # PReLU's
    if nouts and all(n > 0 for n in sizes) and expected != len(params):
        raise ValueError(
            f"architecture {shown(nin)} -> {shown(nouts)} has {shown(expected)} parameters, "
            f"the file lists {len(params)}"
        )
    for name, x in params.items():
        if not _is_real(x):
            raise ValueError(f"parameter {shown(name)} must be a number, got {shown(x)}")
        if not _is_finite(x):  # json reads 1e999 as inf
            raise ValueError(f"parameter {shown(name)} must be finite, got {shown(x)}")
    try:
        model = MLP(nin, nouts, arch["activation"], arch["negative_slope"], arch["init"], 0, output_activation)
        model.seed = None  # the file holds the weights, not the seed they were drawn with
        model.load_state_dict(params)
    except (TypeError, ValueError) as exc:  # the model's own message may quote a huge string from the file
        message = str(exc)
        raise ValueError(message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 1] + "…") from exc
    return model


def _read(path: Path, max_bytes: int) -> bytes:
    """The bytes of the regular file at `path`, at most `max_bytes` of them. Anything else is
    refused before reading: a directory (IsADirectoryError, as open() says), a named pipe, a
    device or a socket (ValueError; opening a pipe for reading would wait for a writer), a file
    over the cap (ValueError, from its size). The cap holds while reading too: a file can grow."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"no model file at {path}") from None
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{path} is not a model file: it is a {_kind(info.st_mode)}, not a regular file")
    too_big = (
        f"more than max_bytes={max_bytes} ({max_bytes / 2**20:.3g} MiB); a model file is about 54 bytes per "
        "parameter: pass a larger max_bytes to read it anyway"
    )
    if info.st_size > max_bytes:
        raise ValueError(f"{path} is too big for a model file: {info.st_size} bytes, {too_big}")
    # O_NONBLOCK: should `path` become a named pipe after the stat, opening it must not block.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError(f"{path} is not a model file: it is not a regular file")
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:
            try:
                chunk = os.read(fd, min(_CHUNK, max_bytes + 1 - size))
            except OSError as exc:  # os.read's error does not name the file
                raise OSError(exc.errno, f"{exc.strerror} while reading a model file", str(path)) from None
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > max_bytes:
        raise ValueError(f"{path} is too big for a model file: it grew while being read to {too_big}")
    return b"".join(chunks)


_KINDS = (
    (stat.S_ISFIFO, "named pipe"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISSOCK, "socket"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "special file")


def load(path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES) -> MLP:
    """Rebuild the `MLP` saved at `path`, weights bit-for-bit. A missing file raises
    FileNotFoundError; anything else wrong with it (not a regular file, more than `max_bytes`
    bytes, not JSON, truncated, another format or version, wrong types, NaN/inf, unknown or
    missing keys) a ValueError naming the file, in a message of a few hundred characters."""
    path = _as_path(path)
    raw = _read(path, whole(max_bytes, "max_bytes"))
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
