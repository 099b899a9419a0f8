"""How recording covers each encounter window: video, late start, early stop, gaps, ratio.

Pure NumPy over officer-and-time keys (``keys.py``) and the recorded islands R (``intervals.py``).
For a window ``[a, b)`` the covered instants run from ``first`` (``a`` if an island holds it,
else the next island's start) to ``last`` (``b``, or the end of the last island starting before
``b``); the gaps between them are the holes between the islands they fall in, counted with
running totals of long gaps per island. Definitions: ``docs/methodology.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from onrecord.audit.intervals import Islands
from onrecord.audit.keys import KeySpace


@dataclass(frozen=True)
class Coverage:
    """One value per encounter window."""

    has_video: np.ndarray
    late_start: np.ndarray
    stopped_early: np.ndarray
    unexcused_gap: np.ndarray
    excused_gap: np.ndarray
    stop_allowed: np.ndarray
    coverage_ratio: np.ndarray


def contains(sorted_keys: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Whether each key is in the sorted array."""
    if len(sorted_keys) == 0:
        return np.zeros(len(k), bool)
    i = np.minimum(np.searchsorted(sorted_keys, k), len(sorted_keys) - 1)
    return sorted_keys[i] == k


def _gap_totals(
    r: Islands, ks: KeySpace, ok_ends: np.ndarray, max_gap: int
) -> tuple[np.ndarray, np.ndarray]:
    """Running totals, per island index, of the long gaps (> ``max_gap``) after the islands
    before it: unexcused, and excused (an allowed stop ends exactly where the gap begins)."""
    n = len(r)
    long = np.zeros(n, bool)
    if n > 1:
        same = ks.officer(r.s[1:]) == ks.officer(r.s[:-1])
        long[:-1] = same & (r.s[1:] - r.e[:-1] > max_gap)
    excused = contains(ok_ends, r.e)
    totals = []
    for gaps in (long & ~excused, long & excused):
        t = np.zeros(n + 1, np.int64)
        np.cumsum(gaps, out=t[1:])
        totals.append(t)
    return totals[0], totals[1]


def encounter_coverage(
    r: Islands,
    ks: KeySpace,
    ok_ends: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    max_gap: int,
    start_grace: int,
    end_grace: int,
) -> Coverage:
    """Coverage of windows ``[a, b)`` (keys) by R; ``ok_ends`` are the sorted keys at which a
    recording with an allowed stop reason ends. An instant (``a == b``) has video when an
    island holds it."""
    instant = a == b
    if len(r) == 0:
        no = np.zeros(len(a), bool)
        return Coverage(no, no, no, no, no, no, np.zeros(len(a)))
    unexc, exc = _gap_totals(r, ks, ok_ends, max_gap)
    ia, ib = r.at_or_before(a), r.before(b)
    ja, jb = np.maximum(ia, 0), np.maximum(ib, 0)
    inside = (ia >= 0) & (ks.officer(r.s[ja]) == ks.officer(a)) & (a < r.e[ja])
    covered = r.prefix(b) - r.prefix(a, ia)
    has_video = np.where(instant, inside, covered > 0)
    first = np.where(inside, a, r.s[np.minimum(ia + 1, len(r) - 1)])
    last = np.where(instant, a, np.minimum(b, r.e[jb]))
    # The gap after the island before ``a`` lies before ``first`` unless ``a`` is inside it.
    k_first = ia + ~inside
    interval = has_video & ~instant
    ratio = np.divide(covered, b - a, out=has_video.astype(np.float64), where=~instant)
    return Coverage(
        has_video=has_video,
        late_start=has_video & (first > a + start_grace),
        stopped_early=has_video & (last < b - end_grace),
        unexcused_gap=interval & (unexc[jb] - unexc[k_first] > 0),
        excused_gap=interval & (exc[jb] - exc[k_first] > 0),
        stop_allowed=contains(ok_ends, last),
        coverage_ratio=ratio,
    )
