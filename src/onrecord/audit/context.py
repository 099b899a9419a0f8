"""Each encounter's context shift: the officer's shift it overlaps most.

Ties go to the earliest start, then the smallest ``shift_id``; an instant takes a shift with
``start <= t < end``. An officer's candidate shifts are a contiguous run in start order: from the
first whose running-maximum end passes ``a`` to the last that starts before ``b``. Most
encounters have one candidate and need no ranking; only the others are expanded and ranked, so
the work follows the overlaps, not officers × shifts.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa


def _overlap(
    a: np.ndarray, b: np.ndarray, s: np.ndarray, e: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Overlap length, and whether the shift ``[s, e)`` is a candidate for ``[a, b)``."""
    ov = np.minimum(b, e) - np.maximum(a, s)
    return ov, np.where(a == b, (s <= a) & (a < e), ov > 0)


def context_shifts(
    s: np.ndarray,
    e: np.ndarray,
    ids: Callable[[np.ndarray], pa.Array],
    a: np.ndarray,
    b: np.ndarray,
) -> np.ndarray:
    """Index of each window's context shift into the shifts (-1 when none).

    ``s``/``e`` are the shifts' bounds sorted by ``s``, ``a``/``b`` the windows', all
    officer-and-time keys (``keys.py``), so a window only ever sees its own officer's shifts.
    ``ids(index)`` gives the ``shift_id`` of shifts, needed only to break ties. Windows sorted by
    ``a`` make the searches several times faster (memory is then read in order).
    """
    out = np.full(len(a), -1, np.int64)
    if len(s) == 0 or len(a) == 0:
        return out
    reach = np.maximum.accumulate(e)
    lo = np.searchsorted(reach, a, side="right")  # first shift ending after a
    hi = np.searchsorted(s, np.where(a == b, a + 1, b), side="left") - 1  # last starting before
    n = hi - lo + 1

    one = np.flatnonzero(n == 1)
    j = lo[one]
    _, ok = _overlap(a[one], b[one], s[j], e[j])
    out[one[ok]] = j[ok]

    many = np.flatnonzero(n > 1)
    if len(many) == 0:
        return out
    counts = n[many]
    w = np.repeat(many, counts)
    starts = np.cumsum(counts) - counts
    j = np.repeat(lo[many], counts) + (np.arange(counts.sum()) - np.repeat(starts, counts))
    ov, ok = _overlap(a[w], b[w], s[j], e[j])
    w, j, ov = w[ok], j[ok], ov[ok]
    ranked = pa.table({"w": w, "ov": -ov, "s": s[j], "id": ids(j), "j": j}).sort_by(
        [("w", "ascending"), ("ov", "ascending"), ("s", "ascending"), ("id", "ascending")]
    )
    w_sorted = ranked.column("w").to_numpy()
    if len(w_sorted):
        first = np.flatnonzero(np.r_[True, w_sorted[1:] != w_sorted[:-1]])
        out[w_sorted[first]] = ranked.column("j").to_numpy()[first]
    return out
