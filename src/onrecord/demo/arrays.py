"""Segment operations on sorted numpy arrays, the building blocks that replace per-row loops.

Rows are grouped into contiguous segments (a shift's incidents, a camera's sessions); these
helpers compute running values within each segment in a few whole-array operations.
"""

from __future__ import annotations

import numpy as np


def segment_starts(keys: np.ndarray) -> np.ndarray:
    """True where a new segment begins in an array of segment keys sorted so equal keys touch."""
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    return first


def rank_in_segment(keys: np.ndarray) -> np.ndarray:
    """0, 1, 2 … within each run of equal keys (keys sorted so equal keys touch)."""
    n = len(keys)
    starts = np.flatnonzero(segment_starts(keys))
    head = np.repeat(starts, np.diff(np.append(starts, n)))
    return np.arange(n) - head


def running_max(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Inclusive running maximum of ``values`` restarted at every new key (keys sorted)."""
    if len(values) == 0:
        return values.copy()
    seg = np.cumsum(segment_starts(keys)) - 1
    span = int(values.max() - values.min()) + 1
    lifted = (values - values.min()) + seg.astype(np.int64) * span
    return np.maximum.accumulate(lifted) - seg.astype(np.int64) * span + values.min()


def previous_max(values: np.ndarray, keys: np.ndarray, empty: int) -> np.ndarray:
    """Maximum of the earlier ``values`` in the segment (``empty`` for a segment's first row)."""
    out = np.full(len(values), empty, dtype=np.int64)
    if len(values) > 1:
        out[1:] = running_max(values, keys)[:-1]
        out[segment_starts(keys)] = empty
    return out


def exclusive_cumsum(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Sum of the earlier ``values`` in the same segment (0 for a segment's first row)."""
    total = np.cumsum(values) - values
    starts = np.flatnonzero(segment_starts(keys))
    lengths = np.diff(np.append(starts, len(values)))
    return total - np.repeat(total[starts], lengths)


def previous_in_segment(values: np.ndarray, keys: np.ndarray, empty: int) -> np.ndarray:
    """The previous row's value in the same segment; ``empty`` for a segment's first row."""
    out = np.full(len(values), empty, dtype=values.dtype)
    if len(values) > 1:
        out[1:] = values[:-1]
        out[segment_starts(keys)] = empty
    return out


def apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` that sum exactly to ``total``
    (largest remainders win), so a roster has exactly the officers asked for."""
    share = np.asarray(weights, dtype=float) / np.sum(weights) * total
    out = np.floor(share).astype(np.int64)
    short = total - int(out.sum())
    out[np.argsort(-(share - out), kind="stable")[:short]] += 1
    return out
