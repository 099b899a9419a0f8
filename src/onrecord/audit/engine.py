"""The audit engine: every shift and every encounter against a policy.

Definitions are those of the methodology (``shared/spec/audit.md``; ``docs/methodology.md``).
DuckDB supplies narrow columns (officer number, start and end in microseconds) and joins the
results back to the rows; the arithmetic runs on NumPy arrays (``measure.py``), where each table
is sorted once and every window is measured by binary search, with no loop over rows. The
plain-Python reference in ``tests/reference_audit.py`` implements the same definitions directly
and the property tests require both to agree on every row.

Results are two DuckDB tables on the package's connection, ``audit_shifts`` and
``audit_encounters``, with one row per kept shift or encounter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from onrecord.audit.measure import measure
from onrecord.audit.possession import device_possession_sql
from onrecord.package.loader import Package, memory_bytes
from onrecord.package.timezones import local_month_sql
from onrecord.package.values import sql_str
from onrecord.policy import Policy
from onrecord.policy.requirement import in_list, officer_join, shift_requirement

US = 1_000_000
Con = duckdb.DuckDBPyConnection
BATCH_ROWS = 1 << 20
# What the engine's arrays take per row of the package at their peak (measured at 24,000
# officers: 1.45 GB for 34M rows), with a margin.
ARRAY_BYTES_PER_ROW = 48
Progress = Callable[[str], None]


def run(pkg: Package, policy: Policy, progress: Progress | None = None) -> None:
    """Create ``audit_shifts`` and ``audit_encounters`` for ``pkg`` under ``policy``."""
    con, zone = pkg.con, pkg.department.timezone
    say = progress or (lambda _msg: None)
    has = set(pkg.tables)
    say("reading times")
    # Officers are numbered once: the arrays key on the integer. Only officers with shifts or
    # encounters matter to the audit.
    sources = [f"SELECT officer_id FROM {t}" for t in ("shifts", "encounters") if t in has]
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _oid AS
        SELECT officer_id, (row_number() OVER (ORDER BY officer_id) - 1)::INTEGER AS oi
        FROM (SELECT DISTINCT officer_id FROM ({" UNION ALL ".join(sources)}))"""
    )
    with _room_for_arrays(pkg, ARRAY_BYTES_PER_ROW * pkg.rows):
        shifts, encounters, years = _measured(con, policy, has, say)
    month = local_month_sql("epoch_us(x.start)", zone, *years)
    results = sum(t.nbytes for t in (shifts, encounters) if t is not None)
    with _room_for_arrays(pkg, results):
        if shifts is not None:
            con.register("_sh_m", shifts)
            _shifts(con, policy, sql_str(zone), month, "officers" in has)
            con.unregister("_sh_m")
        else:
            _no_shifts(con)
        if encounters is not None:
            con.register("_en_m", encounters)
            _encounters(con, policy, month, "officers" in has)
            con.unregister("_en_m")
        else:
            _no_encounters(con)
    con.execute("DROP TABLE _oid")


