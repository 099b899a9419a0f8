"""Write a plan's files: ``stations.csv``, ``assignments.csv``, ``uncovered.csv``,
``summary.json``.

Row-level files are written by DuckDB from the plan's arrays joined back to ``_plan_shifts``, so
millions of rows never become Python objects. Times are the department's local time with the
UTC offset of that instant (the audit's rule, ``onrecord.audit.outputs.local_iso_sql``).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from onrecord.audit.outputs import local_iso_sql
from onrecord.fleet.personal import State
from onrecord.fleet.plan import Plan, Reason
from onrecord.package.loader import Package
from onrecord.package.values import sql_str

STATION_COLUMNS = (
    "station_id", "pool_needed", "pool_have", "shortfall", "peak_at", "dock_slots",
    "personal_docked", "cameras_to_dock", "over_dock_slots", "pool_shifts", "personal_shifts",
    "uncovered_shifts",
)  # fmt: skip


def _ts(us: str) -> str:
    return f"make_timestamptz({us})"


def _copy(pkg: Package, query: str, path: Path) -> None:
    pkg.con.execute(f"COPY ({query}) TO {sql_str(str(path))} (FORMAT csv, HEADER)")


def write_assignments(pkg: Package, plan: Plan, path: Path) -> None:
    """One row per shift-camera occupation: k rows for a tour needing k cameras."""
    tz = pkg.department.timezone
    parts = plan.parts
    station = plan.schedule.station[plan.pool_shift[parts.shift]]
    pool = pa.table(
        {
            "i": plan.pool_shift[parts.shift],
            "part": parts.part,
            "k": parts.k,
            "n": plan.part_camera,
            "have": plan.have[station],
            "occ_from": parts.start,
            "occ_to": parts.end,
        }
    )
    served = np.flatnonzero(plan.personal.state == State.SERVED)
    personal = pa.table(
        {
            "i": served,
            "camera_id": pa.array([plan.personal.camera[i] for i in served], pa.string()),
            "occ_from": plan.schedule.start[served]
            - round(plan.params.pickup_lead_minutes * 60_000_000),
            "occ_to": plan.personal.end[served],
        }
    )
    con = pkg.con
    con.register("_plan_pool_parts", pool)
    con.register("_plan_personal", personal)
    cams = [
        (code, n, cid) for code, ids in enumerate(plan.fleet.pool_ids) for n, cid in enumerate(ids)
    ]
    con.execute("CREATE OR REPLACE TEMP TABLE _plan_pool_ids (code BIGINT, n BIGINT, id VARCHAR)")
    if cams:
        con.executemany("INSERT INTO _plan_pool_ids VALUES (?, ?, ?)", cams)
    rows = """
        SELECT a.i, a.part + 1 AS part, a.k AS cameras,
               coalesce(c.id, 'NEW-' || p.station_id || '-' || printf('%03d', a.n - a.have + 1))
                 AS camera_id,
               false AS personal, c.id IS NULL AS new_camera, a.occ_from, a.occ_to
        FROM _plan_pool_parts a JOIN _plan_shifts p USING (i)
        JOIN _plan_stations st ON st.station_id = p.station_id
        LEFT JOIN _plan_pool_ids c ON c.code = st.code AND c.n = a.n
        UNION ALL
        SELECT i, 1, 1, camera_id, true, camera_id LIKE 'PERSONAL-%', occ_from, occ_to
        FROM _plan_personal"""
    query = f"""
        SELECT p.shift_id, p.officer_id, p.station_id, p.kind,
               {local_iso_sql("p.start", tz)} AS shift_start,
               {local_iso_sql('p."end"', tz)} AS shift_end,
               r.camera_id, r.part, r.cameras, r.personal, r.new_camera,
               {local_iso_sql(_ts("r.occ_from"), tz)} AS occupied_from,
               {local_iso_sql(_ts("r.occ_to"), tz)} AS occupied_to
        FROM ({rows}) r JOIN _plan_shifts p USING (i)
        ORDER BY r.i, r.part"""
    _copy(pkg, query, path)
    for name in ("_plan_pool_parts", "_plan_personal"):
        con.unregister(name)


def write_uncovered(pkg: Package, plan: Plan, path: Path) -> None:
    """Every shift needing a camera that the current fleet leaves without one, with why."""
    tz = pkg.department.timezone
    idx = np.flatnonzero(plan.reason > 0)
    st = plan.schedule.station[idx]
    table = pa.table(
        {
            "i": idx,
            "cameras": plan.k[idx],
            "have": np.where(st >= 0, plan.have[np.maximum(st, 0)], 0),
            "free": plan.free_when_refused[idx],
            "reason": np.array([r.code for r in Reason])[plan.reason[idx]],
        }
    )
    pkg.con.register("_plan_uncovered", table)
    query = f"""
        SELECT p.shift_id, p.officer_id, p.station_id, p.kind,
               {local_iso_sql("p.start", tz)} AS shift_start,
               {local_iso_sql('p."end"', tz)} AS shift_end,
               nullif(u.cameras, 0) AS cameras_needed, u.have AS pool_have,
               nullif(u.free, -1) AS pool_free, u.reason
        FROM _plan_uncovered u JOIN _plan_shifts p USING (i) ORDER BY u.i"""
    _copy(pkg, query, path)
    pkg.con.unregister("_plan_uncovered")


def write_stations(rows: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, STATION_COLUMNS, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def write_summary(doc: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
