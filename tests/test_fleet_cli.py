"""End to end through the CLI: a demo department into a fleet database, checkouts and checkins,
an export that `onrecord check` accepts, and an audit that sees the service's possession."""

from __future__ import annotations

import csv
import re
import select
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from typer.testing import CliRunner, Result

import onrecord
from checkout_data import make_fleet
from onrecord.cli.app import app
from onrecord.database import connection as db
from onrecord.package.schema import TABLES
from package_writer import WritePackage
from postgres_server import free_port

runner = CliRunner()


def run(*args: str) -> Result:
    return runner.invoke(app, list(args))


def said(result: Result) -> str:
    """The output with Rich's line wrapping undone."""
    return " ".join(result.output.split())


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_service_history_reaches_the_audit(tmp_path: Path) -> None:
    demo, exported, audited = tmp_path / "demo", tmp_path / "exported", tmp_path / "audit"
    db = f"sqlite:///{tmp_path / 'fleet.db'}"
    assert run("demo-data", "--out", str(demo), "--officers", "30", "--days", "2").exit_code == 0
    # Without the demo's own device events, possession can only come from the service.
    init = run("fleet", "init", str(demo), "--db", db, "--no-history")
    assert init.exit_code == 0, init.output
    assert re.search(r"shifts\s+│\s+\d+", init.output)

    trained = {o["officer_id"] for o in rows(demo / "officers.csv") if o["trained_on"]}
    shift, other = [
        s
        for s in rows(demo / "shifts.csv")
        if s["kind"] == "regular" and s["officer_id"] in trained and s["station_id"]
    ][:2]
    start, end = datetime.fromisoformat(shift["start"]), datetime.fromisoformat(shift["end"])
    out = run(
        "checkout", "--db", db, "--officer", shift["officer_id"], "--station",
        shift["station_id"], "--at", (start - timedelta(minutes=10)).isoformat(),
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert f"Shift {shift['shift_id']}" in said(out)
    match = re.search(r"Camera (\S+)", out.output)
    assert match
    camera = match.group(1)

    again = run(
        "checkout", "--db", db, "--officer", shift["officer_id"], "--station",
        shift["station_id"], "--at", start.isoformat(),
    )  # fmt: skip
    assert again.exit_code == 1
    assert f"Refused (already_holds): Officer {shift['officer_id']} already holds camera" in (
        said(again)
    )
    back = run(
        "checkin", "--db", db, "--camera", camera, "--station", shift["station_id"],
        "--at", (end + timedelta(minutes=10)).isoformat(), "--battery-pct", "35",
    )  # fmt: skip
    assert back.exit_code == 0, back.output
    assert "charge 35% (reported by the dock)" in said(back)

    exp = run("fleet", "export", "--db", db, "--out", str(exported))
    assert exp.exit_code == 0, exp.output
    events = rows(exported / "device_events.csv")
    assert [(e["camera_id"], e["event"], e["officer_id"]) for e in events] == [
        (camera, "checkout", shift["officer_id"]),
        (camera, "checkin", shift["officer_id"]),
    ]
    assert run("check", str(exported)).exit_code == 0
    aud = run("audit", str(exported), "--out", str(audited))
    assert aud.exit_code == 0, aud.output
    by_id = {s["shift_id"]: s for s in rows(audited / "shifts.csv")}
    assert float(by_id[shift["shift_id"]]["possession_ratio"]) == 1.0
    assert float(by_id[other["shift_id"]]["possession_ratio"]) == 0.0


def test_cli_errors(tmp_path: Path) -> None:
    missing = run("checkout", "--db", str(tmp_path / "none.db"), "--officer", "1", "--station", "2")
    assert missing.exit_code == 2 and "fleet init" in said(missing)
    bad_url = run("fleet", "export", "--db", "mysql://x/y", "--out", str(tmp_path / "o"))
    assert bad_url.exit_code == 2 and "not supported" in said(bad_url)
    not_a_package = run("fleet", "init", str(tmp_path / "nowhere"), "--db", str(tmp_path / "f.db"))
    assert not_a_package.exit_code == 2 and "cannot be read" in said(not_a_package)


def test_upgrade_and_serve(write_package: WritePackage, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fleet.db'}"
    make_fleet(write_package, url).engine.dispose()
    up = run("fleet", "upgrade", "--db", url)
    assert up.exit_code == 0 and f"Schema at {db.head_revision()}" in said(up)
    # The API needs a token (issue 13, point 5).
    token = run("fleet", "token", "add", "kiosk", "--all-stations", "--db", url).output.split()[-1]
    auth = {"Authorization": f"Bearer {token}"}
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", "from onrecord.cli.app import main; main()",
         "fleet", "serve", "--db", url, "--port", str(port)],
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(
                    f"http://127.0.0.1:{port}/stations/S1/cameras", headers=auth, timeout=1
                )
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.2)
        assert r.status_code == 200 and [c["camera_id"] for c in r.json()] == ["C1", "C2", "P1"]
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_export_round_trips_the_package(tmp_path: Path) -> None:
    demo, exported = tmp_path / "demo", tmp_path / "exported"
    db = str(tmp_path / "fleet.db")
    assert run("demo-data", "--out", str(demo), "--officers", "30", "--days", "2").exit_code == 0
    assert run("fleet", "init", str(demo), "--db", db).exit_code == 0
    assert (
        run("fleet", "export", "--db", db, "--out", str(exported), "--format", "parquet").exit_code
        == 0
    )
    before, after = onrecord.load(demo), onrecord.load(exported)
    assert after.department == before.department
    for table in ("stations", "officers", "cameras", "shifts", "device_events"):
        cols = ", ".join(f'"{c.name}"' for c in TABLES[table].columns)
        query = f'SELECT {cols} FROM "{table}" ORDER BY ALL'
        assert before.con.sql(query).fetchall() == after.con.sql(query).fetchall(), table