@contextmanager
def _room_for_arrays(pkg: Package, nbytes: int) -> Iterator[None]:
    """While the engine's arrays (``nbytes``) exist, DuckDB's memory limit (when one is set) is
    lowered by their size, so that the process as a whole stays within it: DuckDB spills the
    loaded tables it does not need for a while instead."""
    limit = memory_bytes(pkg.memory_limit) if pkg.memory_limit else None
    if limit is None:
        yield
        return
    room = max(limit - nbytes, limit // 4)
    pkg.con.execute("SET memory_limit = ?", [f"{room // 10**6}MB"])
    try:
        yield
    finally:
        pkg.con.execute("SET memory_limit = ?", [pkg.memory_limit])


def _measured(
    con: Con, policy: Policy, has: set[str], say: Progress
) -> tuple[pa.Table | None, pa.Table | None, tuple[int, int]]:
    """The measures of every shift and encounter as Arrow tables keyed by ``_line`` (None for
    an absent table), and the calendar years the instants span (with a year's margin). The
    arrays read here are freed on return, before the results are joined back to the rows."""
    n_officers = con.execute("SELECT count(*) FROM _oid").fetchall()[0][0]
    allowed = in_list("r.stop_reason", policy.deactivation.allowed_reasons)
    rec = _arrays(
        con,
        f"""SELECT i.oi AS o, epoch_us(r.start) AS s, epoch_us(r."end") AS e, {allowed} AS ok
        FROM recordings r JOIN _oid i ON i.officer_id = r.officer_id""",
    )
    held = _empty(("o", "s", "e"))
    if "shifts" in has and "device_events" in has:
        dev = device_possession_sql("cameras" in has, policy.equipment.max_possession_hours)
        held = _arrays(
            con, f"SELECT i.oi AS o, d.s, d.e FROM ({dev}) d JOIN _oid i ON i.officer_id = d.o"
        )
    times = 'epoch_us(x.start) AS a, epoch_us(x."end") AS b'
    sh = _empty(("_line", "o", "a", "b"))
    ids = pa.array([], pa.string())
    if "shifts" in has:
        sh = _arrays(
            con,
            f"""SELECT x._line, i.oi AS o, {times}, x.shift_id
            FROM shifts x JOIN _oid i USING (officer_id)""",
        )
        ids = sh.pop("shift_id")
    en = _empty(("_line", "o", "a", "b"))
    if "encounters" in has:
        en = _arrays(
            con,
            f"SELECT x._line, i.oi AS o, {times} FROM encounters x JOIN _oid i USING (officer_id)",
        )
    say("measuring shifts and encounters")
    m = measure(policy, n_officers, rec, held, sh, ids, en)
    years = (_year(m.span[0]) - 1, _year(m.span[1]) + 1)
    shifts = pa.table({"_line": sh["_line"], **m.shifts}) if "shifts" in has else None
    encounters = None
    if "encounters" in has:
        found = m.context >= 0
        lines = np.zeros(len(found), np.int64)
        lines[found] = sh["_line"][m.context[found]]
        encounters = pa.table(
            {"_line": en["_line"], "shift_line": pa.array(lines, mask=~found), **m.encounters}
        )
    return shifts, encounters, years


def _year(us: int) -> int:
    return (datetime(1970, 1, 1) + timedelta(microseconds=int(us))).year


def _arrays(con: Con, sql: str) -> dict[str, Any]:
    """The columns of ``sql`` as NumPy arrays (text columns stay Arrow), streamed in batches so
    that neither DuckDB nor Arrow holds a second copy of the whole result."""
    reader = con.sql(sql).to_arrow_reader(BATCH_ROWS)
    schema = reader.schema
    text = {f.name for f in schema if pa.types.is_string(f.type)}
    parts: dict[str, list] = {name: [] for name in schema.names}
    for batch in reader:
        for name, column in zip(schema.names, batch.columns, strict=True):
            parts[name].append(column if name in text else column.to_numpy(zero_copy_only=False))
    out: dict[str, Any] = {}
    for f in schema:
        chunks = parts.pop(f.name)
        if f.name in text:
            out[f.name] = pa.chunked_array(chunks, f.type)
        else:
            out[f.name] = np.concatenate(chunks) if chunks else np.empty(0, np.int64)
    return out


def _empty(names: tuple[str, ...]) -> dict[str, np.ndarray]:
    return {c: np.empty(0, np.int64) for c in names}


def _shifts(con: Con, policy: Policy, tz: str, month: str, has_officers: bool) -> None:
    rr = policy.recording_required
    req = shift_requirement(policy, tz)
    recording = ""
    if rr.whole_shift:
        recording = f""",
            CASE WHEN NOT required THEN 'not_required'
                 WHEN recorded_ratio >= {rr.min_shift_recorded_ratio} THEN 'recorded'
                 ELSE 'under_recorded' END AS recording"""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE audit_shifts AS
        WITH base AS (
            SELECT x.shift_id, x.officer_id, x.kind,
                   coalesce(x.station_id, ofc.station_id) AS station_id,
                   coalesce(x.unit, ofc.unit) AS unit, x.start, x."end",
                   epoch_us(x.start) AS a, epoch_us(x."end") AS b,
                   {month} AS month,
                   {req.eligible} AS eligible, {req.trained} AS trained,
                   m.recorded_us, m.possessed_us, x._line
            FROM shifts x {officer_join(has_officers)}
            JOIN _sh_m m ON m._line = x._line),
        rated AS (
            SELECT *, eligible AND trained AS required,
                   (b - a) / {US}.0 / 3600 AS hours,
                   possessed_us / (b - a)::DOUBLE AS possession_ratio,
                   recorded_us / (b - a)::DOUBLE AS recorded_ratio
            FROM base)
        SELECT shift_id, officer_id, kind, station_id, unit, start, "end", hours, required,
               possession_ratio, recorded_ratio,
               CASE WHEN eligible AND NOT trained THEN 'untrained'
                    WHEN NOT required THEN 'not_required'
                    WHEN possession_ratio >= {policy.equipment.min_possession_ratio}
                         THEN 'equipped'
                    ELSE 'unequipped' END AS equipment{recording},
               month, possessed_us, recorded_us, a, b, _line
        FROM rated"""
    )


def _no_shifts(con: Con) -> None:
    con.execute(
        """CREATE OR REPLACE TEMP TABLE audit_shifts (shift_id VARCHAR, officer_id VARCHAR,
        kind VARCHAR, station_id VARCHAR, unit VARCHAR, start TIMESTAMPTZ, "end" TIMESTAMPTZ,
        hours DOUBLE, required BOOLEAN, possession_ratio DOUBLE, recorded_ratio DOUBLE,
        equipment VARCHAR, month VARCHAR, possessed_us BIGINT, recorded_us BIGINT, a BIGINT,
        b BIGINT, _line BIGINT)"""
    )


def _encounters(con: Con, policy: Policy, month: str, has_officers: bool) -> None:
    rr = policy.recording_required
    type_ok = in_list("x.type", rr.encounter_types)
    outside = "true" if rr.outside_required_shifts else "false"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE audit_encounters AS
        WITH base AS (
            SELECT x.encounter_id, x.officer_id, x.type, x.start, x."end", x.incident_id,
                   epoch_us(x.start) AS a, epoch_us(x."end") AS b, sh.shift_id,
                   coalesce(sh.kind, 'unscheduled') AS shift_kind,
                   coalesce(sh.station_id, ofc.station_id) AS station_id,
                   coalesce(sh.unit, ofc.unit) AS unit,
                   {month} AS month,
                   ({type_ok}) AND (coalesce(sh.required, false) OR {outside}
                                    OR sh.shift_id IS NULL) AS required,
                   c.*, x._line
            FROM encounters x
            JOIN _en_m c ON c._line = x._line
            LEFT JOIN audit_shifts sh ON sh._line = c.shift_line
            {officer_join(has_officers)})
        SELECT encounter_id, officer_id, type, start, "end", shift_id, shift_kind, station_id,
               unit, required,
               CASE WHEN NOT required THEN 'not_required'
                    WHEN NOT has_video THEN 'no_video'
                    WHEN late_start THEN 'late_start'
                    WHEN stopped_early AND NOT stop_allowed THEN 'early_stop'
                    WHEN unexcused_gap THEN 'gap'
                    WHEN (stopped_early AND stop_allowed) OR excused_gap THEN 'excused'
                    ELSE 'compliant' END AS outcome,
               coverage_ratio, late_start,
               stopped_early AND NOT stop_allowed AS early_stop,
               unexcused_gap,
               (stopped_early AND stop_allowed) OR excused_gap AS excused,
               month, incident_id, a, b, _line
        FROM base"""
    )


def _no_encounters(con: Con) -> None:
    con.execute(
        """CREATE OR REPLACE TEMP TABLE audit_encounters (encounter_id VARCHAR,
        officer_id VARCHAR, type VARCHAR, start TIMESTAMPTZ, "end" TIMESTAMPTZ,
        shift_id VARCHAR, shift_kind VARCHAR, station_id VARCHAR, unit VARCHAR,
        required BOOLEAN, outcome VARCHAR, coverage_ratio DOUBLE, late_start BOOLEAN,
        early_stop BOOLEAN, unexcused_gap BOOLEAN, excused BOOLEAN, month VARCHAR,
        incident_id VARCHAR, a BIGINT, b BIGINT, _line BIGINT)"""
    )
