"""Who carries which camera on which tour, the battery it has, and the dock's log of it.

A camera session runs from pickup (undock or checkout, a few minutes before the tour) to return
(dock or checkin, a few minutes after it). Officers pick up their personal camera at their home
station; a tour elsewhere, or a personal camera in repair, needs a pool camera of the tour's
station, which may have none left (the equipment gap Boston's mayor described). Most overtime and
detail tours have no camera at all. An officer who works a double keeps the camera, which then
runs flat: charge drains over the camera's rated runtime while it is off the dock and refills over
its recharge time on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from onrecord.demo import text
from onrecord.demo.arrays import rank_in_segment, running_max, segment_starts
from onrecord.demo.clock import DAY, MINUTE, Clock
from onrecord.demo.profile import Profile
from onrecord.demo.roster import PROGRAM_UNITS, Roster
from onrecord.demo.schedule import OVERTIME, PAID_DETAIL, REGULAR, Shifts
from onrecord.package.schema import DEVICE_EVENTS

NEVER = np.iinfo(np.int64).min // 2


@dataclass(frozen=True)
class Sessions:
    """A block's camera sessions, sorted by camera then pickup."""

    camera: np.ndarray
    officer: np.ndarray
    pool: np.ndarray  # bool: a pool camera (checkout/checkin) rather than a personal one
    pickup: np.ndarray
    ret: np.ndarray
    charge_out: np.ndarray  # battery % at pickup
    charge_in: np.ndarray  # battery % at return
    spent_at: np.ndarray  # when the rated runtime was used up, or ``ret`` if it was not

    def __len__(self) -> int:
        return len(self.camera)


@dataclass
class DeviceState:
    """Each camera's last return and the charge it came back with, carried between blocks."""

    last_return: np.ndarray
    last_charge: np.ndarray

    @classmethod
    def initial(cls, n_cameras: int) -> DeviceState:
        return cls(np.full(n_cameras, NEVER, dtype=np.int64), np.full(n_cameras, 100.0))


def _pool_cameras(
    roster: Roster, station: np.ndarray, day: np.ndarray, rank: np.ndarray
) -> np.ndarray:
    """The pool camera for the ``rank``-th pool pickup of ``day`` at ``station``, or -1.

    A station's in-service pool cameras are split in two halves used on alternate days, so a
    camera taken out on one day (for at most a double tour) is back before its next use.
    """
    cams = roster.cameras
    pool = np.flatnonzero((cams.officer < 0) & cams.in_service)
    if len(pool) == 0:
        return np.full(len(station), -1)
    half = rank_in_segment(cams.station[pool]) % 2
    key = cams.station[pool] * 2 + half
    order = np.lexsort((pool, key))
    pool, key = pool[order], key[order]
    n_keys = len(roster.stations.ids) * 2
    first = np.searchsorted(key, np.arange(n_keys))
    count = np.bincount(key, minlength=n_keys)
    want = station * 2 + day % 2
    ok = rank < count[want]
    return np.where(ok, pool[np.minimum(first[want] + rank, len(pool) - 1)], -1)


def sessions(
    roster: Roster,
    clock: Clock,
    shifts: Shifts,
    state: DeviceState,
    rng: np.random.Generator,
    profile: Profile,
) -> tuple[Sessions, np.ndarray]:
    """The block's camera sessions and, per shift, the index of the session covering it (or -1)."""
    of, cams = roster.officers, roster.cameras
    n = len(shifts)
    officer = shifts.officer
    share = np.select(
        [shifts.event, shifts.kind == REGULAR, np.isin(shifts.kind, (OVERTIME, PAID_DETAIL))],
        [profile.event_camera_share, profile.regular_camera_share, profile.extra_camera_share],
        0.0,
    )
    trained = of.trained_day[officer] <= clock.to_local(shifts.start) // DAY
    wants = PROGRAM_UNITS[of.unit[officer]] & trained & (rng.random(n) < share)

    personal = of.camera[officer]
    own = personal >= 0
    own[own] &= cams.in_service[personal[own]]
    at_home = (shifts.station == of.station[officer]) | (shifts.station < 0)
    camera = np.where(wants & own & at_home, personal, -1)

    # Pool pickups, ranked by time within each station and day.
    needs_pool = wants & (camera < 0) & (shifts.follows < 0)
    idx = np.flatnonzero(needs_pool)
    station = np.where(shifts.station[idx] >= 0, shifts.station[idx], of.station[officer[idx]])
    day = clock.to_local(shifts.start[idx]) // DAY
    order = np.lexsort((shifts.start[idx], day, station))
    idx, station, day = idx[order], station[order], day[order]
    rank = rank_in_segment(station * (1 << 32) + day)
    camera[idx] = _pool_cameras(roster, station, day, rank)

    # A double keeps the camera of the tour it continues; the two sessions are merged below.
    doubles = np.flatnonzero(wants & (shifts.follows >= 0))
    camera[doubles] = camera[shifts.follows[doubles]]

    has = np.flatnonzero(camera >= 0)
    pickup = shifts.start[has] - rng.integers(5, 26, len(has)) * MINUTE
    ret = shifts.end[has] + rng.integers(5, 31, len(has)) * MINUTE
    cam = camera[has]
    order = np.lexsort((pickup, cam))
    has, pickup, ret, cam = has[order], pickup[order], ret[order], cam[order]
    # Merge sessions of one camera that overlap (a double tour) into one.
    joined = np.ones(len(cam), bool)
    if len(cam) > 1:
        joined[1:] = pickup[1:] < running_max(ret, cam)[:-1]
    new = segment_starts(cam) | ~joined
    session_of = np.cumsum(new) - 1
    heads = np.flatnonzero(new)
    merged_ret = np.maximum.reduceat(ret, heads) if len(heads) else ret
    shift_session = np.full(n, -1)
    shift_session[has] = session_of

    cam, pickup, first_shift = cam[heads], pickup[heads], has[heads]
    out, back, spent = _charge(roster, cam, pickup, merged_ret, state)
    return (
        Sessions(
            camera=cam,
            officer=officer[first_shift],
            pool=cams.officer[cam] < 0,
            pickup=pickup,
            ret=merged_ret,
            charge_out=out,
            charge_in=back,
            spent_at=spent,
        ),
        shift_session,
    )


