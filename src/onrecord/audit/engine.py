"""The audit engine: every shift and every encounter against a policy.

Definitions are those of the methodology (``shared/spec/audit.md``; ``docs/methodology.md``).
DuckDB supplies narrow columns (officer, start and end in microseconds) and takes the results
back beside the rows by position; the arithmetic runs on NumPy arrays (``measure.py``), where
each table is sorted once and every window is measured by binary search, with no loop over rows.
The plain-Python reference in ``tests/reference_audit.py`` implements the same definitions
directly and the property tests require both to agree on every row.

Results are two DuckDB tables in the package's database, ``audit_shifts`` and
``audit_encounters``, with one row per kept shift or encounter. They are not temporary, so that
a second connection can read ``audit_shifts`` while ``audit_encounters`` is being built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from onrecord.audit.measure import measure
from onrecord.audit.possession import device_possession_sql
from onrecord.package.loader import Package, memory_bytes
from onrecord.package.timezones import local_month_sql
from onrecord.package.values import sql_str
from onrecord.policy import Policy
from onrecord.policy.requirement import in_list, shift_requirement

US = 1_000_000
Con = duckdb.DuckDBPyConnection
BATCH_ROWS = 1 << 20
# What the engine's arrays take per row of the package at their peak (measured at 24,000
# officers: 1.45 GB for 34M rows), with a margin.
ARRAY_BYTES_PER_ROW = 48
# What an encounter's context shift and officer attributes take while the audit tables are built
# (shift id, dictionary indices, the read of audit_shifts), with a margin: at 64 bytes the peak
# at 24,000 officers was 3.90 GB, at 96 bytes 3.70 GB, in the same time.
CONTEXT_BYTES = 96
Progress = Callable[[str], None]
# The columns the engine reads (``Package.narrow``).
COLUMNS = {
    "shifts": ("shift_id", "officer_id", "kind", "station_id", "unit", "uniformed", "start", "end"),
    "encounters": ("encounter_id", "officer_id", "type", "start", "end"),
    "recordings": ("officer_id", "start", "end", "stop_reason"),
    "device_events": ("camera_id", "at", "event", "officer_id"),
    "cameras": ("camera_id", "assigned_officer_id"),
    "officers": ("officer_id", "station_id", "unit", "trained_on"),
}


def run(
    pkg: Package,
    policy: Policy,
    progress: Progress | None = None,
    alongside: Callable[[Con], object] | None = None,
) -> None:
    """Create ``audit_shifts`` and ``audit_encounters`` for ``pkg`` under ``policy``.

    ``alongside``, when given, is called with a second connection to the database as soon as
    ``audit_shifts`` exists, on a thread of its own, while ``audit_encounters`` is built: that
    build runs on one core (``POSITIONAL JOIN``), so work on ``audit_shifts`` (writing
    ``shifts.csv``) uses the other. Its exception, if any, is raised here."""
    con, zone = pkg.con, pkg.department.timezone
    say = progress or (lambda _msg: None)
    has = set(pkg.tables)
    say("reading times")
    people = _people(con, has)
    with _room_for_arrays(pkg, ARRAY_BYTES_PER_ROW * pkg.rows):
        sh, en, years = _measured(con, policy, has, people["officer_id"], say)
    # Arrow's allocator keeps freed memory for reuse; hand the arrays' memory back.
    pa.default_memory_pool().release_unused()
    month = local_month_sql("a", zone, *years)
    results = sum(t.nbytes for t in (*sh, *en)) + CONTEXT_BYTES * (en[0].num_rows if en else 0)
    with _room_for_arrays(pkg, results), ThreadPoolExecutor(1) as side:
        if sh:
            _shifts(con, policy, sql_str(zone), month, _officers_of(people, sh[0]), sh[1])
        else:
            _no_shifts(con)
        done = side.submit(_beside, con, alongside) if alongside else None
        if en:
            attrs = _context(con, en[0], *sh) if sh else _no_context(en[0].num_rows)
            rows = (en[1], attrs, _officers_of(people, en[0]))
            del sh, en
            _encounters(con, policy, month, *rows)
            del rows
        else:
            _no_encounters(con)
        if done:
            done.result()
    pa.default_memory_pool().release_unused()


def _beside(con: Con, work: Callable[[Con], object]) -> None:
    """Run ``work`` on a second connection to ``con``'s database, in UTC like the first."""
    second = con.cursor()
    try:
        second.execute("SET TimeZone = 'UTC'")
        work(second)
    finally:
        second.close()


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


