"""Read one table file into DuckDB: typed values, row errors, and a view of the kept rows.

The file is parsed as text (so nothing is guessed by a type sniffer), except Parquet columns
stored with a type the contract's rule can check as it is, and typed by the contract's rules in
one vectorised pass straight from the file; each failing cell becomes a row error with
its file, line and column. Rows with errors, and later duplicates of a key, are excluded from the
kept rows but never lost: they are counted and listed in ``_problems``.

Timestamps are stored as their wall-clock reading plus the written offset (NULL for local
times); the kept view turns them into UTC with the department timezone's transitions for the
years actually present, which are only known once the file is read.
"""

from __future__ import annotations

import bisect
import tempfile
from collections.abc import Callable, Collection
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from onrecord.package.csvtext import Header, Records, line_breaks, normalize, read_header, records
from onrecord.package.files import TableFile
from onrecord.package.formats import TableFormat
from onrecord.package.problems import SEVERITY, Code, Severity
from onrecord.package.schema import TABLES, Column, Kind, Table
from onrecord.package.timezones import anomaly_sql, offset_sql, transitions
from onrecord.package.values import (
    NATIVE,
    PLAIN_TIMESTAMP_RE,
    TIMESTAMP_RE,
    UTC_TIMESTAMP,
    default_sql,
    expected,
    native_sql,
    offset_seconds_sql,
    quote,
    sql_str,
    typed_sql,
)

PROBLEMS_DDL = """
CREATE TABLE IF NOT EXISTS _problems (
    severity VARCHAR, code VARCHAR, "table" VARCHAR, file VARCHAR, line BIGINT,
    "column" VARCHAR, message VARCHAR, value VARCHAR
)"""

# The reader's own columns carry this prefix, so that no column of the file can collide with them
# (header names with it, and ``_line``, are refused by ``files.py``).
INTERNAL = "__onrecord_"
# Surrounding white space trimmed from every value: space, tab, line feed, carriage return,
# vertical tab, form feed (DuckDB's one-argument trim() takes spaces only).
BLANKS = "' ' || chr(9) || chr(10) || chr(13) || chr(11) || chr(12)"
LINE, KEEP, BAD = INTERNAL + "line", INTERNAL + "keep", INTERNAL + "bad"

AMBIGUOUS = (
    " occurs twice as clocks go back; read as the first occurrence. "
    "Give a UTC offset to choose the second"
)
SKIPPED = " does not exist as clocks go forward; moved forward by the skip. Check the source clock"


@dataclass
class TableLoad:
    """What reading one table did: rows read, kept, and excluded by reason."""

    table: str
    file: str
    fmt: TableFormat
    rows_read: int = 0
    rows_kept: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    # The kept view's columns: name -> (SQL over the typed table, the typed columns it reads).
    view: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict, repr=False)

    @property
    def rows_excluded(self) -> int:
        return self.rows_read - self.rows_kept


