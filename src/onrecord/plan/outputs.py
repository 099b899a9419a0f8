"""Write a plan's row files: ``stations.csv``, ``assignments.csv``, ``uncovered.csv`` (its
``summary.json`` is written as the audit's is).

Row-level files are built as Arrow tables straight from the plan's arrays (text columns taken
from ``Schedule.rows`` by index, never joined) and written by DuckDB, so millions of rows never
become Python objects. Times are the department's local time with the UTC offset of that instant,
as the audit writes them (``local_iso_sql``: a short ``CASE`` on the instant rather than a
time-zone conversion per value, which is several times faster).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from onrecord.package.loader import Package
from onrecord.package.timezones import local_iso_sql
from onrecord.package.values import sql_str
from onrecord.plan.compute import Plan, Reason
from onrecord.plan.models import StationPlan
from onrecord.plan.occupation import pickup
from onrecord.plan.personal import State

I64 = npt.NDArray[np.int64]

STATION_COLUMNS = tuple(StationPlan.model_fields)


def _copy_local(
    pkg: Package, plan: Plan, table: pa.Table, times: tuple[str, ...], path: Path
) -> None:
    """Write ``table`` as CSV in its row order, the µs columns ``times`` as local ISO text."""
    tz = pkg.department.timezone
    start = plan.schedule.start
    years = (
        np.datetime_as_string(start[[0, -1]].astype("datetime64[us]"), unit="Y").astype(int)
        if len(start)
        else np.array([1970, 1970])
    )
    lo, hi = int(years[0]), int(years[1]) + 1  # occupations run on past the last start
    cols = [
        f"{local_iso_sql(c, tz, lo, hi)} AS {c}" if c in times else c for c in table.column_names
    ]
    pkg.con.register("_plan_out", table)
    pkg.con.execute(
        f"""COPY (SELECT {", ".join(cols)} FROM _plan_out)
            TO {sql_str(str(path))} (FORMAT csv, HEADER)"""
    )  # no ORDER BY: DuckDB keeps a single scan's insertion order
    pkg.con.unregister("_plan_out")


def _pool_camera_ids(plan: Plan, station: I64) -> pa.Array:
    """Each pool part's camera id: the station's real camera of that number, else
    NEW-<station>-001 on."""
    n, have = plan.part_camera, plan.have[station]
    new_no = pc.utf8_lpad(pc.cast(pa.array(n - have + 1), pa.string()), width=3, padding="0")
    stations = pa.array(plan.schedule.stations, pa.string()).take(pa.array(station))
    new_ids = pc.binary_join_element_wise("NEW-", stations, "-", new_no, "")
    real_ids = [cid for ids in plan.fleet.pool_ids for cid in ids]
    if not real_ids:
        return new_ids
    first = np.concatenate([[0], np.cumsum(plan.have)[:-1]])
    real = n < have
    flat = pa.array(real_ids, pa.string()).take(pa.array(np.where(real, first[station] + n, 0)))
    return pc.if_else(pa.array(real), flat, new_ids)


def write_assignments(pkg: Package, plan: Plan, path: Path) -> None:
    """One row per shift-camera occupation (k rows for a tour needing k cameras), in shift
    order."""
    s, parts, personal = plan.schedule, plan.parts, plan.personal
    pool_i = plan.pool_shift[parts.shift]
    served = np.flatnonzero(personal.state == State.SERVED)
    personal_ids = pa.array(personal.ids, pa.string()).take(pa.array(personal.camera[served]))
    i = np.concatenate([pool_i, served])
    part = np.concatenate([parts.part, np.zeros(len(served), dtype=np.int64)])
    order = np.lexsort((part, i))
    take = pa.array(order)

    def both(pool: Any, own: Any) -> Any:
        return np.concatenate([pool, own])[order]

    rows = s.rows.take(pa.array(i[order]))
    table = pa.table(
        {
            "shift_id": rows["shift_id"],
            "officer_id": rows["officer_id"],
            "station_id": rows["station_id"],
            "kind": rows["kind"],
            "camera_id": pa.concat_arrays(
                [_pool_camera_ids(plan, s.station[pool_i]), personal_ids]
            ).take(take),
            "part": part[order] + 1,
            "cameras": both(parts.k, np.ones(len(served), dtype=np.int64)),
            "personal": both(np.zeros(len(pool_i), bool), np.ones(len(served), bool)),
            "new_camera": pa.concat_arrays(
                [
                    pa.array(plan.part_camera >= plan.have[s.station[pool_i]]),
                    pc.starts_with(personal_ids, "PERSONAL-"),
                ]
            ).take(take),
            "occupied_from": both(parts.start, pickup(s.start[served], plan.params)),
            "occupied_to": both(parts.end, personal.end[served]),
        }
    )
    _copy_local(pkg, plan, table, ("occupied_from", "occupied_to"), path)


def write_uncovered(pkg: Package, plan: Plan, path: Path) -> None:
    """Every shift needing a camera that the current fleet leaves without one, with why."""
    idx = np.flatnonzero(plan.reason > 0)
    st = plan.schedule.station[idx]
    rows = plan.schedule.rows.take(pa.array(idx))
    k, free = plan.k[idx], plan.free_when_refused[idx]
    have = np.append(plan.have, 0)  # a shift at no known station (-1) reads the 0 at the end
    table = pa.table(
        {
            "shift_id": rows["shift_id"],
            "officer_id": rows["officer_id"],
            "station_id": rows["station_id"],
            "kind": rows["kind"],
            "shift_start": rows["s"],
            "shift_end": rows["e"],
            "cameras_needed": pa.array(k, mask=k == 0),
            "pool_have": have[st],
            "pool_free": pa.array(free, mask=free < 0),
            "reason": np.array([r.code for r in Reason])[plan.reason[idx]],
        }
    )
    _copy_local(pkg, plan, table, ("shift_start", "shift_end"), path)


def write_stations(rows: list[StationPlan], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, STATION_COLUMNS, extrasaction="ignore")
        w.writeheader()
        w.writerows(r.model_dump() for r in rows)
