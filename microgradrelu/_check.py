"""The one rule for bad arguments, as small validators the whole API shares.

Wrong type → TypeError; right type but wrong value (range, length, unknown name) → ValueError.
Every message names the argument and the expected form. Numbers: any real number but bool
(int, float, Fraction, numpy scalars); whole numbers: any integral type but bool.
"""

from __future__ import annotations

import math
import numbers
import reprlib
import sys
from collections.abc import Iterable, Mapping, Set


class _Excerpt(reprlib.Repr):
    """What an error message quotes of a value: the start and end of long strings and numbers,
    the first items of long lists, without building the full repr (a file may hold 200 MB)."""

    def __init__(self) -> None:
        super().__init__()
        self.maxstring = self.maxlong = self.maxother = 40
        self.maxlist = self.maxdict = 4
        self.maxlevel = 2

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 10_000:  # too long for repr (Python refuses more than 4,300 digits)
            return f"<an int of {x.bit_length()} bits>"
        return super().repr_int(x, level)


_EXCERPT = _Excerpt()


def shown(x: object, limit: int = 100) -> str:
    """A short repr of `x` (at most `limit` characters), so an error message stays short
    whatever it quotes."""
    text = _EXCERPT.repr(x)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def real(x: object, name: str, form: str = "a real number") -> float:
    """A real number as a float (an int too large for a float becomes ±inf, for `finite` to report)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be {form}, got {type(x).__name__}")
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf  # type: ignore[operator]


def finite(x: object, name: str, minimum: float | None = None) -> float:
    """A finite real number (at least `minimum`, if given) as a float."""
    value = real(x, name)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {shown(x)}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum:g}, got {shown(x)}")
    return value


def whole(x: object, name: str, minimum: int | None = 1) -> int:
    """A whole number (at least `minimum`; by default a positive count) as an int."""
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(x).__name__}")
    if minimum is not None and x < minimum:
        form = "a positive int" if minimum == 1 else f"an int >= {minimum}"
        raise ValueError(f"{name} must be {form}, got {shown(x)}")
    if x > sys.maxsize:  # no list is that long, and floats derived from it would overflow
        raise ValueError(f"{name} is too large: at most {sys.maxsize}, got {shown(x)}")
    return int(x)


def seed(x: object, name: str = "seed") -> int | None:
    """A random seed: an int, or None for a fresh one."""
    if x is None:
        return None
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise TypeError(f"{name} must be an int or None, got {type(x).__name__}")
    return int(x)


def ordered(x: object) -> bool:
    """Whether `x` is an ordered collection (a list, tuple, numpy array, generator...): not a
    str, and not a dict or set, whose order is not the data's."""
    if type(x) in (list, tuple):
        return True
    unordered = isinstance(x, (str, bytes, Mapping, Set)) or getattr(x, "ndim", 1) == 0  # a 0-d array: one number
    return isinstance(x, Iterable) and not unordered


def rows(X: object, name: str = "X") -> list[object]:
    """The input rows of a dataset as a list (a list, tuple, numpy array or generator of rows);
    anything else is a TypeError naming `name`."""
    if not ordered(X):
        raise TypeError(f"{name} must be a list of input rows (each a list of numbers), got {type(X).__name__}")
    return list(X)  # type: ignore[call-overload]


def choice(x: object, valid: Iterable[str], name: str) -> str:
    """One of the names in `valid`."""
    valid = list(valid)
    if x not in valid:
        if not isinstance(x, str):
            raise TypeError(f"{name} must be a str, one of {', '.join(map(repr, valid))}; got {type(x).__name__}")
        raise ValueError(f"unknown {name} {shown(x)}; valid: {', '.join(map(repr, valid))}")
    return x  # type: ignore[return-value]