def _people(con: Con, has: set[str]) -> pa.Table:
    """Every officer with shifts or encounters, once, in a fixed order (the arrays number
    officers by their position here), with the officer row's attributes the audit uses."""
    sources = [f"SELECT officer_id FROM {t}" for t in ("shifts", "encounters") if t in has]
    ids = f"SELECT DISTINCT officer_id FROM ({' UNION ALL '.join(sources)})"
    if "officers" in has:
        sql = f"""SELECT i.officer_id, ofc.station_id, ofc.unit, ofc.trained_on
            FROM ({ids}) i LEFT JOIN officers ofc USING (officer_id) ORDER BY i.officer_id"""
    else:
        sql = f"""SELECT officer_id, NULL::VARCHAR AS station_id, NULL::VARCHAR AS unit,
            NULL::DATE AS trained_on FROM ({ids}) ORDER BY officer_id"""
    people = con.sql(sql).to_arrow_table()
    # Dictionary-encoded, so that the per-row copies below hold indices rather than text.
    small = ("station_id", "unit")
    return pa.table({c: people[c].dictionary_encode() if c in small else people[c]
                     for c in people.column_names})  # fmt: skip


def _measured(
    con: Con, policy: Policy, has: set[str], officers: pa.ChunkedArray, say: Progress
) -> tuple[tuple[pa.Table, ...], tuple[pa.Table, ...], tuple[int, int]]:
    """The measures of every shift and of every encounter as Arrow tables, row for row in the
    order of a scan of ``shifts`` and of ``encounters`` (empty for an absent table): first a
    table of each row's officer number ``o`` (and shift id), then the measures with ``_line``
    and the instants; and the calendar years the instants span (with a year's margin). The
    arrays read here are freed on return, before the results are put beside the rows."""
    allowed = in_list("r.stop_reason", policy.deactivation.allowed_reasons)
    rec = _arrays(
        con,
        f"""SELECT r.officer_id, epoch_us(r.start) AS s, epoch_us(r."end") AS e, {allowed} AS ok
        FROM recordings r""",
        officers,
    )
    held = _empty(("o", "s", "e"))
    if "shifts" in has and "device_events" in has:
        dev = device_possession_sql("cameras" in has, policy.equipment.max_possession_hours)
        held = _arrays(con, f"SELECT d.o AS officer_id, d.s, d.e FROM ({dev}) d", officers)
    times = 'epoch_us(x.start) AS a, epoch_us(x."end") AS b'
    sh = _empty(("_line", "o", "a", "b"))
    ids = pa.array([], pa.string())
    if "shifts" in has:
        sh = _arrays(
            con, f"SELECT x._line, x.officer_id, {times}, x.shift_id FROM shifts x", officers
        )
        ids = sh.pop("shift_id")
    en = _empty(("_line", "o", "a", "b"))
    if "encounters" in has:
        en = _arrays(con, f"SELECT x._line, x.officer_id, {times} FROM encounters x", officers)
    say("measuring shifts and encounters")
    m = measure(policy, len(officers), rec, held, sh, ids, en)
    years = (_year(m.span[0]) - 1, _year(m.span[1]) + 1)
    shifts: tuple[pa.Table, ...] = ()
    if "shifts" in has:
        shifts = (
            pa.table({"o": sh["o"], "shift_id": ids}),
            pa.table({"_line": sh["_line"], "a": sh["a"], "b": sh["b"], **m.shifts}),
        )
    encounters: tuple[pa.Table, ...] = ()
    if "encounters" in has:
        context = pa.array(m.context, mask=m.context < 0)
        encounters = (
            pa.table({"o": en["o"], "context": context}),
            pa.table({"_line": en["_line"], "a": en["a"], "b": en["b"], **m.encounters}),
        )
    return shifts, encounters, years


