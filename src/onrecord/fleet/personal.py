"""Personal cameras, placed before the pool is sized (``shared/spec/fleet.md``).

A personal camera serves its officer's shift if it is in service, docks at the shift's station
and is free: not still out or recharging after the officer's previous tour on it. Shifts are
taken in start order, so whether a camera is free depends on which earlier shifts it served;
the loop runs only over shifts whose officer has a personal camera at that station.

A tour longer than the camera's battery is left to the pool: it needs k > 1 cameras for its
whole length and an officer has one personal camera (a decision, see docs/plan.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from onrecord.fleet.inputs import Fleet, Schedule
from onrecord.fleet.occupation import hours, pickup, single_end
from onrecord.fleet.params import PlanParameters

I64 = npt.NDArray[np.int64]


class State(IntEnum):
    """What the officer's personal camera did for a shift."""

    NONE = 0  # no in-service personal camera docks at the shift's station
    SERVED = 1
    RECHARGING = 2  # it was still out or recharging after the previous tour
    TOO_LONG = 3  # the tour is longer than its battery


@dataclass
class Personal:
    state: I64  # per shift, a State
    camera: list[str | None]  # per shift: the camera id when SERVED
    end: I64  # per shift: end of the personal camera's occupation when SERVED, else 0


def place(s: Schedule, fleet: Fleet, params: PlanParameters) -> Personal:
    n = len(s.start)
    state = np.zeros(n, dtype=np.int64)
    camera: list[str | None] = [None] * n
    occ_end = np.zeros(n, dtype=np.int64)
    if not fleet.personal:
        return Personal(state, camera, occ_end)
    n_st = max(len(s.stations), 1)
    keys = np.array([o * n_st + st for o, st in fleet.personal], dtype=np.int64)
    key = s.officer * n_st + s.station
    candidates = np.flatnonzero((s.station >= 0) & np.isin(key, keys))
    if candidates.size == 0:
        return Personal(state, camera, occ_end)
    offs = s.officer[candidates].tolist()
    stas = s.station[candidates].tolist()
    first = [fleet.personal[(o, st)][0] for o, st in zip(offs, stas, strict=True)]
    # the first camera's occupation, for all candidates at once; other cameras of the same
    # officer at the same station (rare) are computed when reached
    end_first = single_end(
        s.start[candidates], s.end[candidates], np.array([c[1] for c in first]),
        np.array([c[2] for c in first]), params,
    ).tolist()  # fmt: skip
    h = hours(s.start[candidates], s.end[candidates]).tolist()
    go = pickup(s.start[candidates], params).tolist()
    free_at: dict[str, int] = {}
    for j, i in enumerate(candidates.tolist()):
        cams = fleet.personal[(offs[j], stas[j])]
        fitting = [(n, c) for n, c in enumerate(cams) if h[j] <= c[1]]
        if not fitting:
            state[i] = State.TOO_LONG
            continue
        for n_cam, (cam_id, battery, recharge) in fitting:
            if free_at.get(cam_id, go[j]) <= go[j]:
                end = end_first[j] if n_cam == 0 else _end(s, i, battery, recharge, params)
                free_at[cam_id] = end
                state[i], camera[i], occ_end[i] = State.SERVED, cam_id, end
                break
        else:
            state[i] = State.RECHARGING
    return Personal(state, camera, occ_end)


def _end(s: Schedule, i: int, battery: float, recharge: float, params: PlanParameters) -> int:
    one = slice(i, i + 1)
    return int(
        single_end(s.start[one], s.end[one], np.array([battery]), np.array([recharge]), params)[0]
    )
