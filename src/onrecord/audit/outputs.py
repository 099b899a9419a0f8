"""Write the audit's row-level outputs (``shifts.csv``, ``encounters.csv``) and ``summary.json``.

Timestamps are written in ISO 8601 with the department's UTC offset at that instant, booleans as
``true``/``false``, ratios unrounded, as the methodology's Outputs section asks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import duckdb

from onrecord.package.timezones import local_iso_sql
from onrecord.package.values import sql_str

Format = Literal["csv", "parquet"]

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
    con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...], tz: str, fmt: Format
) -> str:
    """The output columns in source (``_line``) order. In CSV, start and end are local ISO text
    with the offset of that instant (``local_iso_sql``: a short CASE on the instant rather than a
    time-zone conversion per value); Parquet keeps them as instants.

    A table already in ``_line`` order is written as it is scanned (DuckDB keeps a single scan's
    order). Otherwise the sort runs on the stored columns and the text is formatted after it,
    on the sorted stream, so the sort carries 8-byte instants rather than formatted strings."""
    ordered, lo, hi = _scan(con, table)
    cols = [f'"{c}"' for c in columns]
    if fmt == "csv":
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
    fmt: Format,
    whole_shift: bool,
    tables: tuple[str, ...] = ("shifts", "encounters"),
) -> dict[str, Path]:
    """Write ``shifts`` and ``encounters`` (or those of ``tables``) into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    columns = {
        "shifts": SHIFT_COLUMNS + (("recording",) if whole_shift else ()),
        "encounters": ENCOUNTER_COLUMNS,
    }
    written = {}
    for name in tables:
        path = out / f"{name}.{fmt}"
        options = "(FORMAT csv, HEADER)" if fmt == "csv" else "(FORMAT parquet)"
        select = _select(con, f"audit_{name}", columns[name], tz, fmt)
        con.execute(f"COPY ({select}) TO {sql_str(str(path))} {options}")
        written[name] = path
    return written


# Lists longer than this are written one item per line (the per-officer rates: 27,000 items at
# 24,000 officers), which reads as well and writes four times faster than indenting every key.
LONG_LIST = 100


def write_summary(summary: dict[str, Any], out: Path) -> Path:
    path = out / "summary.json"
    path.write_text(_json(summary) + "\n", encoding="utf-8")
    return path


def _json(x: Any, depth: int = 0) -> str:
    """``x`` as JSON indented by two spaces a level, but the items of long lists compact."""
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(x, dict) and x:
        items = (f"{inner}{json.dumps(str(k))}: {_json(v, depth + 1)}" for k, v in x.items())
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(x, list) and len(x) > LONG_LIST:
        items = (inner + json.dumps(v, default=str) for v in x)
        return "[\n" + ",\n".join(items) + f"\n{pad}]"
    if isinstance(x, list) and x:
        return "[\n" + ",\n".join(inner + _json(v, depth + 1) for v in x) + f"\n{pad}]"
    return json.dumps(x, default=str)