def _year(us: int) -> int:
    return (datetime(1970, 1, 1) + timedelta(microseconds=int(us))).year


def _arrays(con: Con, sql: str, officers: pa.ChunkedArray) -> dict[str, Any]:
    """The columns of ``sql`` as NumPy arrays (text columns stay Arrow), streamed in batches so
    that neither DuckDB nor Arrow holds a second copy of the whole result. Its ``officer_id``
    becomes ``o``, the officer's position in ``officers``; rows of other officers are left out.

    The officer is looked up here rather than joined in the query because a join would give
    the rows in another order than a plain scan of the table, and the results are put back
    beside the rows by position (``POSITIONAL JOIN``)."""
    reader = con.sql(sql).to_arrow_reader(BATCH_ROWS)
    schema = reader.schema
    names = ["o" if n == "officer_id" else n for n in schema.names]
    text = {f.name for f in schema if pa.types.is_string(f.type) and f.name != "officer_id"}
    lookup = pc.SetLookupOptions(officers.combine_chunks())
    parts: dict[str, list] = {name: [] for name in names}
    for batch in reader:
        o = pc.index_in(batch.column("officer_id"), options=lookup)
        if o.null_count:
            batch = batch.filter(o.is_valid())
            o = o.drop_null()
        columns = [o if n == "officer_id" else batch.column(n) for n in schema.names]
        for name, column in zip(names, columns, strict=True):
            parts[name].append(column if name in text else column.to_numpy(zero_copy_only=False))
    out: dict[str, Any] = {}
    for name, f in zip(names, schema, strict=True):
        chunks = parts.pop(name)
        if name in text:
            out[name] = pa.chunked_array(chunks, f.type)
        else:
            out[name] = np.concatenate(chunks) if chunks else np.empty(0, np.int64)
    return out


def _empty(names: tuple[str, ...]) -> dict[str, np.ndarray]:
    return {c: np.empty(0, np.int64) for c in names}


def _officers_of(people: pa.Table, rows: pa.Table) -> pa.Table:
    """The officer row's attributes for each of ``rows`` (by its officer number ``o``)."""
    return people.drop_columns("officer_id").take(rows["o"])


def _context(con: Con, rows: pa.Table, shifts: pa.Table, measured: pa.Table) -> pa.Table:
    """The attributes of each encounter's context shift (NULL for none). ``audit_shifts``
    holds its rows in the order of the measured ``shifts``, which ``context`` indexes. The
    small vocabularies are read dictionary-encoded, so that the copies per encounter are
    indices, not text."""
    small = ("kind", "station_id", "unit")
    reader = con.sql(
        f"SELECT {', '.join(small)}, required, _line FROM audit_shifts"
    ).to_arrow_reader(BATCH_ROWS)
    parts: dict[str, list] = {c: [] for c in reader.schema.names}
    for batch in reader:
        for c in reader.schema.names:
            parts[c].append(batch.column(c).dictionary_encode() if c in small else batch.column(c))
    if not pa.chunked_array(parts["_line"], pa.int64()).equals(measured["_line"]):
        raise RuntimeError("audit engine: audit_shifts out of step with the measured shifts")
    words = pa.dictionary(pa.int32(), pa.string())
    attrs = {c: pa.chunked_array(parts[c], words).unify_dictionaries() for c in small}
    attrs |= {
        "shift_id": shifts["shift_id"],
        "required": pa.chunked_array(parts["required"], pa.bool_()),
    }
    return pa.table({c: v.combine_chunks() for c, v in attrs.items()}).take(rows["context"])


def _no_context(n: int) -> pa.Table:
    text = pa.nulls(n, pa.string())
    return pa.table(
        {"shift_id": text, "kind": text, "station_id": text, "unit": text,
         "required": pa.nulls(n, pa.bool_())}
    )  # fmt: skip


def _line_check(x: str, m: str) -> str:
    """``_line``, failing the query if the measured row is not the scanned row: the positional
    join relies on two scans of the same table giving the same order."""
    return (
        f"CASE WHEN {x}._line = {m}._line THEN {x}._line "
        f"ELSE error('audit engine: measures out of step with the rows') END AS _line"
    )


