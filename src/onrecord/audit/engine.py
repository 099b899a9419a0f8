"""The audit engine: every shift and every encounter against a policy.

Definitions are those of the methodology (``docs/contracts/audit.md``; ``docs/methodology.md``).
DuckDB supplies narrow columns (officer, start and end in microseconds); the arithmetic runs on
NumPy arrays (``measure.py``), where each table is sorted once and every window is measured by
binary search, with no loop over rows. ``audit_shifts`` is built from one Arrow table of the
shifts read with their measures; ``audit_encounters`` puts the measures back beside the
encounters by position (their text is too large to hold in Python as well).
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
from onrecord.package.timezones import local_months
from onrecord.package.values import sql_str
from onrecord.policy import Policy
from onrecord.policy.requirement import in_list, shift_requirement

US = 1_000_000
Con = duckdb.DuckDBPyConnection
BATCH_ROWS = 1 << 20
# What the engine's arrays take per row of the package at their peak (measured at 24,000
# officers: 1.45 GB for 34M rows, before the shifts' text columns were read too), with a margin:
# at 48 bytes the peak there was 3.87 GB, at 52 bytes 3.73 GB, in the same time.
ARRAY_BYTES_PER_ROW = 52
TIMESTAMP = pa.timestamp("us", tz="UTC")
# Text columns with a small vocabulary, read dictionary-encoded (indices instead of text).
WORDS = ("kind", "station_id", "unit")
# What an encounter's context shift and officer attributes take while the audit tables are built
# (a shift id, five dictionary indices, a date, flags): about 40 bytes, with a margin.
CONTEXT_BYTES = 48
Progress = Callable[[str], None]
# The columns the engine reads: `onrecord audit` loads only these (`load(columns=...)`).
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
        sh, en = _measured(con, policy, has, people, zone, say)
    # Arrow's allocator keeps freed memory for reuse; hand the arrays' memory back.
    pa.default_memory_pool().release_unused()
    results = sum(t.nbytes for t in (sh, *en) if t is not None)
    results += CONTEXT_BYTES * (en[0].num_rows if en else 0)
    with _room_for_arrays(pkg, results), ThreadPoolExecutor(1) as side:
        if sh is not None:
            _shifts(con, policy, sql_str(zone), sh)
        else:
            _no_shifts(con)
        done = side.submit(beside, con, alongside) if alongside else None
        if en:
            attrs = _context(con, en[0], sh) if sh is not None else _no_context(en[0].num_rows)
            rows = (en[1], attrs, _officers_of(people, en[0]["o"]))
            del sh, en
            _encounters(con, policy, *rows)
            del rows
        else:
            _no_encounters(con)
        if done:
            done.result()
    pa.default_memory_pool().release_unused()


def beside(con: Con, work: Callable[[Con], object]) -> None:
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
    con: Con, policy: Policy, has: set[str], people: pa.Table, zone: str, say: Progress
) -> tuple[pa.Table | None, tuple[pa.Table, ...]]:
    """Every shift and encounter measured, row for row in the order of a plain scan of
    ``shifts`` and ``encounters``: for shifts, one table holding all that ``audit_shifts`` is
    made from (None without shifts); for encounters (empty without them), a table of each
    row's officer number ``o`` and context shift (an index into the shifts), then one of the
    measures with ``_line``, the instants and their local month. The arrays read here are freed
    on return, before the results are put beside the rows."""
    officers = people["officer_id"]
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
            con,
            f"""SELECT x._line, x.officer_id, {times}, x.shift_id, x.kind, x.station_id, x.unit,
                       x.uniformed FROM shifts x""",
            officers,
        )
        ids = sh["shift_id"]
    en = _empty(("_line", "o", "a", "b"))
    if "encounters" in has:
        en = _arrays(con, f"SELECT x._line, x.officer_id, {times} FROM encounters x", officers)
    say("measuring shifts and encounters")
    m = measure(policy, len(officers), rec, held, sh, ids, en)
    years = (_year(m.span[0]) - 1, _year(m.span[1]) + 1)
    shifts = None
    if "shifts" in has:
        officer = pa.DictionaryArray.from_arrays(pa.array(sh["o"]), officers.combine_chunks())
        attrs = _officers_of(people, sh.pop("o"))
        shifts = pa.table(
            {**sh, "officer_id": officer, "start": pa.array(sh["a"]).view(TIMESTAMP),
             "end": pa.array(sh["b"]).view(TIMESTAMP), "month": local_months(sh["a"], zone, *years),
             **{f"ofc_{c}": attrs[c] for c in attrs.column_names}, **m.shifts}
        )  # fmt: skip
    encounters: tuple[pa.Table, ...] = ()
    if "encounters" in has:
        context = pa.array(m.context, mask=m.context < 0)
        encounters = (
            pa.table({"o": en["o"], "context": context}),
            pa.table({"_line": en["_line"], "a": en["a"], "b": en["b"],
                      "month": local_months(en["a"], zone, *years), **m.encounters}),
        )  # fmt: skip
    return shifts, encounters


def _year(us: int) -> int:
    return (datetime(1970, 1, 1) + timedelta(microseconds=int(us))).year


def _arrays(con: Con, sql: str, officers: pa.ChunkedArray) -> dict[str, Any]:
    """The columns of ``sql`` as NumPy arrays (text columns stay Arrow, those of ``WORDS``
    dictionary-encoded), streamed in batches so that neither DuckDB nor Arrow holds a second
    copy of the whole result. Its ``officer_id`` becomes ``o``, the officer's position in
    ``officers``; rows of other officers are left out.

    The officer is looked up here rather than joined in the query because a join would give
    the rows in another order than a plain scan of the table: the encounters' results are put
    back beside them by position (``POSITIONAL JOIN``), and the audit tables keep file order."""
    reader = con.sql(sql).to_arrow_reader(BATCH_ROWS)
    schema = reader.schema
    names = ["o" if n == "officer_id" else n for n in schema.names]
    text = {f.name for f in schema if pa.types.is_string(f.type) and f.name != "officer_id"}
    word = pa.dictionary(pa.int32(), pa.string())
    lookup = pc.SetLookupOptions(officers.combine_chunks())
    parts: dict[str, list[pa.Array | np.ndarray]] = {name: [] for name in names}
    for batch in reader:
        o = pc.index_in(batch.column("officer_id"), options=lookup)
        if o.null_count:
            batch = batch.filter(o.is_valid())
            o = o.drop_null()
        columns = [o if n == "officer_id" else batch.column(n) for n in schema.names]
        for name, column in zip(names, columns, strict=True):
            if name in WORDS:
                column = column.dictionary_encode()
            parts[name].append(column if name in text else column.to_numpy(zero_copy_only=False))
    out: dict[str, Any] = {}
    for name, f in zip(names, schema, strict=True):
        chunks = parts.pop(name)
        if name in WORDS:
            out[name] = pa.chunked_array(chunks, word).unify_dictionaries().combine_chunks()
        elif name in text:
            out[name] = pa.chunked_array(chunks, f.type)
        else:
            out[name] = np.concatenate(chunks) if chunks else np.empty(0, np.int64)
    return out


def _empty(names: tuple[str, ...]) -> dict[str, np.ndarray]:
    return {c: np.empty(0, np.int64) for c in names}


def _officers_of(people: pa.Table, o: Any) -> pa.Table:
    """The officer row's attributes for each officer number of ``o``."""
    return people.drop_columns("officer_id").take(o)