def json_key(name: str) -> str:
    """A JSON path step for a column name (quoted, so any header text is a valid key)."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _csv_source(tf: TableFile, path: Path, parallel: bool = True) -> str:
    """Every column as text, and ``LINE``: the row's number among the file's accepted records
    (1 for the first), which :func:`_csv_lines` turns into its line.

    The number is given as the file is scanned, by DuckDB's documented way to turn a table's
    original order into a column: ``row_number() OVER ()`` directly on the one table (DuckDB
    runs that window on one thread, reading the file in order). From then on it is a value of
    the row, which no later reordering (by joins, parallel inserts, rewrites of the table) can
    change. The typed table's ``rowid`` cannot serve: DuckDB stores the rows of a ``CREATE
    TABLE AS`` in scan order only when it judges every operator of the query order-preserving,
    and it does not judge the typed query so (it turns an ``IN`` list of five or more values
    into a hash join), so on a file read by several threads the rows are stored in whatever
    order the threads finish them."""
    cols = "{" + ", ".join(f"{sql_str(c)}: 'VARCHAR'" for c in tf.header) + "}"
    serial = "" if parallel else ", parallel=false"
    return f"""(SELECT *, row_number() OVER () AS {LINE} FROM read_csv({sql_str(str(path))},
        columns={cols}, header=true, auto_detect=false, delim=',', quote='"', escape='"',
        strict_mode=true, null_padding=false, store_rejects=true, rejects_table='_rej',
        rejects_scan='_rejscan', encoding='utf-8'{serial}))"""


def _parquet_source(tf: TableFile, native: dict[str, str]) -> str:
    """Every column cast to text, so that one set of rules applies to both formats, except the
    ``native`` columns, which are read as they are stored (see :func:`native_columns`)."""
    cols = ", ".join(
        quote(c) if c in native else f"CAST({quote(c)} AS VARCHAR) AS {quote(c)}" for c in tf.header
    )
    return (
        f"(SELECT {cols}, file_row_number AS {LINE} "
        f"FROM read_parquet({sql_str(str(tf.path))}, file_row_number=true))"
    )


def native_columns(con: duckdb.DuckDBPyConnection, table: Table, tf: TableFile) -> dict[str, str]:
    """Parquet columns stored as a type that the contract's rule can check without the text, with
    that type. Casting those to text and parsing the text back costs more than the rest of their
    reading; checked natively they give the same values and the same errors."""
    if tf.fmt != TableFormat.PARQUET:
        return {}
    types = con.execute(
        f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "
        f"read_parquet({sql_str(str(tf.path))}))"
    ).fetchall()
    kinds = {c.name: c.kind for c in table.columns}
    return {
        name: typ for name, typ in types if name in kinds and typ in NATIVE.get(kinds[name], ())
    }


def read_table(
    con: duckdb.DuckDBPyConnection,
    tf: TableFile,
    timezone: str,
    keep: Collection[str] | None = None,
) -> TableLoad:
    """Read ``tf``; create the view named after its table over ``_typed_<table>``.

    Both are in the database's main schema, not temporary to ``con``, so that several files can
    be read at once, each on a connection (cursor) of its own, and every connection sees them;
    the reader's scratch tables are temporary, private to ``con``.

    With ``keep``, only those columns are stored and in the view: every cell is still checked
    (a row with a bad value in any column is excluded and reported all the same), but the values
    of the other columns are not kept, so a job that reads a few columns of a large package
    holds only those."""
    con.execute(PROBLEMS_DDL)
    table = TABLES[tf.table]
    typed = typed_table(table.name)
    native = native_columns(con, table, tf)
    # The reader's own checks need the key and every timestamp until they are done.
    stored = None
    if keep is not None:
        own = {c.name for c in table.columns if c.kind is Kind.TIMESTAMP or c.name == table.key}
        stored = set(keep) | own

    def create(source: str) -> None:
        query = _typed_query(table, tf, source, native, stored)
        con.execute(f"CREATE OR REPLACE TABLE {typed} AS {query}")

    if tf.fmt == TableFormat.CSV:
        line = _read_csv(con, tf, typed, create)
    else:
        create(_parquet_source(tf, native))
        line = LINE
    present = [c for c in table.columns if c.name in tf.header]
    stamps = [c.name for c in present if c.kind is Kind.TIMESTAMP]
    steps, anomalies = transitions(timezone, _years(con, typed, stamps))
    utc = {c.name: _utc_sql(c.name, steps) for c in table.columns if c.kind is Kind.TIMESTAMP}

    _record_cell_problems(con, table, tf, typed, line, anomalies)
    _exclude_bad_intervals(con, table, tf, typed, line, utc)
    _exclude_duplicates(con, table, tf, typed, line)
    view: dict[str, tuple[str, tuple[str, ...]]] = {
        c.name: (utc[c.name], (INTERNAL + "n_" + c.name, INTERNAL + "z_" + c.name))
        if c.name in utc
        else (quote(c.name), (c.name,))
        for c in table.columns
    }
    view |= {c: (quote(c), (c,)) for c in tf.header if c not in view}
    view["_line"] = (line, (LINE,))
    view = {n: v for n, v in view.items() if stored is None or n in stored or n == "_line"}
    load = _count(con, table, tf, typed)
    load.view = view
    create_view(con, load)
    if keep is not None:
        narrow(con, load, set(keep))
    return load


def typed_table(name: str) -> str:
    """The table holding every row read for ``name``, typed, with the reader's own columns."""
    return f"_typed_{name}"


def create_view(con: duckdb.DuckDBPyConnection, load: TableLoad) -> None:
    """The view named after the table: its kept rows, with the columns of ``load.view``."""
    cols = ", ".join(f"{sql} AS {quote(name)}" for name, (sql, _) in load.view.items())
    con.execute(
        f"CREATE OR REPLACE VIEW {quote(load.table)} AS "
        f"SELECT {cols} FROM {typed_table(load.table)} WHERE {KEEP}"
    )