def _shifts(
    con: Con, policy: Policy, tz: str, month: str, officers: pa.Table, measured: pa.Table
) -> None:
    rr = policy.recording_required
    req = shift_requirement(policy, tz)
    recording = ""
    if rr.whole_shift:
        recording = f""",
            CASE WHEN NOT required THEN 'not_required'
                 WHEN recorded_ratio >= {rr.min_shift_recorded_ratio} THEN 'recorded'
                 ELSE 'under_recorded' END AS recording"""
    with _registered(con, _sh_m=measured, _sh_o=officers):
        con.execute(
            f"""CREATE OR REPLACE TABLE audit_shifts AS
            WITH base AS (
                SELECT x.shift_id, x.officer_id, x.kind,
                       coalesce(x.station_id, ofc.station_id) AS station_id,
                       coalesce(x.unit, ofc.unit) AS unit, make_timestamptz(m.a) AS start,
                       make_timestamptz(m.b) AS "end", m.a, m.b, {month} AS month,
                       {req.eligible} AS eligible, {req.trained} AS trained,
                       m.recorded_us, m.possessed_us, {_line_check("x", "m")}
                FROM shifts x POSITIONAL JOIN _sh_m m POSITIONAL JOIN _sh_o ofc),
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
        """CREATE OR REPLACE TABLE audit_shifts (shift_id VARCHAR, officer_id VARCHAR,
        kind VARCHAR, station_id VARCHAR, unit VARCHAR, start TIMESTAMPTZ, "end" TIMESTAMPTZ,
        hours DOUBLE, required BOOLEAN, possession_ratio DOUBLE, recorded_ratio DOUBLE,
        equipment VARCHAR, month VARCHAR, possessed_us BIGINT, recorded_us BIGINT, a BIGINT,
        b BIGINT, _line BIGINT)"""
    )


def _encounters(
    con: Con, policy: Policy, month: str, measured: pa.Table, shifts: pa.Table, officers: pa.Table
) -> None:
    rr = policy.recording_required
    type_ok = in_list("x.type", rr.encounter_types)
    outside = "true" if rr.outside_required_shifts else "false"
    with _registered(con, _en_m=measured, _en_s=shifts, _en_o=officers):
        con.execute(
            f"""CREATE OR REPLACE TABLE audit_encounters AS
            WITH base AS (
                SELECT x.encounter_id, x.officer_id, x.type, make_timestamptz(c.a) AS start,
                       make_timestamptz(c.b) AS "end", sh.shift_id,
                       coalesce(sh.kind, 'unscheduled') AS shift_kind,
                       coalesce(sh.station_id, ofc.station_id) AS station_id,
                       coalesce(sh.unit, ofc.unit) AS unit,
                       {month} AS month,
                       ({type_ok}) AND (coalesce(sh.required, false) OR {outside}
                                        OR sh.shift_id IS NULL) AS required,
                       c.* EXCLUDE (_line), {_line_check("x", "c")}
                FROM encounters x POSITIONAL JOIN _en_m c POSITIONAL JOIN _en_s sh
                     POSITIONAL JOIN _en_o ofc)
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
                   month, a, b, _line
            FROM base"""
        )


@contextmanager
def _registered(con: Con, **tables: pa.Table) -> Iterator[None]:
    """``tables`` visible to DuckDB by name for the duration."""
    for name, table in tables.items():
        con.register(name, table)
    try:
        yield
    finally:
        for name in tables:
            con.unregister(name)


def _no_encounters(con: Con) -> None:
    con.execute(
        """CREATE OR REPLACE TABLE audit_encounters (encounter_id VARCHAR,
        officer_id VARCHAR, type VARCHAR, start TIMESTAMPTZ, "end" TIMESTAMPTZ,
        shift_id VARCHAR, shift_kind VARCHAR, station_id VARCHAR, unit VARCHAR,
        required BOOLEAN, outcome VARCHAR, coverage_ratio DOUBLE, late_start BOOLEAN,
        early_stop BOOLEAN, unexcused_gap BOOLEAN, excused BOOLEAN, month VARCHAR,
        a BIGINT, b BIGINT, _line BIGINT)"""
    )
