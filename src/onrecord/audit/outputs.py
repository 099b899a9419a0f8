"""Write the audit's row-level outputs (``shifts.csv``, ``encounters.csv``) and ``summary.json``.

Timestamps are written in ISO 8601 with the department's UTC offset at that instant, booleans as
``true``/``false``, ratios unrounded, as the methodology's Outputs section asks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import duckdb

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


def local_iso_sql(ts: str, tz: str) -> str:
    """``ts`` (TIMESTAMPTZ) as local ISO 8601 text with its offset: 2019-08-31T07:30:00-04:00."""
    local = f"timezone({sql_str(tz)}, {ts})"
    off = f"((epoch_us({local}) - epoch_us({ts})) // 60000000)"
    frac = f"CASE WHEN microsecond({ts}) % 1000000 <> 0 THEN strftime({local}, '.%f') ELSE '' END"
    return (
        f"strftime({local}, '%Y-%m-%dT%H:%M:%S') || {frac} || "
        f"CASE WHEN {off} < 0 THEN '-' ELSE '+' END || "
        f"lpad(CAST(abs({off}) // 60 AS VARCHAR), 2, '0') || ':' || "
        f"lpad(CAST(abs({off}) % 60 AS VARCHAR), 2, '0')"
    )


def _select(table: str, columns: tuple[str, ...], tz: str, fmt: Format) -> str:
    cols = []
    for c in columns:
        q = f'"{c}"'
        if c in ("start", "end") and fmt == "csv":
            cols.append(f"{local_iso_sql(q, tz)} AS {q}")
        else:
            cols.append(q)
    return f"SELECT {', '.join(cols)} FROM {table} ORDER BY _line"


def write_rows(
    con: duckdb.DuckDBPyConnection, out: Path, tz: str, fmt: Format, whole_shift: bool
) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    shift_cols = SHIFT_COLUMNS + (("recording",) if whole_shift else ())
    written = {}
    for name, table, cols in (
        ("shifts", "audit_shifts", shift_cols),
        ("encounters", "audit_encounters", ENCOUNTER_COLUMNS),
    ):
        path = out / f"{name}.{fmt}"
        options = "(FORMAT csv, HEADER)" if fmt == "csv" else "(FORMAT parquet)"
        con.execute(f"COPY ({_select(table, cols, tz, fmt)}) TO {sql_str(str(path))} {options}")
        written[name] = path
    return written


def write_summary(summary: dict[str, Any], out: Path) -> Path:
    path = out / "summary.json"
    path.write_text(json.dumps(summary, indent=2, default=str) + "\n")
    return path
