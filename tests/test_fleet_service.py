"""The checkout service on the hand-made department (checkout_data.py), on SQLite and PostgreSQL:
which camera, how much charge, every refusal and its log, and every state change as an event."""

from __future__ import annotations

import logging
import re
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select

from checkout_data import TABLES, local, make_fleet
from onrecord.database import connection as db
from onrecord.database.base import Base
from onrecord.database.fleet import CameraState, Correction, DeviceEvent, Refusal
from onrecord.fleet.package_io import init_database
from onrecord.fleet.rules import FUTURE_TOLERANCE, Reason, Refused
from onrecord.fleet.service import CheckoutService
from package_writer import WritePackage


@pytest.fixture
def fleet(write_package: WritePackage, fleet_url: str) -> CheckoutService:
    return make_fleet(write_package, fleet_url)


def events(svc: CheckoutService) -> list[tuple[str, str, str | None, float | None]]:
    with svc.sessions() as s:
        rows = s.execute(
            select(DeviceEvent.camera_id, DeviceEvent.event, DeviceEvent.officer_id,
                   DeviceEvent.battery_pct).order_by(DeviceEvent.id)
        )  # fmt: skip
        return [tuple(r) for r in rows]


def refuse(svc: CheckoutService, call: str, *args: object, **kwargs: object) -> Refused:
    with pytest.raises(Refused) as info:
        getattr(svc, call)(*args, **kwargs)
    return info.value


def test_personal_camera_first_and_charge_for_the_shift(fleet: CheckoutService) -> None:
    got = fleet.checkout("O1", "S1", local("2020-06-01T07:30"))
    assert (got.camera_id, got.personal, got.shift_id) == ("P1", True, "H1")
    assert got.charge == 1.0
    assert got.hours_needed == pytest.approx(8.75)  # to 16:00 plus the 15-minute return
    assert events(fleet)[-1] == ("P1", "checkout", "O1", 100.0)


def test_pool_camera_on_the_dock_longest(fleet: CheckoutService) -> None:
    # C1 has no history (docked all along); C2 docked at 06:00 and is also charged enough by
    # 11:00 (10% + 5 h / 4 h = full), so only the dock time decides.
    got = fleet.checkout("O2", "S1", local("2020-06-01T11:00"))
    assert (got.camera_id, got.personal) == ("C1", False)
    assert fleet.checkout("O8", "S1", local("2020-06-01T11:00")).camera_id == "C2"


def test_another_officers_personal_camera_is_never_issued(fleet: CheckoutService) -> None:
    fleet.checkout("O2", "S1", local("2020-06-01T11:00"))
    fleet.checkout("O8", "S1", local("2020-06-01T11:00"))
    r = refuse(fleet, "checkout", "O6", "S1", local("2020-06-01T11:00"))
    assert r.reason is Reason.NO_CAMERA_DOCKED  # P1 (O1's) is docked but not offered


def test_no_charged_camera_says_when_the_next_is_ready(fleet: CheckoutService) -> None:
    fleet.checkout("O2", "S1", local("2020-06-01T07:30"))  # takes C1
    # C2 at 07:30: 10% + 1.5 h / 4 h = 47.5%; H8 needs 8.75 h / 12 h = 72.9%: 1.0167 h more.
    r = refuse(fleet, "checkout", "O8", "S1", local("2020-06-01T07:30"))
    assert r.reason is Reason.NO_CHARGED_CAMERA
    assert r.ready_at == local("2020-06-01T07:30") + timedelta(hours=(8.75 / 12 - 0.475) * 4)
    assert "C2, will be ready at 2020-06-01 08:31 EDT" in r.message
    assert fleet.checkout("O8", "S1", r.ready_at).camera_id == "C2"


def test_no_shift_is_allowed_for_a_default_tour(fleet: CheckoutService) -> None:
    got = fleet.checkout("O6", "S1", local("2020-06-01T07:30"))
    assert got.shift_id is None and got.hours_needed == 8.0
    assert got.note and "default 8-hour tour" in got.note


def test_tour_longer_than_the_battery_needs_a_full_camera_and_warns(
    fleet: CheckoutService,
) -> None:
    got = fleet.checkout("O2", "S1", local("2020-06-01T19:30"))
    assert got.shift_id == "D2" and got.hours_needed == pytest.approx(16.75)
    assert got.note and "longer than the camera's battery" in got.note