def narrow(con: duckdb.DuckDBPyConnection, load: TableLoad, keep: set[str]) -> None:
    """Keep only the ``keep`` columns (and ``_line``) of a loaded table, freeing the memory the
    others hold: for work that reads a few columns of a large package once it is checked."""
    load.view = {n: v for n, v in load.view.items() if n in keep or n == "_line"}
    create_view(con, load)
    used = {LINE, KEEP}.union(*(reads for _, reads in load.view.values()))
    typed = typed_table(load.table)
    present = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
        "AND database_name = current_database() AND schema_name = 'main'",
        [typed],
    ).fetchall()
    for (name,) in present:
        if name not in used:
            con.execute(f"ALTER TABLE {typed} DROP COLUMN {quote(name)}")


def _utc_sql(column: str, steps: list[tuple[datetime, int]]) -> str:
    """SQL for a timestamp column's instant: its wall-clock reading less its offset, in
    microseconds. The same instant as casting the TIMESTAMP to TIMESTAMPTZ (in UTC), without that
    cast's calendar work, which the kept view would pay on every read of every timestamp."""
    n, z = quote(INTERNAL + "n_" + column), quote(INTERNAL + "z_" + column)
    off = f"coalesce({z}, {offset_sql(n, steps)})"
    return f"make_timestamptz(epoch_us({n}) - {off} * 1000000::BIGINT)"


def _cells(
    present: list[Column], source: str, passthrough: list[str], native: dict[str, str]
) -> str:
    """Each cell of ``source`` read in stages, so that each expression is evaluated once per
    cell: text -> parts -> typed value. For every column, ``v_`` is its trimmed text (NULL when
    empty; the stored value for ``native`` columns) and ``p_`` its typed value (NULL when empty
    or invalid); timestamps also give their wall-clock reading ``n_`` and written offset ``z_``
    (a Parquet timestamp adjusted to UTC: its UTC reading and offset 0; one without a time zone:
    its reading as local time, like text without an offset).
    """
    text = list(passthrough)
    parts: list[str] = []
    parsed: list[str] = []
    for col in present:
        v = quote(INTERNAL + "v_" + col.name)
        p = quote(INTERNAL + "p_" + col.name)
        if col.name in native:
            text.append(f"{quote(col.name)} AS {v}")
            if col.kind is not Kind.TIMESTAMP:
                parsed.append(f"{native_sql(col, v)} AS {p}")
                continue
            n, z = (quote(INTERNAL + part + col.name) for part in ("n_", "z_"))
            utc = native[col.name] == UTC_TIMESTAMP
            reading = f"make_timestamp(epoch_us({v}))" if utc else f"CAST({v} AS TIMESTAMP)"
            parts.append(f"{reading} AS {n}")
            parsed.append(f"CAST({'0' if utc else 'NULL'} AS INTEGER) AS {z}")
            parsed.append(f"CASE WHEN year({n}) BETWEEN 1 AND 9999 THEN {n} END AS {p}")
            continue
        text.append(f"nullif({_trimmed(quote(col.name))}, '') AS {v}")
        if col.kind is Kind.TIMESTAMP:
            m, f = quote(INTERNAL + "m_" + col.name), quote(INTERNAL + "f_" + col.name)
            # Plain local times skip the capturing regex; only other spellings are split.
            parts.append(f"regexp_full_match({v}, {sql_str(PLAIN_TIMESTAMP_RE)}) AS {f}")
            parts.append(
                f"CASE WHEN NOT {f} THEN "
                f"regexp_extract({v}, {sql_str(TIMESTAMP_RE)}, ['d', 't', 'z']) END AS {m}"
            )
            stamp = (
                f"CASE WHEN {f} THEN try_cast({v} AS TIMESTAMP) "
                f"ELSE try_cast({m}.d || ' ' || replace({m}.t, ',', '.') AS TIMESTAMP) END"
            )
            parsed.append(f"{stamp} AS {quote(INTERNAL + 'n_' + col.name)}")
            zoff = offset_seconds_sql(f"{m}.z")
            parsed.append(
                f"CASE WHEN {m}.z <> '' THEN {zoff} END AS {quote(INTERNAL + 'z_' + col.name)}"
            )
            # NULL when the text does not parse: a bad date, or an offset out of range.
            parsed.append(
                f"CASE WHEN {f} OR {m}.z = '' OR {zoff} IS NOT NULL THEN {stamp} END AS {p}"
            )
        else:
            parsed.append(f"{typed_sql(col, v)} AS {p}")
    stage = f"SELECT {', '.join(text)} FROM {source}"
    if parts:
        stage = f"SELECT *, {', '.join(parts)} FROM ({stage})"
    if parsed:
        stage = f"SELECT *, {', '.join(parsed)} FROM ({stage})"
    return stage


