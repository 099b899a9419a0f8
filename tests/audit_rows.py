"""The audit engine's rows and the plain-Python reference's rows for one loaded package, in the
same shape, for the tests that compare them (``test_audit_definitions`` on hand-worked packages,
``test_audit_properties`` on generated ones)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import reference_audit as ref
from onrecord.audit import engine
from onrecord.package.loader import Package
from onrecord.policy import Policy

Row = dict[str, Any]

SHIFT_COLUMNS = ("required", "possession_ratio", "recorded_ratio", "equipment")
ENCOUNTER_COLUMNS = (
    "shift_id",
    "shift_kind",
    "required",
    "outcome",
    "coverage_ratio",
    "late_start",
    "early_stop",
    "unexcused_gap",
    "excused",
)
RATIOS = ("possession_ratio", "recorded_ratio", "coverage_ratio")


def _dicts(pkg: Package, sql: str) -> list[Row]:
    cur = pkg.con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def engine_rows(pkg: Package, policy: Policy) -> tuple[dict[str, Row], dict[str, Row]]:
    """Run the engine; its shifts and encounters keyed by id, with the compared columns."""
    engine.run(pkg, policy)
    cols = [d[0] for d in pkg.con.execute("SELECT * FROM audit_shifts LIMIT 0").description]
    shift_cols = [*SHIFT_COLUMNS, *(["recording"] if "recording" in cols else [])]
    shifts = _dicts(pkg, f"SELECT shift_id, {', '.join(shift_cols)} FROM audit_shifts")
    encounters = _dicts(
        pkg, f"SELECT encounter_id, {', '.join(ENCOUNTER_COLUMNS)} FROM audit_encounters"
    )
    return (
        {r.pop("shift_id"): r for r in shifts},
        {r.pop("encounter_id"): r for r in encounters},
    )


def reference_rows(pkg: Package, policy: Policy) -> tuple[dict[str, Row], dict[str, Row]]:
    """The reference audit of the package's kept rows, instants taken as the loader read them
    (``epoch_us`` of the kept views), so that a comparison tests the audit, not the reader."""
    has = set(pkg.tables)

    def rows(table: str, sql: str) -> list[Row]:
        return _dicts(pkg, sql) if table in has else []

    shifts = rows(
        "shifts",
        'SELECT shift_id, officer_id, epoch_us(start) AS s, epoch_us("end") AS e, kind, '
        "uniformed, unit FROM shifts",
    )
    encounters = rows(
        "encounters",
        'SELECT encounter_id, officer_id, type, epoch_us(start) AS s, epoch_us("end") AS e '
        "FROM encounters",
    )
    recordings = rows(
        "recordings",
        'SELECT officer_id, epoch_us(start) AS s, epoch_us("end") AS e, stop_reason '
        "FROM recordings",
    )
    officers = {
        r["officer_id"]: r
        for r in rows("officers", "SELECT officer_id, unit, trained_on FROM officers")
    }
    events = rows(
        "device_events",
        'SELECT camera_id, epoch_us("at") AS "at", event, officer_id, _line FROM device_events',
    )
    cams = {
        r["camera_id"]: r["assigned_officer_id"]
        for r in rows("cameras", "SELECT camera_id, assigned_officer_id FROM cameras")
    }
    zone = ZoneInfo(pkg.department.timezone)

    def local_date(us: int) -> date:
        return (
            (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)).astimezone(zone).date()
        )

    return ref.audit(
        shifts, encounters, recordings, officers, events, cams, ref.Rules.of(policy), local_date
    )
