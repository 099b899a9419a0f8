"""Unions of intervals per officer, indexed so that any window is measured with two lookups.

R(o) (recorded) and P(o) (possessed) are unions of half-open intervals. Merging them into
disjoint, ordered *islands* with a running total of their lengths turns every question the audit
asks into binary searches: the covered length of a window ``[a, b)`` is ``F(b) - F(a)`` where
``F(t) = |union ∩ (-inf, t)|`` is the prefix length at ``t``. Times are integer microseconds, so
every sum is exact.

All officers share one sorted array of officer-and-time keys (``keys.py``). The running total
runs across officers too: ``F`` then counts the islands of earlier officers as well, a constant
per officer that cancels in every difference the audit takes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Islands:
    """Disjoint islands in key order: ``s``/``e`` their bounds, ``cum`` the length before each."""

    s: np.ndarray
    e: np.ndarray
    cum: np.ndarray

    @classmethod
    def build(cls, s: np.ndarray, e: np.ndarray) -> Islands:
        """Merge intervals ``[s, e)`` (keys). Intervals that merely touch are one island:
        ``[1, 2) ∪ [2, 3) = [1, 3)``; empty ones (``e <= s``) have no length and are left out."""
        keep = e > s
        s, e = s[keep], e[keep]
        order = np.argsort(s, kind="stable")
        s, e = s[order], e[order]
        if len(s) == 0:
            empty = np.empty(0, np.int64)
            return cls(empty, empty, empty)
        reach = np.maximum.accumulate(e)
        first = np.empty(len(s), bool)
        first[0] = True
        first[1:] = s[1:] > reach[:-1]
        at = np.flatnonzero(first)
        starts, ends = s[at], np.maximum.reduceat(e, at)
        lengths = ends - starts
        cum = np.zeros(len(at), np.int64)
        np.cumsum(lengths[:-1], out=cum[1:])
        return cls(starts, ends, cum)

    def __len__(self) -> int:
        return len(self.s)

    def at_or_before(self, k: np.ndarray) -> np.ndarray:
        """Index of the last island starting at or before each key (-1 when none)."""
        return np.searchsorted(self.s, k, side="right") - 1

    def before(self, k: np.ndarray) -> np.ndarray:
        """Index of the last island starting strictly before each key (-1 when none)."""
        return np.searchsorted(self.s, k, side="left") - 1

    def prefix(self, k: np.ndarray, i: np.ndarray | None = None) -> np.ndarray:
        """F(k): covered length before each key (``i``: its ``at_or_before``, if known)."""
        if i is None:
            i = self.at_or_before(k)
        if len(self) == 0:
            return np.zeros(len(k), np.int64)
        j = np.maximum(i, 0)
        f = self.cum[j] + np.minimum(k, self.e[j]) - self.s[j]
        return np.where(i >= 0, f, 0)

    def covered(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Length of each window ``[a, b)`` (keys of one officer) inside the union."""
        return self.prefix(b) - self.prefix(a)
