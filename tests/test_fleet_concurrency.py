"""Guarantees under concurrency and crashes, on SQLite and on a real PostgreSQL server:
hundreds of simultaneous checkouts (threads, then processes) never issue one camera twice, and a
process killed between choosing a camera and recording the checkout leaves it in one state."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text

from checkout_data import local
from onrecord.database import connection as db
from onrecord.database.fleet import CameraState, DeviceEvent
from onrecord.fleet.package_io import init_database
from onrecord.fleet.rules import Reason, Refused
from onrecord.fleet.service import KILL_HOOK, CheckoutService
from package_writer import WritePackage

OFFICERS = [f"O{i:03d}" for i in range(300)]
CAMERAS = [f"C{i:03d}" for i in range(200)]
AT = local("2020-06-01T07:30")


def big_department(write_package: WritePackage, url: str) -> None:
    """300 officers with a shift at 08:00 and 200 pool cameras, all at one station."""
    officers = "".join(f"{o},S1,2019-01-01\n" for o in OFFICERS)
    cameras = "".join(f"{c},S1,,in_service\n" for c in CAMERAS)
    shifts = "".join(f"H{o},{o},2020-06-01T08:00,2020-06-01T16:00,regular,S1\n" for o in OFFICERS)
    root = write_package(
        stations="station_id\nS1\n",
        officers="officer_id,station_id,trained_on\n" + officers,
        cameras="camera_id,station_id,assigned_officer_id,status\n" + cameras,
        shifts="shift_id,officer_id,start,end,kind,station_id\n" + shifts,
    )
    engine = db.connect(url, create=True)
    init_database(engine, root)
    engine.dispose()


Outcome = tuple[str, str | None, str | None]  # officer, camera issued, refusal reason


def attempt(svc: CheckoutService, officer: str) -> Outcome:
    try:
        return (officer, svc.checkout(officer, "S1", AT).camera_id, None)
    except Refused as r:
        return (officer, None, r.reason.value)


def checkout_all(url: str, officers: list[str]) -> list[Outcome]:
    """Check out for each officer in turn (a worker process runs this with its own engine)."""
    svc = CheckoutService.open(url)
    out = [attempt(svc, o) for o in officers]
    svc.engine.dispose()
    return out


def assert_issued_once(url: str, outcomes: list[Outcome]) -> None:
    issued = [(c, o) for o, c, _ in outcomes if c]
    assert len(issued) == len(CAMERAS)  # every camera went out ...
    assert len({c for c, _ in issued}) == len(CAMERAS)  # ... exactly once
    reasons = {r for _, c, r in outcomes if c is None}
    assert reasons <= {Reason.NO_CAMERA_DOCKED.value, Reason.NO_CHARGED_CAMERA.value}
    engine = db.connect(url)
    with engine.connect() as con:
        state = set(
            con.execute(
                select(CameraState.camera_id, CameraState.officer_id).where(~CameraState.docked)
            ).all()
        )
        recorded = set(
            con.execute(
                select(DeviceEvent.camera_id, DeviceEvent.officer_id).where(
                    DeviceEvent.event == "checkout"
                )
            ).all()
        )
    engine.dispose()
    assert state == set(issued) == recorded  # database state, history and answers agree


def test_threads_never_share_a_camera(write_package: WritePackage, fleet_url: str) -> None:
    big_department(write_package, fleet_url)
    svc = CheckoutService.open(fleet_url)  # one service, many threads: how the API runs
    with ThreadPoolExecutor(48) as pool:
        outcomes = list(pool.map(lambda o: attempt(svc, o), OFFICERS))
    assert_issued_once(fleet_url, outcomes)


def test_processes_never_share_a_camera(write_package: WritePackage, fleet_url: str) -> None:
    big_department(write_package, fleet_url)
    workers = 6
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=spawn) as pool:
        jobs = [pool.submit(checkout_all, fleet_url, OFFICERS[i::workers]) for i in range(workers)]
        outcomes = [x for j in jobs for x in j.result()]
    assert_issued_once(fleet_url, outcomes)


def test_one_officer_racing_themself_gets_one_camera(
    write_package: WritePackage, fleet_url: str
) -> None:
    big_department(write_package, fleet_url)
    svc = CheckoutService.open(fleet_url)
    with ThreadPoolExecutor(24) as pool:
        outcomes = list(pool.map(lambda _: attempt(svc, "O001"), range(24)))
    assert sum(c is not None for _, c, _ in outcomes) == 1
    assert {r for _, c, r in outcomes if c is None} == {Reason.ALREADY_HOLDS.value}


KILLED_CHECKOUT = """
import sys
from datetime import datetime
from onrecord.fleet.service import CheckoutService
CheckoutService.open(sys.argv[1]).checkout("O001", "S1", datetime.fromisoformat(sys.argv[2]))
print("not killed")
"""


def test_kill_between_choosing_and_recording(write_package: WritePackage, fleet_url: str) -> None:
    big_department(write_package, fleet_url)
    env = {**os.environ, KILL_HOOK: "checkout-claimed"}
    proc = subprocess.run(
        [sys.executable, "-c", KILLED_CHECKOUT, fleet_url, AT.isoformat()],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == -9, proc.stderr  # SIGKILLed at the hook
    engine = db.connect(fleet_url)
    if engine.dialect.name == "postgresql":
        wait_for_other_sessions_to_end(engine)
    with engine.connect() as con:
        out = con.scalar(select(func.count()).where(~CameraState.docked))
        checkouts = con.scalar(select(func.count()).where(DeviceEvent.event == "checkout"))
    engine.dispose()
    assert (out, checkouts) == (0, 0)  # every camera docked and nothing recorded
    svc = CheckoutService.open(fleet_url)
    assert svc.checkout("O001", "S1", AT).camera_id == "C000"  # the same choice, now recorded
    assert_state_matches_events(svc)


def wait_for_other_sessions_to_end(engine: db.Engine) -> None:
    """PostgreSQL ends a killed client's session (and rolls back) when it sees the socket close;
    until then the session is idle in its transaction, holding the camera's row lock."""
    deadline = time.monotonic() + 30
    with engine.connect() as con:
        while time.monotonic() < deadline:
            others = con.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND state <> 'idle'"
                )
            )
            if not others:
                return
            time.sleep(0.05)
    pytest.fail("the killed client's session did not end")


def assert_state_matches_events(svc: CheckoutService) -> None:
    with svc.sessions() as s:
        rows = s.execute(
            select(CameraState.camera_id, CameraState.officer_id, DeviceEvent.camera_id,
                   DeviceEvent.officer_id, DeviceEvent.event)
            .join(DeviceEvent, DeviceEvent.id == CameraState.event_id)
        ).all()  # fmt: skip
    assert rows == [("C000", "O001", "C000", "O001", "checkout")]
