"""Write the audit's row-level outputs (``shifts.csv``, ``encounters.csv``).

Timestamps are written in ISO 8601 with the department's UTC offset at that instant, booleans as
``true``/``false``, ratios unrounded, as the methodology's Outputs section asks.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from onrecord.package.formats import TableFormat
from onrecord.package.timezones import local_iso_sql
from onrecord.package.values import sql_str

SHIFT_COLUMNS = (
    "shift_id", "officer_id", "kind", "station_id", "start", "end", "hours", "required",
    "possession_ratio", "recorded_ratio", "equipment",
)  # fmt: skip
ENCOUNTER_COLUMNS = (
    "encounter_id", "officer_id", "type", "start", "end", "shift_id", "shift_kind", "required",
    "outcome", "coverage_ratio", "late_start", "early_stop", "unexcused_gap", "excused",
)  # fmt: skip


TIMES = {"start": "a", "end": "b"}  # output column -> its instant in µs on the audit tables


def _scan(con: duckdb.DuckDBPyConnection, table: str) -> tuple[bool, int, int]:
    """Whether ``table`` already holds its rows in ``_line`` order, and the first and last
    calendar year of its instants, from one streaming pass in the table's own order (``lag``
    over an empty window keeps it): a few milliseconds where sorting millions of wide rows
    takes seconds."""
    row = con.execute(
        f"""SELECT count(*) FILTER (WHERE _line IS NULL OR _line <= prev),
                   year(min(start)), year(max("end"))
            FROM (SELECT _line, start, "end", lag(_line) OVER () AS prev FROM {table})"""
    ).fetchall()[0]
    return row[0] == 0, row[1] or 1970, row[2] or 1970


def _select(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: tuple[str, ...],
    tz: str,
    fmt: TableFormat,
) -> str:
    """The output columns in source (``_line``) order. In CSV, start and end are local ISO text
    with the offset of that instant (``local_iso_sql``: a short CASE on the instant rather than a
    time-zone conversion per value); Parquet keeps them as instants.

    A table already in ``_line`` order is written as it is scanned (DuckDB keeps a single scan's
    order). Otherwise the sort runs on the stored columns and the text is formatted after it,
    on the sorted stream, so the sort carries 8-byte instants rather than formatted strings."""
    ordered, lo, hi = _scan(con, table)
    cols = [f'"{c}"' for c in columns]
    if fmt == TableFormat.CSV:
        cols = [
            f'{local_iso_sql(TIMES[c], tz, lo - 1, hi + 1)} AS "{c}"' if c in TIMES else q
            for c, q in zip(columns, cols, strict=True)
        ]
    source = table if ordered else f"(SELECT * FROM {table} ORDER BY _line)"
    return f"SELECT {', '.join(cols)} FROM {source}"


def write_rows(
    con: duckdb.DuckDBPyConnection,
    out: Path,
    tz: str,
    fmt: TableFormat,
    whole_shift: bool,
    tables: tuple[str, ...] = ("shifts", "encounters"),
) -> dict[str, Path]:
    """Write ``shifts`` and ``encounters`` (or those of ``tables``) into ``out``."""
    fmt = TableFormat(fmt)
    out.mkdir(parents=True, exist_ok=True)
    columns = {
        "shifts": SHIFT_COLUMNS + (("recording",) if whole_shift else ()),
        "encounters": ENCOUNTER_COLUMNS,
    }
    written = {}
    for name in tables:
        path = out / f"{name}{fmt.suffix}"
        options = "(FORMAT csv, HEADER)" if fmt is TableFormat.CSV else "(FORMAT parquet)"
        select = _select(con, f"audit_{name}", columns[name], tz, fmt)
        con.execute(f"COPY ({select}) TO {sql_str(str(path))} {options}")
        written[name] = path
    return written
