"""Files on disk: what `write_atomic` (save, Drawing.render, the demos' figures) does to what it
replaces and when it is killed, and what `load` agrees to read.

Kills are real: a child Python process is stopped mid-write with a signal, then the folder is
inspected. The child's write stalls in fsync (the data is written, the rename not yet done)."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import microgradrelu
from microgradrelu import MLP
from microgradrelu.files import write_atomic

POSIX = pytest.mark.skipif(os.name == "nt", reason="POSIX files and signals")
TEMP = re.compile(r"\.model\.json\.(\d+)\.[0-9a-f]{12}\.tmp")


def saved(folder: Path) -> Path:
    return microgradrelu.save(MLP(2, [3, 1], seed=0), folder / "model.json")


# --- what a write replaces ---------------------------------------------------------------------
@POSIX
def test_writing_through_a_symlink_replaces_its_target_and_keeps_the_link(tmp_path: Path) -> None:
    real = saved(tmp_path)
    (tmp_path / "links").mkdir()
    link = tmp_path / "links" / "model.json"
    link.symlink_to(Path("..") / "model.json")  # relative, as links usually are
    chain = tmp_path / "latest.json"
    chain.symlink_to(link)
    microgradrelu.save(MLP(2, [3, 1], seed=1), chain)
    assert chain.is_symlink() and link.is_symlink() and not real.is_symlink()
    assert os.readlink(link) == os.path.join("..", "model.json")
    assert microgradrelu.load(real).state_dict() == MLP(2, [3, 1], seed=1).state_dict()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.json", "links", "model.json"]


@POSIX
def test_a_dangling_symlink_gets_its_target_created(tmp_path: Path) -> None:
    link = tmp_path / "model.json"
    link.symlink_to("elsewhere.json")
    write_atomic(link, b"new")
    assert link.is_symlink() and (tmp_path / "elsewhere.json").read_bytes() == b"new"


@POSIX
def test_a_symlink_loop_is_an_error_and_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(OSError, match="too many levels of symbolic links"):
        write_atomic(tmp_path / "a", b"x")
    assert (tmp_path / "a").is_symlink() and sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]


@POSIX
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o444, 0o755])
def test_an_existing_file_keeps_its_permission_bits(tmp_path: Path, mode: int) -> None:
    path = saved(tmp_path)
    path.chmod(mode)
    microgradrelu.save(MLP(2, [3, 1], seed=1), path)
    assert stat.S_IMODE(path.stat().st_mode) == mode


@POSIX
def test_a_new_file_honours_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        path = saved(tmp_path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


@POSIX
def test_a_file_system_that_refuses_chmod_still_gets_the_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As a FAT drive does: the mode cannot be copied, the data is still written (the file is 0600)."""
    path = saved(tmp_path)

    def refuse(fd: int, mode: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "fchmod", refuse)
    write_atomic(path, b"new")
    assert path.read_bytes() == b"new" and stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give a file away")
def test_an_existing_file_keeps_its_owner(tmp_path: Path) -> None:
    path = saved(tmp_path)
    os.chown(path, 12345, 54321)
    microgradrelu.save(MLP(2, [3, 1], seed=1), path)
    assert (path.stat().st_uid, path.stat().st_gid) == (12345, 54321)


@POSIX
def test_a_pipe_is_not_replaced_by_a_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "model.json")
    with pytest.raises(ValueError, match="not a regular file"):
        saved(tmp_path)
    assert stat.S_ISFIFO(os.stat(tmp_path / "model.json").st_mode)


@POSIX
def test_the_folder_is_fsynced_after_the_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        synced.append("folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real_fsync(fd)

    def replace(src: str, dst: str) -> None:
        synced.append("rename")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    write_atomic(tmp_path / "f.txt", b"data")
    assert synced == ["file", "rename", "folder"]


# --- signals and kills -------------------------------------------------------------------------
WRITER = """
import os, sys, time
from pathlib import Path
from microgradrelu.files import write_atomic
def stalled_fsync(fd):
    print("writing", flush=True)
    time.sleep(60)
os.fsync = stalled_fsync
write_atomic(Path(sys.argv[1]), b"new content")
"""


def stop_mid_write(path: Path, signum: int) -> int:
    """Start a writer of `path`, send it `signum` while its temp file exists; its exit status."""
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "writing\n"
        assert any(TEMP.fullmatch(p.name) for p in path.parent.iterdir())  # the temp file exists
        child.send_signal(signum)
        return child.wait(timeout=30)
    finally:
        child.kill()
        child.wait()


@POSIX
@pytest.mark.parametrize("signum", [signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM)], ids=["TERM", "HUP"])
def test_a_terminated_writer_removes_its_temp_file_and_still_dies_by_the_signal(tmp_path: Path, signum: int) -> None:
    path = saved(tmp_path)
    before = path.read_bytes()
    assert stop_mid_write(path, signum) == -signum  # ended by the signal, as without the clean-up
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]
    assert path.read_bytes() == before