def _typed_query(
    table: Table,
    tf: TableFile,
    source: str,
    native: dict[str, str],
    stored: set[str] | None = None,
) -> str:
    """The typed rows of ``source``: each contract column typed (its default when empty), the
    file's other columns as text (only the ``stored`` ones, when given), and whether the row is
    kept (no missing or invalid value in any column).

    Only rows with an error keep their source text, in one JSON value from which
    :func:`_record_cell_problems` works out which cells failed and why: per-cell error or
    message columns would cost time and memory on every good row too.
    """

    def kept(name: str) -> bool:
        return stored is None or name in stored

    extras = [
        quote(c) for c in tf.header if c not in {col.name for col in table.columns} and kept(c)
    ]
    present = [c for c in table.columns if c.name in tf.header]
    out: list[str] = [LINE, *extras]
    ok: list[str] = []
    for col in table.columns:
        v, p = quote(INTERNAL + "v_" + col.name), quote(INTERNAL + "p_" + col.name)
        if kept(col.name):
            out += _stored(col, col in present)
        if col not in present:
            continue
        # Every rule gives NULL for an empty cell, so "p_ IS NULL" is "missing or invalid".
        if col.kind not in FREE_TEXT:
            ok.append(f"{p} IS NOT NULL" if col.required else f"({p} IS NOT NULL OR {v} IS NULL)")
        elif col.required:
            ok.append(f"{v} IS NOT NULL")
    keep = " AND ".join(ok) or "true"
    texts = ", ".join(
        f"{sql_str(c.name)}, " + (f"CAST({v} AS VARCHAR)" if c.name in native else v)
        for c in present
        for v in [quote(INTERNAL + "v_" + c.name)]
    )
    texts_sql = f"json_object({texts})" if texts else "NULL"
    cells = _cells(present, source, [LINE, *extras], native)
    return (
        f"SELECT {', '.join(out)}, {keep} AS {KEEP}, "
        f"CASE WHEN NOT ({keep}) THEN {texts_sql} END AS {BAD} FROM ({cells})"
    )


def _stored(col: Column, present: bool) -> list[str]:
    """The typed table's columns for ``col``: its value (the default when empty or absent), or
    for a timestamp its wall-clock reading and written offset."""
    q, p = quote(col.name), quote(INTERNAL + "p_" + col.name)
    if col.kind is Kind.TIMESTAMP:
        n, z = quote(INTERNAL + "n_" + col.name), quote(INTERNAL + "z_" + col.name)
        if present:
            return [f"CASE WHEN {p} IS NOT NULL THEN {n} END AS {n}", z]
        return [f"CAST(NULL AS TIMESTAMP) AS {n}", f"CAST(NULL AS INTEGER) AS {z}"]
    if not present:
        return [f"{default_sql(col)} AS {q}"]
    if col.default is None:
        return [f"{p} AS {q}"]
    # An invalid value is never kept, so only an empty cell takes the default.
    return [f"coalesce({p}, {default_sql(col)}) AS {q}"]


FREE_TEXT = (Kind.ID, Kind.TEXT, Kind.WORD)


def _trimmed(x: str) -> str:
    """``x`` without surrounding white space; values that need no trimming are passed through
    untouched, which is most of them and much faster than trimming every value."""
    return f"CASE WHEN ascii({x}) > 32 AND ord({x}[-1]) > 32 THEN {x} ELSE trim({x}, {BLANKS}) END"


class _Mixed(Exception):
    """The file's line ends are mixed, which DuckDB may read otherwise than its lines say."""