def test_checkin_restarts_charge_from_what_the_shift_used(fleet: CheckoutService) -> None:
    fleet.checkout("O1", "S1", local("2020-06-01T07:30"))
    docked = fleet.checkin("P1", "S2", local("2020-06-01T16:30"))
    assert docked.charge == pytest.approx(1 - 9 / 12) and not docked.reported
    assert docked.officer_id == "O1"
    (state,) = [c for c in fleet.cameras_at("S2") if c.camera_id == "P1"]
    assert state.docked and state.station_id == "S2"  # docked where it was checked in
    assert state.charge_at(local("2020-06-01T17:30")) == pytest.approx(0.25 + 1 / 4)
    assert events(fleet)[-2:] == [("P1", "checkout", "O1", 100.0), ("P1", "checkin", "O1", 25.0)]


def test_checkin_uses_the_docks_report(fleet: CheckoutService) -> None:
    fleet.checkout("O1", "S1", local("2020-06-01T07:30"))
    docked = fleet.checkin("P1", "S1", local("2020-06-01T16:30"), battery_pct=40)
    assert docked.charge == pytest.approx(0.4) and docked.reported
    assert fleet.officer_camera("O1") is None


def test_checkin_rejects_a_bad_battery_value(fleet: CheckoutService) -> None:
    with pytest.raises(ValueError, match="between 0 and 100"):
        fleet.checkin("P1", "S1", local("2020-06-01T16:30"), battery_pct=101)


def test_times_without_offset_are_department_local(fleet: CheckoutService) -> None:
    naive = local("2020-06-01T07:30").replace(tzinfo=None)
    assert fleet.checkout("O1", "S1", naive).at == local("2020-06-01T07:30")


CHECKOUT_REFUSALS = [
    ("O1", "S9", Reason.UNKNOWN_STATION, "Station S9 is not known"),
    ("O99", "S1", Reason.UNKNOWN_OFFICER, "Officer O99 is not on the roster"),
    ("O3", "S1", Reason.NOT_TRAINED, "no body-worn camera training on record"),
    ("O4", "S1", Reason.NOT_TRAINED, "booked for camera training on 2030-01-01"),
    ("O5", "S1", Reason.OFFICER_INACTIVE, "not on active duty today (employed … to 2020-01-31)"),
    ("O7", "S2", Reason.CAMERA_IN_REPAIR, "(P7, R1) are in repair"),
    ("O6", "S3", Reason.NO_CAMERA_DOCKED, "No pool camera is docked at S3"),
]


@pytest.mark.parametrize(("officer", "station", "reason", "text"), CHECKOUT_REFUSALS)
def test_checkout_refusals_are_explained_and_logged(
    fleet: CheckoutService,
    caplog: pytest.LogCaptureFixture,
    officer: str,
    station: str,
    reason: Reason,
    text: str,
) -> None:
    with caplog.at_level(logging.WARNING, logger="onrecord.fleet"):
        r = refuse(fleet, "checkout", officer, station, local("2020-06-01T07:30"))
    assert r.reason is reason and text in r.message
    assert_logged(fleet, caplog, "checkout", r)
    assert events(fleet) == events_before_any_action()


def events_before_any_action() -> list[tuple[str, str, str | None, float | None]]:
    return [("C2", "undock", "O2", None), ("C2", "dock", None, 10.0)]


def assert_logged(
    svc: CheckoutService, caplog: pytest.LogCaptureFixture, action: str, r: Refused
) -> None:
    with svc.sessions() as s:
        rows = s.execute(select(Refusal.action, Refusal.reason, Refusal.message)).all()
    assert [tuple(x) for x in rows] == [(action, r.reason.value, r.message)]
    assert [rec.getMessage() for rec in caplog.records] == [
        f"{action} refused ({r.reason.value}): {r.message}"
    ]


def test_already_holding_says_which_camera_and_since_when(
    fleet: CheckoutService, caplog: pytest.LogCaptureFixture
) -> None:
    fleet.checkout("O1", "S1", local("2020-06-01T07:30"))
    with caplog.at_level(logging.WARNING, logger="onrecord.fleet"):
        r = refuse(fleet, "checkout", "O1", "S1", local("2020-06-01T07:40"))
    assert r.reason is Reason.ALREADY_HOLDS and r.camera_id == "P1"
    assert "already holds camera P1 from S1 since 2020-06-01 07:30 EDT" in r.message
    assert_logged(fleet, caplog, "checkout", r)