def _charge(
    roster: Roster, cam: np.ndarray, pickup: np.ndarray, ret: np.ndarray, state: DeviceState
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Battery % at pickup and return, and when the runtime was spent, for sessions sorted by
    camera then pickup.

    Each session's charge depends on the one before; with recharge times under a day nearly every
    camera starts full, so a fixed-point iteration over whole arrays settles in a few rounds.
    """
    if len(cam) == 0:
        return np.zeros(0), np.zeros(0), ret.copy()
    battery = roster.cameras.battery_s[cam]
    recharge = roster.cameras.recharge_s[cam]
    first = segment_starts(cam)
    prev_ret = np.empty_like(ret)
    prev_ret[1:] = ret[:-1]
    prev_ret[first] = state.last_return[cam[first]]
    carried = state.last_charge[cam[first]]
    charge_in = np.zeros(len(cam))
    while True:
        prev_charge = np.empty(len(cam))
        prev_charge[1:] = charge_in[:-1]
        prev_charge[first] = carried
        charge_out = np.minimum(100.0, prev_charge + (pickup - prev_ret) / recharge * 100)
        runtime = charge_out / 100 * battery
        spent_at = np.minimum(ret, pickup + runtime.astype(np.int64))
        new_in = np.maximum(0.0, charge_out - (ret - pickup) / battery * 100)
        if np.array_equal(new_in, charge_in):
            break
        charge_in = new_in
    last = np.flatnonzero(np.append(first[1:], True))
    state.last_return[cam[last]] = ret[last]
    state.last_charge[cam[last]] = charge_in[last]
    return np.round(charge_out), np.round(charge_in), spent_at


def events_table(
    roster: Roster,
    clock: Clock,
    s: Sessions,
    flat_at: np.ndarray,
    rng: np.random.Generator,
    profile: Profile,
) -> pa.Table:
    """The dock and kiosk log: undock/dock for personal cameras, checkout/checkin for the pool
    (a few checkins never recorded), and a ``battery`` reading of 0 when a camera ran flat
    (at ``flat_at``, per session; ``ret`` where it did not)."""
    n = len(s)
    out_event = np.where(s.pool, DEVICE_EVENTS.index("checkout"), DEVICE_EVENTS.index("undock"))
    in_event = np.where(s.pool, DEVICE_EVENTS.index("checkin"), DEVICE_EVENTS.index("dock"))
    logged_in = ~(s.pool & (rng.random(n) < profile.unclosed_checkout_share))
    flat = np.flatnonzero(flat_at < s.ret)
    back = np.flatnonzero(logged_in)
    camera = np.concatenate([s.camera, s.camera[back], s.camera[flat]])
    at = np.concatenate([s.pickup, s.ret[back], flat_at[flat]])
    event = np.concatenate(
        [out_event, in_event[back], np.full(len(flat), DEVICE_EVENTS.index("battery"))]
    )
    # The dock knows only the camera; the kiosk records who took and returned it.
    who = np.concatenate(
        [s.officer, np.where(s.pool[back], s.officer[back], -1), np.full(len(flat), -1)]
    )
    pct = np.concatenate([s.charge_out, s.charge_in[back], np.zeros(len(flat))])
    has_pct = np.concatenate([~s.pool, ~s.pool[back], np.ones(len(flat), bool)])
    order = np.lexsort((camera, at))
    return pa.table(
        {
            "camera_id": text.pick(roster.cameras.ids, camera[order]),
            "at": text.local_times(clock.to_local(at[order])),
            "event": text.pick(DEVICE_EVENTS, event[order]),
            "officer_id": text.pick(roster.officers.ids, who[order]),
            "battery_pct": text.where_valid(pa.array(pct[order].astype(np.int64)), has_pct[order]),
        }
    )
