"""Officer-and-time keys: one integer per (officer, instant) that sorts by officer, then time.

With ``key = officer * width + (t - t0)`` every officer's instants occupy their own range of
integers, so one sorted array holds every officer's intervals and a single ``searchsorted``
finds "the last island of this officer at or before t" for millions of windows at once. The
ranges never touch (``width`` exceeds the span of the times by two), so a lookup that falls before
an officer's first island lands on an earlier officer's island and sees it as lying entirely in
the past, which is what the prefix sums need (``intervals.py``).

Keys are int64: when officers × width would not fit, the officers are taken in chunks that do.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

# Largest key allowed; a margin under 2**63 for the ``+ 1`` of instant lookups.
KEY_LIMIT = 2**62


@dataclass(frozen=True)
class KeySpace:
    """Keys for officers ``[first, first + count)`` and times in ``[t0, t0 + width - 2]``."""

    first: int
    count: int
    t0: int
    width: int

    def key(self, officer: np.ndarray, t: np.ndarray) -> np.ndarray:
        return (officer.astype(np.int64) - self.first) * self.width + (t - self.t0)

    def officer(self, key: np.ndarray) -> np.ndarray:
        """The officer of each key (global numbering)."""
        return key // self.width + self.first


def chunks(n_officers: int, t_min: int, t_max: int, parts: int = 1) -> Iterator[KeySpace]:
    """Key spaces covering officers ``0 .. n_officers - 1`` in at least ``parts`` chunks, more
    when ``KEY_LIMIT`` requires (the tests lower it to run one officer per chunk)."""
    width = max(t_max - t_min, 0) + 2
    per = max(min(KEY_LIMIT // width - 1, -(-n_officers // parts)), 1)
    for first in range(0, max(n_officers, 1), per):
        yield KeySpace(first, per, t_min, width)
