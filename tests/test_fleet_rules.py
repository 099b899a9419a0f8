"""The pure checkout rules with hand-worked numbers: the shift a checkout is for, the charge it
needs, the order cameras are offered in, and how a package's history replays into state."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from onrecord.fleet.rules import (
    FUTURE_TOLERANCE,
    CameraStatus,
    PastEvent,
    Reason,
    Refused,
    ShiftWindow,
    charge_needed,
    choose,
    current_shift,
    hours_needed,
    in_the_future,
    replay,
    span,
)

T0 = datetime(2020, 6, 1, 12, tzinfo=UTC)


def h(n: float) -> datetime:
    return T0 + timedelta(hours=n)


FULL_POOL_CAMERA = CameraStatus(
    camera_id="C", assigned_officer_id=None, status="in_service", battery_hours=12.0,
    recharge_hours=4.0, docked=True, station_id="S", officer_id=None, since=None, charge=1.0,
)  # fmt: skip


def cam(camera_id: str, **kw: Any) -> CameraStatus:
    return replace(FULL_POOL_CAMERA, camera_id=camera_id, **kw)


def test_current_shift_window() -> None:
    early = ShiftWindow("a", h(-8), h(0.5))
    next_ = ShiftWindow("b", h(1), h(9))
    late = ShiftWindow("c", h(2.5), h(10))
    assert current_shift([late], T0) is None  # starts more than 2 hours ahead
    assert current_shift([early, late], T0) == early
    assert current_shift([early, next_, late], T0) == next_  # a double: lasts to the later end
    assert current_shift([ShiftWindow("d", h(-9), h(0))], T0) is None  # ended


def test_charge_needed() -> None:
    shift = ShiftWindow("a", h(1), h(7))
    assert hours_needed(shift, T0) == pytest.approx(7.25)
    assert hours_needed(None, T0) == 8.0
    assert charge_needed(6, 12) == 0.5 and charge_needed(16, 12) == 1.0


def test_charge_drains_out_and_recharges_docked() -> None:
    docked = cam("C", since=T0, charge=0.2)
    assert docked.charge_at(h(2)) == pytest.approx(0.7) and docked.charge_at(h(9)) == 1.0
    out = cam("C", docked=False, since=T0, charge=0.9)
    assert out.charge_at(h(6)) == pytest.approx(0.4) and out.charge_at(h(20)) == 0.0


def test_order_personal_then_longest_on_the_dock() -> None:
    cams = [
        cam("new", since=h(-1), charge=1.0),
        cam("old", since=h(-5), charge=1.0),
        cam("never"),
        cam("mine", assigned_officer_id="O", since=h(-0.5)),
        cam("theirs", assigned_officer_id="X"),
        cam("weak", since=h(-9), charge=0.0),  # 9 h ago at 0: full by now
        cam("broken", status="repair"),
    ]
    ranked = [c.camera_id for c in choose("O", "S", cams, 6, T0, "UTC")]
    assert ranked == ["mine", "never", "weak", "old", "new"]


def test_next_ready_is_the_soonest_to_reach_the_needed_charge() -> None:
    cams = [cam("a", since=T0, charge=0.1), cam("b", since=T0, charge=0.3, recharge_hours=8)]
    with pytest.raises(Refused) as info:
        choose("O", "S", cams, 6, T0, "UTC")
    # needs 50%: a in (0.5 - 0.1) * 4 = 1.6 h, b in (0.5 - 0.3) * 8 = 1.6 h: tie, by id.
    assert info.value.reason is Reason.NO_CHARGED_CAMERA and info.value.ready_at == h(1.6)
    assert "the next, a, will be ready at 2020-06-01 13:36 UTC" in info.value.message


def test_replay_of_a_package_history() -> None:
    start = cam("C", assigned_officer_id="O")
    state = replay(
        start,
        [
            PastEvent(h(0), "undock", None, 100),  # no officer: the camera's own
            PastEvent(h(6), "battery", None, 40),
            PastEvent(h(8), "dock", None, None),  # 40% - 2 h / 12 h
        ],
    )
    assert state.docked and state.officer_id is None and state.since == h(8)
    assert state.charge == pytest.approx(0.4 - 2 / 12)
    out = replay(start, [PastEvent(h(0), "checkout", "Z", None)])
    assert (out.docked, out.officer_id, out.charge) == (False, "Z", 1.0)


def test_replay_follows_the_events_stations_and_says_how_far_ahead() -> None:
    """Issue 13, point 6: a correction re-derives state from the service's own events, which
    say where they happened; a time ahead of the clock is refused with the gap in words."""
    start = cam("C", station_id="S1")
    state = replay(
        start,
        [PastEvent(h(0), "checkout", "O", None, "S1"), PastEvent(h(6), "checkin", None, 50, "S2")],
    )
    assert (state.docked, state.station_id, state.charge) == (True, "S2", 0.5)
    assert replay(start, [PastEvent(h(0), "checkout", "O", None)]).station_id == "S1"
    assert in_the_future("checkout", T0 + FUTURE_TOLERANCE, T0, "UTC") is None
    late = in_the_future("checkin", h(24 * 800), T0, "UTC", camera_id="C")
    assert late is not None and late.reason is Reason.TIME_IN_FUTURE and late.camera_id == "C"
    assert "is 2 years ahead" in late.message and span(timedelta(minutes=90)) == "1 hour"
