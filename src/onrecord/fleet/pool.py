"""Pool sizing and assignment at each station.

The fewest identical cameras that serve a set of occupation intervals is the largest number of
them that overlap at one instant (interval partitioning). ``occupancy`` finds it for every
station at once with one sort and one cumulative sum; ``assign`` reaches it with a real
assignment: shifts in start order each take the lowest-numbered free camera, and a new camera is
numbered only when none is free. The same loop with a fixed number of cameras is the current
fleet, first come first served, and tells which shifts go without.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

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

    @property
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


def assign(start: I64, k: I64, part_end: I64, capacity: int | None) -> Assignment:
    """Give each shift (in start order; ``k[i]`` parts whose ends are the next ``k[i]`` entries
    of ``part_end``) its cameras: the lowest-numbered free ones, or new ones numbered on while
    the station has fewer than ``capacity`` (``None``: unbounded). A shift that cannot get all
    of its k cameras gets none.
    """
    cam = np.full(len(part_end), -1, dtype=np.int64)
    free_when = np.full(len(start), -1, dtype=np.int64)
    starts, ks, ends = start.tolist(), k.tolist(), part_end.tolist()
    cams: list[int] = [-1] * len(ends)
    busy: list[tuple[int, int]] = []  # (free from, camera)
    free: list[int] = []
    opened = 0
    limit = capacity if capacity is not None else len(ends)
    p = 0
    push, pop = heapq.heappush, heapq.heappop
    for i, s in enumerate(starts):
        while busy and busy[0][0] <= s:
            push(free, pop(busy)[1])
        n = ks[i]
        available = len(free) + limit - opened  # free, or never used yet
        if available < n:
            free_when[i] = available
            p += n
            continue
        for _ in range(n):
            if free:
                c = pop(free)
            else:
                c = opened
                opened += 1
            cams[p] = c
            push(busy, (ends[p], c))
            p += 1
    cam[:] = cams
    return Assignment(cam, free_when)