def _read_csv(
    con: duckdb.DuckDBPyConnection, tf: TableFile, typed: str, create: Callable[[str], None]
) -> str:
    """Create the typed table from the CSV file with ``create``; return the SQL for each typed
    row's line.

    DuckDB's strict reader refuses as a whole a file whose line ends mix CR LF and LF (an export
    with rows appended by another tool), or reads a quoted value's row and the next as one row.
    Such a file, found when DuckDB refuses it or when it has row errors, is copied with every
    line end made LF (:func:`csvtext.normalize`, which keeps every line where it is) and the
    copy read instead.
    """
    header = tf.csv
    assert header is not None
    with ExitStack() as stack:

        def lines(path: Path, header: Header, replaced: set[int], mixed_ok: bool) -> str:
            def serially() -> None:
                create(_csv_source(tf, path, parallel=False))

            return _csv_lines(con, tf, path, header, typed, replaced, serially, mixed_ok)

        def from_copy() -> str:
            _drop_rejects(con)
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="onrecord-csv-"))
            path = Path(folder) / tf.path.name
            replaced = set(normalize(tf.path, path, header))
            create(_csv_source(tf, path))
            return lines(path, read_header(path), replaced, mixed_ok=True)

        try:
            create(_csv_source(tf, tf.path))
        except duckdb.InvalidInputException:
            return from_copy()
        try:
            return lines(tf.path, header, set(), mixed_ok=False)
        except _Mixed:
            return from_copy()