@POSIX
def test_a_killed_writers_temp_file_is_removed_by_the_next_write(tmp_path: Path) -> None:
    path = saved(tmp_path)
    assert stop_mid_write(path, signal.SIGKILL) == -signal.SIGKILL
    left = [p for p in tmp_path.iterdir() if TEMP.fullmatch(p.name)]
    assert len(left) == 1  # SIGKILL cannot be caught; the name says whose it was
    live = tmp_path / f".model.json.{os.getpid()}.{'0' * 12}.tmp"  # a writer still running: kept
    live.write_bytes(b"partial")
    other = tmp_path / f".other.json.999999999.{'0' * 12}.tmp"  # another file's: not ours to judge
    other.write_bytes(b"partial")
    microgradrelu.save(MLP(2, [3, 1], seed=1), path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["model.json", live.name, other.name])


KILLED_RENDERS = """
import sys
from pathlib import Path
from microgradrelu import Value, draw_graph
drawing = draw_graph(Value.sum([Value(float(i), label="x" * 2000) for i in range(60)]))
drawing.render(Path(sys.argv[1]).with_suffix(".dot"))
drawing.render(sys.argv[1])  # lays the picture out; later renders reuse the SVG and only write
print("ready", flush=True)
while True:
    drawing.render(sys.argv[1])
"""


@POSIX
def test_renders_terminated_at_random_moments_leave_no_temp_files(tmp_path: Path) -> None:
    """The issue's experiment: SIGTERM a process that renders the same picture in a loop."""
    rng = random.Random(0)
    for _ in range(4):
        child = subprocess.Popen(
            [sys.executable, "-c", KILLED_RENDERS, str(tmp_path / "g.svg")], stdout=subprocess.PIPE, text=True
        )
        try:
            assert child.stdout is not None and child.stdout.readline() == "ready\n"
            time.sleep(rng.uniform(0.05, 0.3))
            child.terminate()
            assert child.wait(timeout=30) == -signal.SIGTERM
        finally:
            child.kill()
            child.wait()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.dot", "g.svg"]


def test_the_signal_handler_is_there_only_while_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (seen.append(signal.getsignal(signal.SIGTERM)), real_fsync(fd)))
    before = signal.getsignal(signal.SIGTERM)
    assert before is signal.SIG_DFL
    write_atomic(tmp_path / "a.txt", b"a")
    assert seen[0] is not signal.SIG_DFL and callable(seen[0])  # caught while the temp file exists
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_a_host_programs_handler_is_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def host(signum: int, frame: object) -> None:
        raise AssertionError("not called in this test")

    seen = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (seen.append(signal.getsignal(signal.SIGTERM)), real_fsync(fd)))
    previous = signal.signal(signal.SIGTERM, host)
    try:
        write_atomic(tmp_path / "a.txt", b"a")
        assert seen[0] is host and signal.getsignal(signal.SIGTERM) is host
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_writing_from_another_thread_touches_no_handler(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (seen.append(signal.getsignal(signal.SIGTERM)), real_fsync(fd)))
    errors: list[BaseException] = []

    def write() -> None:
        try:
            write_atomic(tmp_path / "a.txt", b"a")
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=write)
    worker.start()
    worker.join()
    assert errors == [] and seen[0] is signal.SIG_DFL and (tmp_path / "a.txt").read_bytes() == b"a"


# --- what load reads ---------------------------------------------------------------------------
def test_a_200_mb_file_is_refused_from_its_size_in_a_short_message(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    with open(path, "wb") as f:
        f.truncate(200_000_000)  # sparse: no 200 MB written
    start = time.monotonic()
    with pytest.raises(ValueError) as info:
        microgradrelu.load(path)
    assert time.monotonic() - start < 2.0  # from the size, without reading (reading took 35-58 s)
    message = str(info.value)
    assert "200000000 bytes, more than max_bytes=67108864 (64 MiB)" in message and len(message) < 500


def test_max_bytes_is_a_parameter(tmp_path: Path) -> None:
    path = saved(tmp_path)
    size = path.stat().st_size
    assert microgradrelu.load(path, max_bytes=size).nin == 2
    with pytest.raises(ValueError, match=f"{size} bytes, more than max_bytes={size - 1} "):
        microgradrelu.load(path, max_bytes=size - 1)


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="Linux procfs")
def test_the_cap_holds_while_reading_a_file_that_says_it_is_empty() -> None:
    """procfs files claim size 0 and then deliver content, as a file growing after the stat would."""
    assert os.stat("/proc/self/status").st_size == 0
    with pytest.raises(ValueError, match="grew while being read to more than max_bytes=100 "):
        microgradrelu.load("/proc/self/status", max_bytes=100)