def test_serve_points_at_the_openapi_document_and_says_it_started(
    write_package: WritePackage, tmp_path: Path
) -> None:
    """`/docs` is off (it loads code from a CDN): the help names /openapi.json, and the server
    says where it listens, where the document is and how to stop it."""
    helped = said(run("fleet", "serve", "--help"))
    assert "/openapi.json" in helped and "/docs" not in helped
    url = f"sqlite:///{tmp_path / 'fleet.db'}"
    make_fleet(write_package, url).engine.dispose()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", "from onrecord.cli.app import main; main()",
         "fleet", "serve", "--db", url, "--port", str(port)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        ready, _, _ = select.select([server.stdout], [], [], 30)
        assert ready, "the server printed nothing"
        first = server.stdout.readline()
        base = f"http://127.0.0.1:{port}"
        assert f"{base}/" in first and f"{base}/openapi.json" in first and "Ctrl-C" in first
        deadline = time.monotonic() + 30
        while True:
            try:
                doc = httpx.get(f"{base}/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.2)
        assert doc.status_code == 200 and httpx.get(f"{base}/docs").status_code == 404
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_correct_enters_a_missed_event(write_package: WritePackage, tmp_path: Path) -> None:
    """Issue 13, point 6: a check-in forgotten at the time is refused at the kiosk's command
    and entered by an admin with `fleet correct`, who and why required."""
    url = f"sqlite:///{tmp_path / 'fleet.db'}"
    make_fleet(write_package, url).engine.dispose()
    out = run("checkout", "--db", url, "--officer", "O1", "--station", "S1",
              "--at", "2020-06-01T07:30")  # fmt: skip
    assert out.exit_code == 0, out.output
    late = run("checkin", "--db", url, "--camera", "P1", "--station", "S1",
               "--at", "2020-06-02T09:00")  # fmt: skip
    assert late.exit_code == 0, late.output
    ahead = run("checkin", "--db", url, "--camera", "P1", "--station", "S1",
                "--at", "2099-06-01T09:00")  # fmt: skip
    assert ahead.exit_code == 1 and "Refused (time_in_future)" in said(ahead)
    args = ["fleet", "correct", "--db", url, "--camera", "P1", "--event", "checkin",
            "--at", "2020-06-01T16:10", "--station", "S1"]  # fmt: skip
    no_reason = run(*args, "--by", "ada")
    assert no_reason.exit_code == 2 and "--reason" in said(no_reason)
    blank = run(*args, "--by", "ada", "--reason", "  ")
    assert blank.exit_code == 2 and "needs its reason" in said(blank)
    done = run(*args, "--by", "ada", "--reason", "kiosk offline at the end of the shift")
    assert done.exit_code == 0, done.output
    assert (
        "Entered checkin of camera P1 at S1, 2020-06-01 16:10 EDT (officer O1), charge 27.8% "
        "(estimated), as a correction by ada: kiosk offline at the end of the shift"
    ) in said(done)
    assert (
        "Camera P1 is now docked at S1 since 2020-06-02 09:00 EDT, charge 100% then "
        "(re-derived from its 3 events)."
    ) in said(done)
