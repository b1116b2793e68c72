"""Writing files so that a reader never sees half of one (public: the demos write their figures with it)."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import signal
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

# Signals whose default action kills the process, caught while a temp file exists (see _unwind_on).
_FATAL_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to a fresh file next to `path`, then rename it over `path` (atomic on
    POSIX and Windows): `path` holds the old content or the new, never a mix.

    What is replaced keeps what it was: a symbolic link stays a link and its target gets the
    data (a dangling link's target is created, as `open(path, "w")` would); an existing file
    keeps its permission bits and, where allowed, owner and group. A new file honours the
    umask. A device, pipe or socket is refused (ValueError) rather than replaced by a file.
    The folder is fsynced after the rename, so the rename itself survives a crash.

    The temp file is `.NAME.PID.RANDOM.tmp`. It is removed if anything fails, and on SIGTERM or
    SIGHUP (caught only while it exists, in the main thread, when the signal's action is still
    the default; afterwards the signal is re-raised so the process ends as it would have).
    SIGKILL cannot be caught: a temp file left by a killed writer is removed by the next
    write to the same path on the same machine, once no process has that PID."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, got {type(data).__name__}")
    path = Path(path)
    target = _resolve(path)
    if target.is_dir():
        raise IsADirectoryError(f"cannot write {path}: it is a directory")
    folder = target.parent
    if not folder.is_dir():
        if folder.exists():
            raise NotADirectoryError(f"cannot write {path}: {folder} is not a folder")
        raise FileNotFoundError(f"cannot write {path}: the folder {folder} does not exist")
    try:
        old = os.stat(target)
    except FileNotFoundError:
        old = None
    if old is not None and not stat.S_ISREG(old.st_mode):
        raise ValueError(f"cannot write {path}: it is not a regular file (a device, pipe or socket is not replaced)")
    _remove_stale_temps(target)
    tmp = folder / f".{target.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    with _unwind_on(_FATAL_SIGNALS):
        try:  # 0o600 until the old file's mode is copied: the old content may be secret
            fd = os.open(tmp, flags, 0o666 if old is None else 0o600)
        except OSError as exc:  # nothing was created (O_EXCL)
            raise type(exc)(exc.errno, f"cannot write {path}: {exc.strerror}") from exc
        except BaseException:  # a signal's exception, raised as the open returned
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        try:
            with os.fdopen(fd, "wb") as f:
                if old is not None:
                    _copy_owner_and_mode(f.fileno(), old)
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):  # never hide the error that got us here
                os.unlink(tmp)
            raise
    _fsync_folder(folder)


def _resolve(path: Path) -> Path:
    """The file a write to `path` lands in: `path` with its symbolic links followed."""
    if not os.path.islink(path):
        return path
    target = Path(os.path.realpath(path))
    if os.path.islink(target):  # realpath stops at a loop
        raise OSError(errno.ELOOP, f"cannot write {path}: too many levels of symbolic links")
    return target


def _copy_owner_and_mode(fd: int, old: os.stat_result) -> None:
    """Give the new file the old one's owner and group, then its permission bits (chown clears
    set-user-ID). Each is skipped where not permitted (only root may give a file away) or not
    stored (a FAT drive refuses chmod): the write matters more, and the file stays 0600."""
    if hasattr(os, "fchown"):
        with contextlib.suppress(OSError):
            os.fchown(fd, old.st_uid, old.st_gid)
    if hasattr(os, "fchmod"):
        with contextlib.suppress(OSError):
            os.fchmod(fd, stat.S_IMODE(old.st_mode))


def _remove_stale_temps(target: Path) -> None:
    """Remove temp files of earlier writes to `target` whose writer no longer runs. A PID in use
    again keeps its file until it is free. Skipped on Windows, where os.kill(pid, 0) would
    not ask but kill."""
    if os.name == "nt":
        return
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(\d+)\.[0-9a-f]{{12}}\.tmp")
    with contextlib.suppress(OSError), os.scandir(target.parent) as entries:
        stale = [e.path for e in entries if (m := pattern.fullmatch(e.name)) and not _running(int(m.group(1)))]
    for name in stale:
        with contextlib.suppress(OSError):
            os.unlink(name)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # another user's process; a number no PID can be
        return True
    return True


class _Terminated(BaseException):
    """Raised by the temporary signal handler, so that `except`/`finally` clauses run."""


@contextlib.contextmanager
def _unwind_on(signals: tuple[int, ...]) -> Iterator[None]:
    """While the block runs, make each of `signals` whose action is the default (ending the
    process) raise _Terminated instead, so the block can clean up; then put the default back
    and, if one came, raise it again, so the process ends the way it would have (should it
    survive, _Terminated reaches the caller: the write did not happen). Handlers a
    host program installed are left alone (they decide), and only the main thread can set
    handlers, so elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def handler(signum: int, frame: object) -> None:
        received.append(signum)
        raise _Terminated(signum)

    caught = [s for s in signals if signal.getsignal(s) is signal.SIG_DFL]
    try:
        for s in caught:
            signal.signal(s, handler)
        yield
    finally:
        for s in caught:
            signal.signal(s, signal.SIG_DFL)
        if received:
            signal.raise_signal(received[0])


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable: fsync the folder's entry list (POSIX; Windows cannot open a folder)."""
    if os.name == "nt":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
