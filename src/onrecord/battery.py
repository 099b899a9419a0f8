"""The battery model of ``docs/contracts/fleet.md``, shared by the planner and the fleet service.

Charge is a fraction of a full battery (0–1). A camera drains linearly over ``battery_hours`` of
use and recharges linearly over ``recharge_hours`` on the dock. The functions take floats or NumPy
arrays alike, so the planner applies them to millions of shifts at once and the checkout service
to one camera, with a single definition: given floats they return a NumPy scalar (``np.float64``
is a ``float``; ``cameras_needed`` gives an ``np.int64``), given an array of hours an array.
"""

from __future__ import annotations

from typing import overload

import numpy as np
import numpy.typing as npt

BATTERY_HOURS = 12.0
"""Runtime of a full charge when the camera does not say."""
RECHARGE_HOURS = 4.0
"""Dock time from empty to full when the camera does not say."""
PICKUP_LEAD_MINUTES = 15.0
"""How long before a shift starts its camera leaves the dock."""
RETURN_MINUTES = 15.0
"""How long after a shift ends its camera is back on the dock."""

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Hours = float | F64
"""Hours, or a fraction of a full charge: one value, or one per shift or camera."""


@overload
def cameras_needed(hours: float, battery_hours: float) -> np.int64: ...
@overload
def cameras_needed(hours: F64, battery_hours: Hours) -> I64: ...
@overload
def cameras_needed(hours: Hours, battery_hours: Hours) -> np.int64 | I64: ...  # not known which
def cameras_needed(hours: Hours, battery_hours: Hours) -> np.int64 | I64:
    """``ceil(hours / battery_hours)``, at least 1: a tour cannot swap cameras mid-way."""
    return np.maximum(1, np.ceil(np.asarray(hours) / battery_hours)).astype(np.int64)[()]


@overload
def recharge_time(hours_used: float, battery_hours: float, recharge_hours: float) -> float: ...
@overload
def recharge_time(hours_used: F64, battery_hours: Hours, recharge_hours: Hours) -> F64: ...
def recharge_time(hours_used: Hours, battery_hours: Hours, recharge_hours: Hours) -> Hours:
    """Dock hours to refill a camera that ran ``hours_used``: recharge × min(1, used / battery)."""
    return recharge_hours * np.minimum(1.0, np.asarray(hours_used) / battery_hours)[()]


@overload
def last_camera_hours(hours: float, battery_hours: float) -> float: ...
@overload
def last_camera_hours(hours: F64, battery_hours: Hours) -> F64: ...
def last_camera_hours(hours: Hours, battery_hours: Hours) -> Hours:
    """Hours the last of ``cameras_needed`` cameras runs; the others run a full battery each."""
    k = cameras_needed(hours, battery_hours)
    return np.asarray(hours) - (k - 1) * battery_hours


@overload
def drained(charge: float, hours_out: float, battery_hours: float) -> float: ...
@overload
def drained(charge: F64, hours_out: Hours, battery_hours: Hours) -> F64: ...
def drained(charge: Hours, hours_out: Hours, battery_hours: Hours) -> Hours:
    """Charge left after ``hours_out`` of use, never below empty."""
    return np.maximum(0.0, np.asarray(charge) - np.asarray(hours_out) / battery_hours)[()]


@overload
def recharged(charge: float, hours_docked: float, recharge_hours: float) -> float: ...
@overload
def recharged(charge: F64, hours_docked: Hours, recharge_hours: Hours) -> F64: ...
def recharged(charge: Hours, hours_docked: Hours, recharge_hours: Hours) -> Hours:
    """Charge after ``hours_docked`` on the dock, never above full."""
    return np.minimum(1.0, np.asarray(charge) + np.asarray(hours_docked) / recharge_hours)[()]


@overload
def hours_to_charge(charge: float, target: float, recharge_hours: float) -> float: ...
@overload
def hours_to_charge(charge: F64, target: Hours, recharge_hours: Hours) -> F64: ...
def hours_to_charge(charge: Hours, target: Hours, recharge_hours: Hours) -> Hours:
    """Dock hours until ``charge`` reaches ``target`` (0 when it already has)."""
    return np.maximum(0.0, np.asarray(target) - charge)[()] * recharge_hours