def _drop_rejects(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DROP TABLE IF EXISTS _rej; DROP TABLE IF EXISTS _rejscan")


Rejects = list[tuple[int, str, str]]


def _rejects(con: duckdb.DuckDBPyConnection) -> Rejects:
    """DuckDB's row errors, one per row: (the row's number, the error types, the row's text).

    DuckDB numbers the rows of a file as it reads them: the header 1, the next row 2, and so
    on, every blank line counting one. The byte positions it also gives are not used: they can
    point into the blank lines before a row, or (for a row with several errors) at an earlier
    row."""
    rows = con.execute(
        """SELECT line, string_agg(DISTINCT error_type, '; ' ORDER BY error_type),
                  first(csv_line ORDER BY byte_position)
           FROM _rej GROUP BY line ORDER BY line"""
    ).fetchall()
    _drop_rejects(con)
    return rows


def _csv_lines(
    con: duckdb.DuckDBPyConnection,
    tf: TableFile,
    path: Path,
    header: Header,
    typed: str,
    replaced: set[int],
    serially: Callable[[], None],
    mixed_ok: bool,
) -> str:
    """Record malformed rows and return the SQL for each typed row's physical line number.

    A typed row's ``LINE`` is k for the file's k-th accepted record (see :func:`_csv_source`;
    never its position in the table, whose order is not the file's): its line is ``k + 1`` when
    every record is one line and none was rejected, which one pass counting line feeds tells.
    Other files (values spanning lines, blank lines, malformed rows, a single column) are
    scanned for the line where each record starts (:func:`csvtext.records`); DuckDB's row
    errors are placed by their row numbers, and ``LINE`` is replaced by the line.

    DuckDB's parallel reader can make an extra row out of the last fields of a row with several
    quoting errors (DuckDB 2.0.1): its rows then outnumber the file's records, and the file is
    read again on one thread, which does not (but drops a last row whose quote is never closed
    without a word; that row is reported here instead).
    """
    rejects = _rejects(con)
    accepted = _row_count(con, typed)
    if not rejects and len(tf.header) > 1 and line_breaks(path) == accepted + header.lines:
        return f"({LINE} + {header.lines})"
    recs = records(path, header, len(tf.header))
    if recs.mixed and not mixed_ok:
        raise _Mixed
    matched = _match(recs, rejects, accepted, serial=False)
    if matched is None:
        serially()
        rejects = _rejects(con)
        accepted = _row_count(con, typed)
        matched = _match(recs, rejects, accepted, serial=True)
    if matched is None:
        first = recs.line_of(rejects[0][0]) if rejects else None
        where = f" (the first malformed row is on line {first})" if first else ""
        raise ValueError(
            f"DuckDB reads {accepted} rows where OnRecord finds {recs.count} records{where}; "
            "check the quotes in the file"
        )
    lines, open_end = matched
    found = [(line, errors, text) for line, (_, errors, text) in zip(lines, rejects, strict=True)]
    if open_end is not None:
        found.append((open_end, "UNQUOTED VALUE", ""))
    _insert_rejects(con, tf, found, replaced)
    runs = _accepted_runs(recs, {line for line, _, _ in found})
    if len(runs) == 1 and not recs.blank:
        return f"({LINE} + {runs[0][1] - runs[0][0]})"
    if runs:  # k -> line through a narrow table; updated in place, the rows keep their order
        con.register("_runs", pa.table({"k": [k for k, _ in runs], "line": [n for _, n in runs]}))
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _lines AS SELECT t.{LINE} AS k,
            r.line + t.{LINE} - r.k AS line FROM (SELECT {LINE} FROM {typed}) t
            ASOF JOIN _runs r ON t.{LINE} >= r.k"""
        )
        con.unregister("_runs")
        con.execute(f"UPDATE {typed} SET {LINE} = l.line FROM _lines l WHERE {typed}.{LINE} = l.k")
        con.execute("DROP TABLE _lines")
    if recs.blank:  # a one-column file's blank lines, which DuckDB reads as rows: no rows
        con.execute(f"DELETE FROM {typed} WHERE {LINE} IN (SELECT unnest(?))", [recs.blank])
    return LINE


def _row_count(con: duckdb.DuckDBPyConnection, typed: str) -> int:
    ((count,),) = con.execute(f"SELECT count(*) FROM {typed}").fetchall()
    return count


def _match(
    recs: Records, rejects: Rejects, accepted: int, serial: bool
) -> tuple[list[int], int | None] | None:
    """The line of each of DuckDB's row errors, and (after a read on one thread) the line of a
    last row that it dropped; None when DuckDB's rows and the file's records do not add up."""
    lines = [recs.line_of(number) for number, _, _ in rejects]
    found = [n for n in lines if n is not None]
    if len(found) < len(lines):
        return None
    open_end = None
    if serial and recs.open_end is not None and recs.open_end not in found:
        open_end = recs.open_end
    if recs.count - len(found) - (open_end is not None) != accepted:
        return None
    return found, open_end


def _accepted_runs(recs: Records, rejected: set[int]) -> list[tuple[int, int]]:
    """``(k, line)`` pairs: the k-th accepted record starts on ``line``, and the records after
    it, up to the next pair, on the lines that follow."""
    out: list[tuple[int, int]] = []
    bad = sorted(rejected)
    k = 1
    for line, _number, n in recs.runs:
        start, end = line, line + n
        i = bisect.bisect_left(bad, start)
        while start < end:
            stop = bad[i] if i < len(bad) and bad[i] < end else end
            if stop > start:
                if not out or out[-1][1] + (k - out[-1][0]) != start:
                    out.append((k, start))
                k += stop - start
            start = stop + 1
            i += 1
    return out


TOO_LONG = 2_000_000  # bytes: DuckDB's max_line_size, left at its default


def _insert_rejects(
    con: duckdb.DuckDBPyConnection, tf: TableFile, rejects: Rejects, replaced: set[int]
) -> None:
    """One malformed_row problem per (line, DuckDB's error types, the row's text)."""
    rows = []
    for line, errors, csv_line in rejects:
        msg = (
            f"this row cannot be split into the header's {len(tf.header)} columns "
            f"({errors.lower()}); check its quotes and commas"
        )
        if line in replaced:
            msg = (
                "this row holds a carriage return (CR) that does not end a line (lines end with "
                "LF or CR LF); remove it, or quote the value that holds it"
            )
        elif "LINE SIZE" in errors:
            msg = (
                f"this row is longer than {TOO_LONG:,} bytes, which is more than OnRecord reads "
                "in one row: usually a quote that is never closed or a corrupt export; check "
                "the file from this line"
            )
        elif "ENCODING" in errors and "UNQUOTED" not in errors:
            # DuckDB 2.0.1 also says INVALID ENCODING of text after a closing quote that ends in
            # a character beyond ASCII ('"o1" José,'), valid UTF-8: the quote is the problem.
            msg = "this row is not valid UTF-8 text; re-export the file as UTF-8"
        elif "UNQUOTED" in errors:
            msg = (
                "a quoted value here is never closed, or has text after its closing quote; "
                "check this row's quotes"
            )
        row = (Severity.ROW.value, Code.MALFORMED_ROW.value, tf.table, tf.name, line, None, msg)
        rows.append((*row, (csv_line or "")[:200]))
    if rows:
        con.executemany("INSERT INTO _problems VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _years(con: duckdb.DuckDBPyConnection, typed: str, stamps: list[str]) -> list[int]:
    """The calendar years of local times, to bound the timezone transitions needed: the span
    from the first to the last, or the distinct years when a typo makes the span implausible."""
    if not stamps:
        return []
    local = [(quote(INTERNAL + "n_" + c), quote(INTERNAL + "z_" + c)) for c in stamps]
    spans = ", ".join(f"min(year({n})), max(year({n}))" for n, _ in local)
    bounds = [b for b in (con.execute(f"SELECT {spans} FROM {typed}").fetchone() or ()) if b]
    if not bounds:
        return []
    lo, hi = min(bounds), max(bounds)
    if hi - lo <= 60:
        return list(range(lo, hi + 1))
    union = " UNION ".join(f"SELECT DISTINCT year({n}) AS y FROM {typed}" for n, _ in local)
    return [r[0] for r in con.execute(f"SELECT y FROM ({union}) WHERE y IS NOT NULL").fetchall()]


def _insert_problems(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    tf: TableFile,
    column: str | None,
    source: str,
    line: str,
    code: str,
    message: str,
    value: str,
) -> int:
    """Insert one problem per row of ``source`` whose ``code`` expression is not NULL; return
    how many."""
    col = sql_str(column) if column else "NULL"
    sev = " ".join(f"WHEN '{c.value}' THEN '{SEVERITY[c].value}'" for c in Code)
    inserted = con.execute(
        f"""INSERT INTO _problems SELECT CASE code {sev} END, code, {sql_str(table.name)},
            {sql_str(tf.name)}, line, {col}, message, value
        FROM (SELECT {code} AS code, {line} AS line, {message} AS message, {value} AS value
              FROM {source}) WHERE code IS NOT NULL"""
    ).fetchone()
    return inserted[0] if inserted else 0


def _record_cell_problems(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    tf: TableFile,
    typed: str,
    line: str,
    anomalies: list[tuple[datetime, datetime, str]],
) -> None:
    """Missing and invalid values (row errors) and ambiguous or skipped local times (findings).

    Which cells of a row failed is worked out again from the source text that the row keeps
    (by the same rules as the typed query), so that only the rows with an error are read here.
    """
    present = [c for c in table.columns if c.name in tf.header]
    checked = [c for c in present if c.required or c.kind not in FREE_TEXT]
    if checked:
        texts = ", ".join(
            f"json_extract_string({BAD}, {sql_str('$.' + json_key(c.name))}) AS {quote(c.name)}"
            for c in present
        )
        source = f"(SELECT {line} AS {LINE}, {texts} FROM {typed} WHERE {BAD} IS NOT NULL)"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _bad_cells AS {_cells(present, source, [LINE], {})}"
        )
    for col in checked:
        v, p = quote(INTERNAL + "v_" + col.name), quote(INTERNAL + "p_" + col.name)
        missing = f"{v} IS NULL" if col.required else "false"
        invalid = f"{v} IS NOT NULL AND {p} IS NULL" if col.kind not in FREE_TEXT else "false"
        missing_msg = sql_str(f"{col.name} is required but empty; fill it in or remove the row")
        invalid_msg = (
            f"{v} || {sql_str(f' is not {expected(col)}; correct it or remove the row')}"
            if col.kind not in FREE_TEXT
            else "NULL"
        )
        _insert_problems(
            con, table, tf, col.name, "_bad_cells", LINE,
            f"CASE WHEN {missing} THEN 'missing_value' WHEN {invalid} THEN 'invalid_value' END",
            f"CASE WHEN {missing} THEN {missing_msg} ELSE {invalid_msg} END",
            f"CASE WHEN {invalid} THEN {v} END",
        )  # fmt: skip
    if checked:
        con.execute("DROP TABLE _bad_cells")
    for col in present:
        if col.kind is Kind.TIMESTAMP and anomalies:
            n, z = quote(INTERNAL + "n_" + col.name), quote(INTERNAL + "z_" + col.name)
            text = f"strftime({n}, '%Y-%m-%dT%H:%M:%S')"
            local = f"{z} IS NULL"
            codes = {"ambiguous": "'ambiguous_local_time'", "skipped": "'skipped_local_time'"}
            notes = {
                k: f"{text} || {sql_str(v)}"
                for k, v in (("ambiguous", AMBIGUOUS), ("skipped", SKIPPED))
            }
            _insert_problems(
                con, table, tf, col.name, typed, line,
                anomaly_sql(n, anomalies, codes, local), anomaly_sql(n, anomalies, notes, local),
                text,
            )  # fmt: skip


def _exclude_bad_intervals(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    tf: TableFile,
    typed: str,
    line: str,
    utc: dict[str, str],
) -> None:
    """``end`` before ``start`` (and, for shifts, ``end == start``) on otherwise valid rows.

    The rows found are listed first, and excluded by line only when there are any: rewriting
    the table is a second pass that a clean file does not need."""
    if not table.interval:
        return
    sn, en = table.interval
    s, e = utc[sn], utc[en]
    vs, ve = (f"strftime({quote(INTERNAL + 'n_' + c)}, '%Y-%m-%dT%H:%M:%S')" for c in (sn, en))
    code = f"CASE WHEN {e} < {s} THEN 'end_before_start'"
    msg = f"CASE WHEN {e} < {s} THEN '{en} ' || {ve} || ' is before {sn} ' || {vs} || '; correct the times or remove the row'"  # noqa: E501
    if not table.zero_length_ok:
        code += f" WHEN {e} = {s} THEN 'zero_length_shift'"
        msg += f" WHEN {e} = {s} THEN 'the shift ends when it starts (' || {vs} || '); correct the end or remove the row'"  # noqa: E501
    source = f"(SELECT *, {line} AS __onrecord_l FROM {typed} WHERE {KEEP})"
    found = _insert_problems(
        con, table, tf, en, source, "__onrecord_l", code + " END", msg + " END", "NULL"
    )
    if found:
        con.execute(
            f"""UPDATE {typed} SET {KEEP} = false WHERE {KEEP} AND {line} IN (
                SELECT line FROM _problems WHERE "table" = ?
                AND code IN ('end_before_start', 'zero_length_shift'))""",
            [table.name],
        )


def _exclude_duplicates(
    con: duckdb.DuckDBPyConnection, table: Table, tf: TableFile, typed: str, line: str
) -> None:
    """Among otherwise valid rows, later uses of a key are row errors; the first is kept.

    Most files list their keys in increasing order, which proves them distinct in one cheap
    streaming pass (keys are required, so a kept row's key is never NULL); only otherwise are
    the keys grouped to find the repeated ones."""
    if not table.key:
        return
    k = quote(table.key)
    increasing = con.execute(
        f"SELECT bool_and({k} > prev) FROM "
        f"(SELECT {k}, lag({k}) OVER () AS prev FROM {typed} WHERE {KEEP})"
    ).fetchone()
    if increasing is None or increasing[0] is not False:
        return
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _dup_rows AS
        SELECT line, key, first_line FROM (
            SELECT {line} AS line, {k} AS key, min({line}) OVER (PARTITION BY {k}) AS first_line
            FROM {typed} SEMI JOIN (SELECT {k} FROM {typed} WHERE {KEEP}
                                    GROUP BY {k} HAVING count(*) > 1) USING ({k})
            WHERE {KEEP})
        WHERE line > first_line"""
    )
    _insert_problems(
        con, table, tf, table.key, "_dup_rows", "line", "'duplicate_key'",
        f"format('{table.key} {{}} was already used on line {{}}; the first row is kept. "
        "Give this row its own id or remove it', key, first_line)",
        "key",
    )  # fmt: skip
    con.execute(f"UPDATE {typed} SET {KEEP} = false WHERE {line} IN (SELECT line FROM _dup_rows)")
    con.execute("DROP TABLE _dup_rows")


def _count(con: duckdb.DuckDBPyConnection, table: Table, tf: TableFile, typed: str) -> TableLoad:
    load = TableLoad(table.name, tf.name, tf.fmt)
    counts = con.execute(f"SELECT count(*), count(*) FILTER (WHERE {KEEP}) FROM {typed}").fetchone()
    assert counts is not None
    by_code = con.execute(
        """SELECT code, count(DISTINCT line) FROM _problems
        WHERE "table" = ? AND severity = 'row' GROUP BY code ORDER BY code""",
        [table.name],
    ).fetchall()
    load.excluded = dict(by_code)
    load.rows_kept = counts[1]
    load.rows_read = counts[0] + load.excluded.get(Code.MALFORMED_ROW.value, 0)
    return load