@pytest.mark.parametrize(
    ("camera", "station", "at", "reason", "text"),
    [
        ("Z1", "S1", "2020-06-01T16:30", Reason.UNKNOWN_CAMERA, "Camera Z1 is not in the fleet"),
        ("P1", "S9", "2020-06-01T16:30", Reason.UNKNOWN_STATION, "Station S9 is not known"),
        ("C1", "S1", "2020-06-01T16:30", Reason.ALREADY_DOCKED, "already docked at S1"),
        ("P1", "S1", "2020-06-01T07:00", Reason.BEFORE_CHECKOUT, "after the check-in time"),
    ],
)
def test_checkin_refusals_are_explained_and_logged(
    fleet: CheckoutService,
    caplog: pytest.LogCaptureFixture,
    camera: str,
    station: str,
    at: str,
    reason: Reason,
    text: str,
) -> None:
    fleet.checkout("O1", "S1", local("2020-06-01T07:30"))
    with caplog.at_level(logging.WARNING, logger="onrecord.fleet"):
        r = refuse(fleet, "checkin", camera, station, local(at))
    assert r.reason is reason and text in r.message
    assert_logged(fleet, caplog, "checkin", r)


def test_state_and_events_agree_after_a_day(fleet: CheckoutService) -> None:
    fleet.checkout("O1", "S1", local("2020-06-01T07:30"))
    fleet.checkout("O2", "S1", local("2020-06-01T07:35"))
    fleet.checkin("C1", "S1", local("2020-06-01T16:10"))
    fleet.checkout("O2", "S1", local("2020-06-01T19:30"))
    with fleet.sessions() as s:
        out = s.execute(
            select(CameraState.camera_id, CameraState.officer_id).where(~CameraState.docked)
        ).all()
        n = s.scalar(select(func.count()).select_from(DeviceEvent))
    # C2 (docked since 06:00) has been on the dock longer than C1 (back at 16:10).
    assert sorted(tuple(r) for r in out) == [("C2", "O2"), ("P1", "O1")]
    assert n == 2 + 4
    holder = fleet.officer_camera("O2")
    assert holder is not None and holder.camera_id == "C2"


def test_sqlite_listings_do_not_wait_for_the_write_lock(
    write_package: WritePackage, tmp_path: Path
) -> None:
    path = tmp_path / "fleet.db"
    svc = make_fleet(write_package, f"sqlite:///{path}")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a checkout in progress elsewhere
    try:
        with ThreadPoolExecutor(1) as pool:
            listing = pool.submit(svc.cameras_at, "S1")
            assert [c.camera_id for c in listing.result(timeout=10)] == ["C1", "C2", "P1"]
            assert svc.officer_camera("O1") is None
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_a_package_with_only_shifts_loads(write_package: WritePackage, tmp_path: Path) -> None:
    root = write_package(
        shifts="shift_id,officer_id,start,end,kind\nH1,O1,2020-06-01T08:00,2020-06-01T16:00,regular\n"
    )
    url = f"sqlite:///{tmp_path / 'fleet.db'}"
    stats = init_database(db.connect(url, create=True), root)
    assert stats.rows == {"stations": 0, "officers": 0, "cameras": 0, "shifts": 1}
    r = refuse(CheckoutService.open(url), "checkout", "O1", "S1", local("2020-06-01T07:30"))
    assert r.reason is Reason.UNKNOWN_OFFICER