def _context(con: Con, rows: pa.Table, shifts: pa.Table) -> pa.Table:
    """The attributes of each encounter's context shift (NULL for none), taken by the index
    ``context`` from the shifts read, and ``required`` from ``audit_shifts``, which holds them in
    the same order (checked: otherwise an encounter would take another shift's requirement).
    The shift's station and unit are its own; the encounter's officer, the shift's too, fills
    them in when missing."""
    made = con.sql("SELECT required, _line FROM audit_shifts").to_arrow_table()
    if not made["_line"].equals(shifts["_line"]):
        raise RuntimeError("audit engine: audit_shifts out of step with the shifts read")
    at = rows["context"]
    attrs = {c: shifts[c].take(at) for c in ("shift_id", "kind", "station_id", "unit")}
    return pa.table({**attrs, "required": made["required"].take(at)})


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


def _shifts(con: Con, policy: Policy, tz: str, rows: pa.Table) -> None:
    """``audit_shifts`` from ``rows``, one table holding all it needs: a single scan, which
    DuckDB runs on every core and keeps in order."""
    rr = policy.recording_required
    req = shift_requirement(policy, tz, shift="", officer="ofc_")
    recording = ""
    if rr.whole_shift:
        recording = f""",
            CASE WHEN NOT required THEN 'not_required'
                 WHEN recorded_ratio >= {rr.min_shift_recorded_ratio} THEN 'recorded'
                 ELSE 'under_recorded' END AS recording"""
    with _registered(con, _sh=rows):
        con.execute(
            f"""CREATE OR REPLACE TABLE audit_shifts AS
            WITH base AS (
                SELECT shift_id, officer_id, kind,
                       coalesce(station_id, ofc_station_id) AS station_id,
                       coalesce(unit, ofc_unit) AS unit, start, "end", a, b, month,
                       {req.eligible} AS eligible, {req.trained} AS trained,
                       recorded_us, possessed_us, _line
                FROM _sh),
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
    con: Con, policy: Policy, measured: pa.Table, shifts: pa.Table, officers: pa.Table
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
