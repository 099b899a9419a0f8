"""Arrow string columns built from numpy arrays: timestamps, dates, ids and digests.

Millions of values are formatted per run, so each value is written as fixed-width ASCII into one
``uint8`` matrix (a row per value) and handed to Arrow as the data buffer of a string array with
evenly spaced offsets; nothing is formatted one value at a time in Python.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from onrecord.demo.clock import DAY, civil

_ZERO = ord("0")
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)

Part = np.ndarray | bytes


def digits(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of non-negative integers, one row of ``width`` bytes each."""
    v = np.asarray(values, dtype=np.int64)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (_ZERO + (v[:, None] // powers) % 10).astype(np.uint8)


def join(n: int, parts: Sequence[Part]) -> pa.Array:
    """One string per row: the row's parts side by side. A part is a constant (``bytes``) or a
    ``(n, width)`` matrix of ASCII codes."""
    blocks = [
        np.broadcast_to(np.frombuffer(p, dtype=np.uint8), (n, len(p)))
        if isinstance(p, bytes)
        else p
        for p in parts
    ]
    matrix = np.ascontiguousarray(np.hstack(blocks)) if blocks else np.empty((n, 0), np.uint8)
    width = matrix.shape[1]
    small = (n + 1) * width < 2**31
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32 if small else np.int64)
    kind = pa.string() if small else pa.large_string()
    return pa.Array.from_buffers(kind, n, [None, pa.py_buffer(offsets), pa.py_buffer(matrix)])


def _date_parts(days: np.ndarray) -> list[Part]:
    y, m, d = civil(days)
    return [digits(y, 4), b"-", digits(m, 2), b"-", digits(d, 2)]


def local_times(local: np.ndarray) -> pa.Array:
    """ISO 8601 local times without offset (``2020-06-01T07:30:00``) from local seconds."""
    local = np.asarray(local, dtype=np.int64)
    days, secs = np.divmod(local, DAY)
    hh, rest = np.divmod(secs, 3_600)
    mm, ss = np.divmod(rest, 60)
    parts = [*_date_parts(days), b"T", digits(hh, 2), b":", digits(mm, 2), b":", digits(ss, 2)]
    return join(len(local), parts)


def dates(days: np.ndarray) -> pa.Array:
    """``YYYY-MM-DD`` from day numbers."""
    days = np.asarray(days, dtype=np.int64)
    return join(len(days), _date_parts(days))


def ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Identifiers such as ``S000001234``: a prefix and a zero-padded number."""
    numbers = np.asarray(numbers, dtype=np.int64)
    return join(len(numbers), [prefix.encode(), digits(numbers, width)])


def hex_digests(raw: np.ndarray) -> pa.Array:
    """Lower-case hexadecimal of each row of bytes (32 random bytes give a SHA-256-shaped value)."""
    nibbles = np.empty((raw.shape[0], raw.shape[1] * 2), dtype=np.uint8)
    nibbles[:, 0::2] = _HEX[raw >> 4]
    nibbles[:, 1::2] = _HEX[raw & 0x0F]
    return join(raw.shape[0], [nibbles])


def where_valid(values: pa.Array, valid: np.ndarray) -> pa.Array:
    """``values`` with the rows where ``valid`` is false set to null (an empty CSV cell)."""
    if valid.all():
        return values
    return pc.if_else(pa.array(valid), values, pa.scalar(None, values.type))


def pick(values: pa.Array | Sequence[str], codes: np.ndarray) -> pa.Array:
    """``values[code]`` for each code (a vocabulary or a column of ids); a negative code is null."""
    if not isinstance(values, pa.Array):
        values = pa.array(list(values), pa.string())
    codes = np.asarray(codes)
    return where_valid(values.take(pa.array(np.maximum(codes, 0))), codes >= 0)
