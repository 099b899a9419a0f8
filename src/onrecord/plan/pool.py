"""Pool sizing and assignment at each station.

The fewest identical cameras that serve a set of occupation intervals is the largest number of
them that overlap at one instant (interval partitioning). ``occupancy`` finds it for every
station at once with one sort and one cumulative sum; ``assign`` reaches it with a real
assignment: shifts in start order each take the free camera that has charged longest (as the
checkout service hands them out), and a new camera is numbered only when none is free, which
never needs more than the peak. The same loop with a fixed number of cameras is the current
fleet, first come first served, and tells which shifts go without.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]


@dataclass
class Occupancy:
    """Cameras out or recharging at each station over time: after the ``j``-th event (sorted by
    station, then time, ends before starts at the same instant), ``level[j]`` cameras at
    ``station[j]`` are occupied from ``time[j]`` until the next event."""

    station: I64
    time: I64
    level: I64
    bounds: I64  # station s's events are [bounds[s], bounds[s + 1])

    @cached_property
    def needed(self) -> I64:
        """The peak per station (0 where nothing is occupied)."""
        out = np.zeros(len(self.bounds) - 1, dtype=np.int64)
        has = self.bounds[1:] > self.bounds[:-1]
        if self.level.size:
            out[has] = np.maximum.reduceat(self.level, self.bounds[:-1][has])
        return out

    def peak_at(self) -> I64:
        """The first instant each station reaches its peak (−1 where nothing is occupied)."""
        needed = self.needed
        at = np.full(len(needed), -1, dtype=np.int64)
        hit = np.flatnonzero((self.level == needed[self.station]) & (self.level > 0))
        first = np.unique(self.station[hit], return_index=True)
        at[first[0]] = self.time[hit[first[1]]]
        return at

    def binned_max(self, code: int, t0: int, width: int, n: int) -> I64:
        """Station ``code``'s most cameras occupied at any instant of each bin
        ``[t0 + j·width, t0 + (j+1)·width)``, so that binning never smooths a peak away."""
        lo, hi = self.bounds[code], self.bounds[code + 1]
        time, level = self.time[lo:hi], self.level[lo:hi]
        out = np.zeros(n, dtype=np.int64)
        np.maximum.at(out, np.clip((time - t0) // width, 0, n - 1), level)
        edges = t0 + width * np.arange(n, dtype=np.int64)
        before = np.searchsorted(time, edges, side="right") - 1  # the level carried into a bin
        carried = np.where(before >= 0, level[np.maximum(before, 0)], 0)
        return np.maximum(out, carried)


def occupancy(station: I64, start: I64, end: I64, n_stations: int) -> Occupancy:
    """The occupancy step function of half-open intervals ``[start, end)`` per station."""
    st = np.concatenate([station, station])
    t = np.concatenate([start, end])
    delta = np.concatenate([np.ones_like(start), -np.ones_like(end)])
    order = np.lexsort((delta, t, st))  # at the same instant, a camera comes back first
    st, t, delta = st[order], t[order], delta[order]
    # each station's deltas sum to zero, so one running sum restarts at every station
    level = np.cumsum(delta)
    bounds = np.searchsorted(st, np.arange(n_stations + 1))
    return Occupancy(st, t, level, bounds)


@dataclass
class Assignment:
    camera: I64  # per part: camera number at the station; −1 when its shift went without
    free: I64  # per shift: −1 if served, else how many cameras were free when it started


def assign(start: I64, k: I64, part_end: I64, have: int, grow: bool) -> Assignment:
    """Give each shift (in start order; ``k[i]`` parts whose ends are the next ``k[i]`` entries
    of ``part_end``) its cameras: those that have been back and charged longest, as a kiosk hands
    them out, cameras ``0..have−1`` being on the dock from the start. With ``grow``, a camera is
    numbered on (``have``, ``have+1``, …) only when none is free, so no more are added than the
    peak needs; without, a shift that cannot get all k free cameras gets none.

    One heap of ``(free from << bits) | camera`` integers: a shift needing one camera costs one
    heap operation. Times are made relative so that the cameras already docked sort first.
    """
    n_parts = len(part_end)
    cams = [-1] * n_parts
    free_when = [-1] * len(start)
    if not len(start):
        return Assignment(np.asarray(cams, dtype=np.int64), np.asarray(free_when, dtype=np.int64))
    bits = (n_parts + have).bit_length()
    mask = (1 << bits) - 1
    base = int(start.min()) - 1
    starts, ks, ends = (start - base).tolist(), k.tolist(), (part_end - base).tolist()
    busy = list(range(have))  # free from relative time 0: a valid heap as it is
    opened = have
    push, pop, replace = heapq.heappush, heapq.heappop, heapq.heapreplace
    p = 0
    for i, s in enumerate(starts):
        free_from = (s + 1) << bits  # entries below this are back on the dock by ``s``
        n = ks[i]
        if n == 1:
            if busy and busy[0] < free_from:
                c = busy[0] & mask
                replace(busy, (ends[p] << bits) | c)
            elif grow:
                c = opened
                opened += 1
                push(busy, (ends[p] << bits) | c)
            else:
                free_when[i] = 0
                p += 1
                continue
            cams[p] = c
            p += 1
            continue
        got: list[int] = []
        while busy and busy[0] < free_from and len(got) < n:
            got.append(pop(busy))
        if len(got) < n and not grow:
            free_when[i] = len(got)
            for e in got:
                push(busy, e)
            p += n
            continue
        for j in range(n):
            if j < len(got):
                c = got[j] & mask
            else:
                c = opened
                opened += 1
            cams[p] = c
            push(busy, (ends[p] << bits) | c)
            p += 1
    return Assignment(np.asarray(cams, dtype=np.int64), np.asarray(free_when, dtype=np.int64))