def test_a_second_package_is_not_merged(write_package: WritePackage, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fleet.db'}"
    make_fleet(write_package, url).engine.dispose()
    with pytest.raises(db.DatabaseError, match="already holds a department"):
        init_database(db.connect(url), write_package(**TABLES))


def test_the_migrations_build_the_models_schema(fleet_url: str) -> None:
    engine = db.connect(fleet_url, create=True)
    db.upgrade(engine)
    with engine.connect() as con:
        assert compare_metadata(MigrationContext.configure(con), Base.metadata) == []
    engine.dispose()


# Issue 13, point 6: times ahead of the clock, events out of order, and corrections.


def refusals(svc: CheckoutService) -> list[tuple[str, str]]:
    with svc.sessions() as s:
        return [tuple(r) for r in s.execute(select(Refusal.action, Refusal.reason))]


def test_times_ahead_of_the_clock_are_refused(fleet: CheckoutService) -> None:
    r = refuse(fleet, "checkout", "O1", "S1", local("2099-06-01T07:30"))
    assert r.reason is Reason.TIME_IN_FUTURE
    assert re.search(r"2099-06-01 07:30 EDT is \d\d years ahead of this server's clock", r.message)
    assert "leave the time out" in r.message
    fleet.checkout("O1", "S1", local("2020-06-01T07:30"))
    r = refuse(fleet, "checkin", "P1", "S1", local("2099-06-01T16:30"))
    assert r.reason is Reason.TIME_IN_FUTURE and "check-in time" in r.message
    assert refusals(fleet) == [("checkout", "time_in_future"), ("checkin", "time_in_future")]
    assert events(fleet)[-1] == ("P1", "checkout", "O1", 100.0)  # nothing recorded
    # A kiosk's clock a little ahead is tolerated; more is not.
    now = datetime.now(UTC)
    assert fleet.checkin("P1", "S1", now + FUTURE_TOLERANCE - timedelta(minutes=1)).camera_id
    r = refuse(fleet, "checkout", "O6", "S1", now + FUTURE_TOLERANCE + timedelta(minutes=1))
    assert r.reason is Reason.TIME_IN_FUTURE and re.search("[56] minutes ahead", r.message)


def test_checkout_before_the_officers_latest_event_is_refused(fleet: CheckoutService) -> None:
    fleet.checkout("O1", "S1", local("2020-06-01T07:30"))
    fleet.checkin("P1", "S1", local("2020-06-01T16:10"))
    r = refuse(fleet, "checkout", "O1", "S1", local("2020-06-01T15:00"))  # C1 is on the dock
    assert r.reason is Reason.BEFORE_LAST_EVENT and r.camera_id == "P1"
    assert (
        "Officer O1's latest recorded event, the checkin of camera P1 at 2020-06-01 16:10 EDT, "
        "is after the checkout time 2020-06-01 15:00 EDT" in r.message
    )
    assert "onrecord fleet correct" in r.message
    assert refusals(fleet) == [("checkout", "before_last_event")]
    # In order it goes ahead (with C1: P1 came back with too little charge for a tour).
    assert fleet.checkout("O1", "S1", local("2020-06-01T16:10")).camera_id == "C1"


def test_checkout_before_the_cameras_last_event_gives_the_real_reason(
    fleet: CheckoutService,
) -> None:
    fleet.checkout("O2", "S1", local("2020-06-01T07:30"))  # C1
    fleet.checkin("C1", "S3", local("2020-06-01T16:30"), battery_pct=100)  # the only one at S3
    r = refuse(fleet, "checkout", "O6", "S3", local("2020-06-01T16:00"))
    assert r.reason is Reason.BEFORE_LAST_EVENT and r.camera_id == "C1"  # not no_camera_docked
    assert (
        "Camera C1 was docked at S3 after the checkout time 2020-06-01 16:00 EDT "
        "(the first at 2020-06-01 16:30 EDT)" in r.message
    )
    assert fleet.checkout("O6", "S3", local("2020-06-01T16:45")).camera_id == "C1"
    # An officer's own camera at another station still does not serve a pool checkout.
    r = refuse(fleet, "checkout", "O8", "S3", local("2020-06-01T16:50"))
    assert r.reason is Reason.NO_CAMERA_DOCKED


def test_checkin_before_the_cameras_last_event(fleet: CheckoutService) -> None:
    fleet.checkout("O2", "S1", local("2020-06-01T07:30"))  # C1
    with fleet.sessions.begin() as s:  # a dock's battery report arrives while it is out
        s.add(DeviceEvent(camera_id="C1", at=local("2020-06-01T12:00"), event="battery",
                          battery_pct=50.0, estimated=False))  # fmt: skip
    r = refuse(fleet, "checkin", "C1", "S1", local("2020-06-01T11:00"))
    assert r.reason is Reason.BEFORE_LAST_EVENT
    assert "last recorded event, a battery reading at 2020-06-01 12:00 EDT" in r.message
    r = refuse(fleet, "checkin", "C1", "S1", local("2020-06-01T07:00"))
    assert r.reason is Reason.BEFORE_LAST_EVENT  # still the latest event that is later
    assert fleet.checkin("C1", "S1", local("2020-06-01T12:00")).officer_id == "O2"


def corrections(svc: CheckoutService) -> list[tuple[object, ...]]:
    with svc.sessions() as s:
        rows = s.execute(
            select(Correction.made_by, Correction.reason, DeviceEvent.camera_id,
                   DeviceEvent.event, DeviceEvent.at, DeviceEvent.officer_id)
            .join(DeviceEvent, DeviceEvent.id == Correction.event_id)
        )  # fmt: skip
        return [tuple(r) for r in rows]


def test_a_forgotten_checkin_is_entered_as_a_correction(fleet: CheckoutService) -> None:
    """O1 returned P1 at 16:10 without checking it in; the desk found it on the dock and checked
    it in the next morning. An admin enters the real return; the state is re-derived."""
    fleet.checkout("O1", "S1", local("2020-06-01T07:30"))
    late = fleet.checkin("P1", "S1", local("2020-06-02T09:00"))
    assert late.charge == 0.0  # out 25.5 hours as far as the service knew
    r = refuse(fleet, "checkin", "P1", "S1", local("2020-06-01T16:10"))
    assert r.reason is Reason.ALREADY_DOCKED  # not a kiosk's action

    with pytest.raises(ValueError, match="reason"):
        fleet.correct("P1", "checkin", local("2020-06-01T16:10"), station_id="S1", by="ada",
                      reason=" ")  # fmt: skip
    got = fleet.correct(
        "P1", "checkin", local("2020-06-01T16:10"), station_id="S1", by="ada",
        reason="returned at end of shift; kiosk was offline",
    )  # fmt: skip
    assert got.officer_id == "O1" and got.estimated and got.events == 3
    assert got.battery_pct == pytest.approx(round((1 - 8 / 12 - 2 / 3 / 12) * 100, 1))
    assert corrections(fleet) == [
        ("ada", "returned at end of shift; kiosk was offline", "P1", "checkin",
         local("2020-06-01T16:10"), "O1"),
    ]  # fmt: skip
    (state,) = [c for c in fleet.cameras_at("S1") if c.camera_id == "P1"]
    assert state.docked and state.since == local("2020-06-02T09:00")
    assert state.charge == 1.0  # on the dock since 16:10, not flat since the morning
    with fleet.sessions() as s:
        version = s.scalar(select(CameraState.event_id).where(CameraState.camera_id == "P1"))
        last = s.scalar(
            select(func.max(DeviceEvent.id)).where(
                DeviceEvent.camera_id == "P1", DeviceEvent.at > got.at
            )
        )
    assert version == last  # the state's version is still its latest change
    assert fleet.checkout("O1", "S1", local("2020-06-02T09:30")).camera_id == "P1"


def test_a_missed_checkout_makes_the_officer_the_holder(fleet: CheckoutService) -> None:
    fleet.correct("C2", "checkout", local("2020-06-01T07:00"), station_id="S1", by="ada",
                  officer_id="O8", reason="took it while the kiosk was down")  # fmt: skip
    held = fleet.officer_camera("O8")
    assert held is not None and held.camera_id == "C2" and not held.docked
    assert held.charge == pytest.approx(0.1 + 1 / 4)  # recharged from 06:00 to 07:00
    assert events(fleet)[-1] == ("C2", "checkout", "O8", 35.0)
    r = refuse(fleet, "checkout", "O8", "S1", local("2020-06-01T07:30"))
    assert r.reason is Reason.ALREADY_HOLDS and r.camera_id == "C2"
    assert fleet.checkin("C2", "S1", local("2020-06-01T16:00")).officer_id == "O8"


def test_a_correction_is_refused_when_it_cannot_stand(fleet: CheckoutService) -> None:
    fleet.checkout("O1", "S1", local("2020-06-01T07:30"))  # O1 holds P1
    before = events(fleet)
    r = refuse(fleet, "correct", "C2", "checkout", local("2020-06-01T07:00"), station_id="S1",
               by="ada", officer_id="O1", reason="typed by mistake")  # fmt: skip
    assert r.reason is Reason.ALREADY_HOLDS and "also holds camera P1" in r.message
    r = refuse(fleet, "correct", "Z1", "checkin", local("2020-06-01T07:00"), station_id="S1",
               by="ada", reason="x")  # fmt: skip
    assert r.reason is Reason.UNKNOWN_CAMERA
    r = refuse(fleet, "correct", "C1", "checkin", local("2099-06-01T07:00"), station_id="S1",
               by="ada", reason="x")  # fmt: skip
    assert r.reason is Reason.TIME_IN_FUTURE
    assert events(fleet) == before and corrections(fleet) == []
    assert refusals(fleet) == [
        ("correct", "already_holds"),
        ("correct", "unknown_camera"),
        ("correct", "time_in_future"),
    ]
    with pytest.raises(ValueError, match="officer"):
        fleet.correct("C2", "checkout", local("2020-06-01T07:00"), station_id="S1", by="ada",
                      reason="x")  # fmt: skip
