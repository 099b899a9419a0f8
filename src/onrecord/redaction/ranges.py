"""Times and mute ranges as people write them (``75``, ``1:15``, ``1:02.5-1:10``), and which
audio samples a set of ranges silences."""

from __future__ import annotations

import re
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from onrecord.redaction.errors import InputError

_TIME = re.compile(r"(?:(\d+):)?(?:(\d+):)?(\d+(?:\.\d*)?|\.\d+)")


def parse_time(text: str) -> float:
    """Seconds from ``SS(.s)``, ``M:SS(.s)`` or ``H:MM:SS(.s)``; ``InputError`` otherwise."""
    m = _TIME.fullmatch(text.strip())
    if m is None:
        raise InputError(f"{text!r} is not a time: give seconds (75.5), m:ss (1:15.5) or h:mm:ss")
    first, second, seconds = m.groups()
    hours, minutes = (first, second) if second is not None else (None, first)
    if (minutes is not None or hours is not None) and float(seconds) >= 60:
        raise InputError(f"{text!r}: seconds after a colon must be under 60")
    if hours is not None and minutes is not None and int(minutes) >= 60:
        raise InputError(f"{text!r}: minutes after hours must be under 60")
    return int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds)


def parse_range(text: str) -> tuple[float, float]:
    """``START-END`` in seconds (each as ``parse_time`` reads it), with START before END."""
    start, dash, end = text.partition("-")
    if not dash or not start.strip() or not end.strip():
        raise InputError(f"mute range {text!r}: give it as START-END, e.g. 1:02.5-1:10 or 62-70")
    try:
        a, b = parse_time(start), parse_time(end)
    except InputError as e:
        raise InputError(f"mute range {text!r}: {e}") from None
    if b <= a:
        raise InputError(f"mute range {text!r}: the end must be after the start")
    return a, b


def muted(
    start: float, rate: int, count: int, ranges: tuple[tuple[float, float], ...]
) -> npt.NDArray[np.bool_]:
    """Which of ``count`` samples, the first at ``start`` seconds and ``rate`` a second, fall in
    a range ``[a, b)`` (sample ``i`` is at ``start + i / rate``)."""
    out = np.zeros(count, dtype=bool)
    for a, b in ranges:
        first = max(0, int(np.ceil((a - start) * rate - 1e-9)))
        stop = min(count, int(np.ceil((b - start) * rate - 1e-9)))
        if stop > first:
            out[first:stop] = True
    return out


def check_mutes(
    ranges: tuple[tuple[float, float], ...], seconds: float
) -> tuple[tuple[float, float], ...]:
    """``ranges`` in order of their start, if each ends after it starts and within the clip's
    ``seconds``, and no two overlap; ``InputError`` saying which otherwise."""
    ordered = tuple(sorted(ranges))
    for a, b in ordered:
        if a < 0 or b <= a:
            raise InputError(f"mute range {a:g}-{b:g}: the end must be after the start")
        if b > seconds + 1e-6:
            raise InputError(
                f"mute range {a:g}-{b:g} ends after the clip ({seconds:.2f} s): give an end of "
                f"{seconds:.2f} or less"
            )
    for (a, b), (c, d) in pairwise(ordered):
        if c < b:
            raise InputError(
                f"mute ranges {a:g}-{b:g} and {c:g}-{d:g} overlap: make them one range "
                f"({a:g}-{max(b, d):g})"
            )
    return ordered