@POSIX
def test_a_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "model.json"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            microgradrelu.load(fifo)
        except BaseException as exc:
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)  # the old code blocked in open(), waiting for a writer
    reader.start()
    reader.join(timeout=10)
    assert outcome and type(outcome[0]) is ValueError
    assert "is a named pipe, not a regular file" in str(outcome[0])


@POSIX
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_a_device_is_refused_without_reading(device: str) -> None:
    """In a child with 1 GiB of address space: the old code read /dev/zero until MemoryError."""
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    script = textwrap.dedent(f"""
        import resource, microgradrelu
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        try:
            microgradrelu.load({device!r})
        except ValueError as exc:
            print(exc)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout == f"{device} is not a model file: it is a character device, not a regular file\n"


def big(n: int = 1_000_000) -> str:
    return "x" * n


# Each makes the saved document hostile with a huge value where the loader quotes what it found.
HUGE = [
    lambda d: d.update(format=big()),
    lambda d: d.update(version=big()),
    lambda d: d.update(version=[1] * 100_000),
    lambda d: d.update({big(): 1}),
    lambda d: d.update({f"extra{i}": i for i in range(100_000)}),
    lambda d: d["architecture"].update(nin=big()),
    lambda d: d["architecture"].update(nin=int("9" * 4000)),
    lambda d: d["architecture"].update(nouts=[big()] * 10),
    lambda d: d["architecture"].update(nouts=[1] * 100_000),
    lambda d: d["architecture"].update(nouts=[3, int("9" * 4000)]),
    lambda d: d["architecture"].update(nin=int("9" * 4000), nouts=[int("9" * 4000)] * 3),
    lambda d: d["architecture"].update(negative_slope=big()),
    lambda d: d["architecture"].update(activation=big()),
    lambda d: d["architecture"].update(init=big()),
    lambda d: d["architecture"].update({big(): 0}),
    lambda d: d["parameters"].update({"layers.0.neurons.0.b": big()}),
    lambda d: d["parameters"].update({"layers.0.neurons.0.b": [[big(1000)]] * 1000}),
    lambda d: d["parameters"].update({"layers.0.neurons.0.b": int("9" * 4000)}),
    lambda d: d["parameters"].update({big(): 1.0}),
    lambda d: d["parameters"].update({big(): "x"}),
    lambda d: d.update(parameters={f"p{i}" * 1000: 0.0 for i in range(13)}),
]


@pytest.mark.parametrize("change", HUGE)
def test_every_load_error_is_a_short_message(tmp_path: Path, change: object) -> None:
    path = saved(tmp_path)
    doc = json.loads(path.read_text())
    change(doc)  # type: ignore[operator]
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=r"model\.json is not a valid model file") as info:
        microgradrelu.load(path)
    assert len(str(info.value)) < 500, str(info.value)[:1000]


def test_a_repeated_huge_key_is_a_short_message(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text('{"' + big() + '": 1, "' + big() + '": 2}')
    with pytest.raises(ValueError, match="appears twice") as info:
        microgradrelu.load(path)
    assert len(str(info.value)) < 500


def test_short_messages_still_name_what_was_found(tmp_path: Path) -> None:
    path = saved(tmp_path)
    doc = json.loads(path.read_text())
    doc["format"] = "x" * 1000
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match=r"format is 'x{10,}\.\.\.x{10,}', expected 'microgradrelu\.mlp'"):
        microgradrelu.load(path)


def test_write_atomic_takes_a_str_path_and_names_wrong_types(tmp_path: Path) -> None:
    write_atomic(str(tmp_path / "a.txt"), b"one")
    assert (tmp_path / "a.txt").read_bytes() == b"one"
    with pytest.raises(TypeError, match=r"path must be a str or os\.PathLike, got int"):
        write_atomic(3, b"x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="data must be bytes, got str"):
        write_atomic(tmp_path / "b.txt", "text")  # type: ignore[arg-type]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
