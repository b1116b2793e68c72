"""Writing files so that a reader never sees half of one (public: the demos write their figures with it)."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to a fresh file next to `path`, then rename it over `path` (atomic on
    POSIX and Windows): `path` holds the old content or the new, never a mix. The temp file
    honours the umask like any new file and is removed if anything fails."""
    if path.is_dir():
        raise IsADirectoryError(f"cannot write {path}: it is a directory")
    folder = path.parent
    if not folder.is_dir():
        if folder.exists():
            raise NotADirectoryError(f"cannot write {path}: {folder} is not a folder")
        raise FileNotFoundError(f"cannot write {path}: the folder {folder} does not exist")
    tmp = folder / f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise type(exc)(exc.errno, f"cannot write {path}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):  # never hide the error that got us here
            os.unlink(tmp)
        raise
