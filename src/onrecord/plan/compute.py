"""The plan: personal cameras first, then each station's pool sized and assigned, then the
current fleet replayed to find the shifts it leaves uncovered (``docs/contracts/fleet.md``).

``make_plan`` is pure computation over the arrays ``inputs`` reads; outputs and the report are
written from its result.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from functools import cached_property

import numpy as np
import numpy.typing as npt

from onrecord.plan.inputs import Fleet, Schedule
from onrecord.plan.occupation import Parts, split
from onrecord.plan.params import PlanParameters
from onrecord.plan.personal import Personal, State, place
from onrecord.plan.pool import Occupancy, assign, occupancy

I64 = npt.NDArray[np.int64]


class Reason(IntEnum):
    """Why the current fleet leaves a shift without a camera (0: it does not)."""

    COVERED = 0
    NO_POOL_CAMERA = 1  # no pool camera free at the station (none there, or all in use)
    PERSONAL_RECHARGING = 2  # the officer's personal camera was still recharging, and no pool one
    LONGER_THAN_BATTERY = 3  # a camera was free, but the tour needs more than were free
    NO_STATION = 4  # neither the shift nor the officer names a station: nowhere to dock from

    @property
    def code(self) -> str:
        return self.name.lower()

    @property
    def text(self) -> str:
        """The reason as a person reads it, in the CLI and the report alike."""
        return _REASON_TEXT[self]


_REASON_TEXT = {
    Reason.COVERED: "covered",
    Reason.NO_POOL_CAMERA: "no pool camera free",
    Reason.PERSONAL_RECHARGING: "personal camera recharging",
    Reason.LONGER_THAN_BATTERY: "too few cameras free for a tour longer than one battery",
    Reason.NO_STATION: "no station",
}


@dataclass
class Plan:
    schedule: Schedule
    fleet: Fleet
    params: PlanParameters
    personal: Personal
    pool_shift: I64  # schedule indices of the shifts served by the pool, in start order
    parts: Parts  # their occupations (``parts.shift`` indexes ``pool_shift``)
    part_camera: I64  # per part: camera number at its station (0..have−1 real, then new ones)
    occupancy: Occupancy
    needed: I64  # per station
    peak_at: I64  # per station, µs (−1: nothing to serve)
    reason: I64  # per schedule shift, a Reason, under the current fleet
    free_when_refused: I64  # per schedule shift: pool cameras free when it was refused, else −1

    @property
    def have(self) -> I64:
        return self.fleet.pool_have

    @cached_property
    def shortfall(self) -> I64:
        return np.maximum(0, self.needed - self.have)

    @cached_property
    def k(self) -> I64:
        """Cameras each schedule shift needs from the pool (0: a personal camera or no station)."""
        out = np.zeros(len(self.schedule.start), dtype=np.int64)
        first = self.parts.part == 0
        out[self.pool_shift[self.parts.shift[first]]] = self.parts.k[first]
        return out


def make_plan(s: Schedule, fleet: Fleet, params: PlanParameters) -> Plan:
    n_st = len(s.stations)
    personal = place(s, fleet, params)
    pool_shift = np.flatnonzero((s.station >= 0) & (personal.state != State.SERVED))
    st = s.station[pool_shift]
    parts = split(
        s.start[pool_shift], s.end[pool_shift], fleet.pool_battery[st], fleet.pool_recharge[st],
        params,
    )  # fmt: skip
    part_station = st[parts.shift]
    occ = occupancy(part_station, parts.start, parts.end, n_st)
    needed = occ.needed

    part_camera = np.full(len(parts.shift), -1, dtype=np.int64)
    reason = np.zeros(len(s.start), dtype=np.int64)
    reason[s.station < 0] = Reason.NO_STATION
    free_when = np.full(len(s.start), -1, dtype=np.int64)
    order = np.argsort(part_station, kind="stable")  # parts stay in shift order within a station
    bounds = np.searchsorted(part_station[order], np.arange(n_st + 1))
    have = fleet.pool_have
    for code in np.flatnonzero(bounds[1:] > bounds[:-1]).tolist():
        idx = order[bounds[code] : bounds[code + 1]]
        heads = idx[parts.part[idx] == 0]
        starts, ks, ends = parts.start[heads], parts.k[heads], parts.end[idx]
        planned = assign(starts, ks, ends, int(have[code]), grow=True)
        part_camera[idx] = planned.camera
        if max(planned.camera.max() + 1, have[code]) != max(needed[code], have[code]):
            raise AssertionError(f"station {s.stations[code]}: assignment and peak disagree")
        if have[code] < needed[code]:
            current = assign(starts, ks, ends, int(have[code]), grow=False)
            refused = current.free >= 0
            shifts = pool_shift[parts.shift[heads]]
            free_when[shifts[refused]] = current.free[refused]
            reason[shifts[refused]] = _why(
                personal.state[shifts[refused]], ks[refused], current.free[refused]
            )
    return Plan(
        s, fleet, params, personal, pool_shift, parts, part_camera, occ, needed,
        occ.peak_at(), reason, free_when,
    )  # fmt: skip


def _why(state: I64, k: I64, free: I64) -> I64:
    """The reason a refused shift went without, most specific first."""
    return np.select(
        [
            state == State.RECHARGING,
            (k > 1) & ((free > 0) | (state == State.TOO_LONG)),
        ],
        [Reason.PERSONAL_RECHARGING, Reason.LONGER_THAN_BATTERY],
        Reason.NO_POOL_CAMERA,
    ).astype(np.int64)
