"""Occupation intervals: how long a shift keeps its camera(s) off the pool.

A shift from ``start`` to ``end`` (``docs/contracts/fleet.md``) occupies each of its
``k = ceil(hours / battery)`` cameras over ``[start − lead, end + return + recharge)``: all k
leave together (a detail officer far from the station cannot swap mid-tour); the first k − 1 run
flat and recharge fully, the last runs the remainder and recharges in proportion. Times are
integer microseconds, so that a half-open comparison ``free_at <= start`` is exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from onrecord.battery import cameras_needed, last_camera_hours, recharge_time
from onrecord.plan.params import PlanParameters

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

US_PER_HOUR = 3_600_000_000
US_PER_MINUTE = 60_000_000


def hours(start: I64, end: I64) -> F64:
    return (end - start) / US_PER_HOUR


def us(hours_: F64 | float) -> I64:
    """Hours as whole microseconds (rounded: the model's inputs are far coarser)."""
    return np.rint(np.asarray(hours_) * US_PER_HOUR).astype(np.int64)


def pickup(start: I64, params: PlanParameters) -> I64:
    """When the camera(s) leave the dock."""
    return start - round(params.pickup_lead_minutes * US_PER_MINUTE)


def back(end: I64, params: PlanParameters) -> I64:
    """When the camera(s) are back on the dock, before recharging."""
    return end + round(params.return_minutes * US_PER_MINUTE)


def single_end(start: I64, end: I64, battery: F64, recharge: F64, params: PlanParameters) -> I64:
    """End of the occupation of one camera that runs the whole shift (within its battery)."""
    return back(end, params) + us(recharge_time(hours(start, end), battery, recharge))


@dataclass
class Parts:
    """One row per shift-camera occupation, shifts in the order given, parts 0..k−1 each."""

    shift: I64  # index into the arrays given
    part: I64
    k: I64  # cameras the shift needs (repeated on each of its parts)
    start: I64
    end: I64


def split(start: I64, end: I64, battery: F64, recharge: F64, params: PlanParameters) -> Parts:
    """Every shift's k occupations, with each camera's recharge."""
    h = hours(start, end)
    k = np.asarray(cameras_needed(h, battery), dtype=np.int64).reshape(-1)
    shift = np.repeat(np.arange(len(start), dtype=np.int64), k)
    first_part = np.cumsum(k) - k
    part = np.arange(len(shift), dtype=np.int64) - np.repeat(first_part, k)
    kk = k[shift]
    last = part == kk - 1
    full = np.broadcast_to(np.asarray(recharge, dtype=np.float64), h.shape)[shift]
    b = np.broadcast_to(np.asarray(battery, dtype=np.float64), h.shape)[shift]
    rest = recharge_time(last_camera_hours(h[shift], b), b, full)
    occ_end = back(end[shift], params) + us(np.where(last, rest, full))
    return Parts(shift, part, kk, pickup(start, params)[shift], occ_end)
