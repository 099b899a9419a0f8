"""Personal cameras, placed before the pool is sized (``docs/contracts/fleet.md``).

A personal camera serves its officer's shift if it is in service, docks at the shift's station
and is free: not still out or recharging after the officer's previous tour on it. Shifts are
taken in start order, so whether a camera is free depends on which earlier shifts it served.

A tour longer than the camera's battery is left to the pool: it needs k > 1 cameras for its
whole length and an officer has one personal camera (a decision, see docs/plan.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from onrecord.plan.inputs import Fleet, Schedule
from onrecord.plan.occupation import hours, pickup, single_end
from onrecord.plan.params import PlanParameters

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
    camera: I64  # per shift: index into ``ids`` of the camera when SERVED, else −1
    end: I64  # per shift: end of the personal camera's occupation when SERVED, else 0
    ids: list[str]  # personal camera ids


def place(s: Schedule, fleet: Fleet, params: PlanParameters) -> Personal:
    """Serve each shift by its officer's personal camera where the model allows.

    Vectorised: with its officer's shifts in start order, a shift that picks up after every
    earlier occupation of the camera has ended is served whatever happened before (a "fresh"
    shift). Only runs of shifts that overlap an earlier one are walked one by one, because
    whether such a shift is served depends on whether the one it overlaps was.
    """
    n = len(s.start)
    state = np.zeros(n, dtype=np.int64)
    camera = np.full(n, -1, dtype=np.int64)
    occ_end = np.zeros(n, dtype=np.int64)
    keys = list(fleet.personal)
    cams = [fleet.personal[k] for k in keys]
    ids = [c[0] for cs in cams for c in cs]
    out = Personal(state, camera, occ_end, ids)
    if not keys or not n:
        return out
    n_st = max(len(s.stations), 1)
    code = np.array([o * n_st + st for o, st in keys], dtype=np.int64)
    by_code = np.argsort(code)
    key = s.officer * n_st + s.station
    pos = np.minimum(np.searchsorted(code[by_code], key), len(code) - 1)
    cand = np.flatnonzero((s.station >= 0) & (code[by_code][pos] == key))
    ck = by_code[pos[cand]]  # each candidate's key, an index into ``keys``
    first_id = np.cumsum([0] + [len(c) for c in cams])[:-1]
    single = np.array([len(c) == 1 for c in cams])[ck]
    _walk(s, params, cand[~single], [cams[k] for k in ck[~single]],
          first_id[ck[~single]], out)  # fmt: skip

    c, k = cand[single], ck[single]
    battery = np.array([cs[0][1] for cs in cams])[k]
    recharge = np.array([cs[0][2] for cs in cams])[k]
    too_long = hours(s.start[c], s.end[c]) > battery
    state[c[too_long]] = State.TOO_LONG
    c, k, battery, recharge = c[~too_long], k[~too_long], battery[~too_long], recharge[~too_long]
    order = np.argsort(k, kind="stable")  # each camera's shifts together, in start order
    c, k = c[order], k[order]
    go = pickup(s.start[c], params)
    end = single_end(s.start[c], s.end[c], battery[order], recharge[order], params)
    fresh = _fresh(k, go, end)
    segment = np.cumsum(fresh) - 1
    walked = np.isin(segment, segment[~fresh])
    served = ~walked
    free_at = 0
    for j in np.flatnonzero(walked).tolist():
        if fresh[j] or free_at <= go[j]:
            served[j] = True
            free_at = int(end[j])
    state[c] = np.where(served, State.SERVED, State.RECHARGING)
    camera[c[served]] = first_id[k[served]]
    occ_end[c[served]] = end[served]
    return out


def _fresh(k: I64, go: I64, end: I64) -> npt.NDArray[np.bool_]:
    """Per shift (grouped by camera ``k``, in start order): does it pick up after every earlier
    occupation of its camera has ended? Whole seconds, ends rounded up and pickups down, so the
    answer errs only towards "no" (walked exactly); the camera code sits above 2³¹ s (68 years)."""
    if not len(k):
        return np.ones(0, dtype=bool)
    t0 = int(go.min())
    up = (end - t0 + 999_999) // 1_000_000
    down = (go - t0) // 1_000_000
    running = np.maximum.accumulate((k << 31) + up)
    fresh = np.ones(len(k), dtype=bool)
    fresh[1:] = (k[1:] != k[:-1]) | ((k[1:] << 31) + down[1:] >= running[:-1])
    return fresh


def _walk(
    s: Schedule,
    params: PlanParameters,
    shifts: I64,
    cams: list[list[tuple[str, float, float]]],
    first_id: I64,
    out: Personal,
) -> None:
    """Shift by shift, for officers with several personal cameras at one station (rare): the
    first camera, in id order, that fits the tour and is free."""
    free_at: dict[int, int] = {}
    for j, i in enumerate(shifts.tolist()):
        one = slice(i, i + 1)
        go = int(pickup(s.start[one], params)[0])
        h = float(hours(s.start[one], s.end[one])[0])
        fitting = [(n, c) for n, c in enumerate(cams[j]) if h <= c[1]]
        if not fitting:
            out.state[i] = State.TOO_LONG
            continue
        out.state[i] = State.RECHARGING
        for n, (_, battery, recharge) in fitting:
            cam = int(first_id[j]) + n
            if free_at.get(cam, go) <= go:
                end = int(single_end(s.start[one], s.end[one], np.array([battery]),
                                     np.array([recharge]), params)[0])  # fmt: skip
                free_at[cam] = end
                out.state[i], out.camera[i], out.end[i] = State.SERVED, cam, end
                break
