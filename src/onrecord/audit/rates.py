"""Rates with explicit numerators and denominators, overall and broken down.

Every rate is reported as ``{"numerator", "denominator", "rate"}``; a zero denominator gives
``rate: null``, never 0 or 100%, so that "no such shifts" is not mistaken for a result.
"""

from __future__ import annotations

from typing import Any

import duckdb

OUTCOMES = ("not_required", "no_video", "late_start", "early_stop", "gap", "excused", "compliant")
FLAGS = ("late_start", "early_stop", "unexcused_gap", "excused")
EQUIPMENT = ("equipped", "unequipped", "untrained", "not_required")

# dimension -> (shift column, encounter column); None where the dimension does not apply
DIMENSIONS: dict[str, tuple[str | None, str | None]] = {
    "shift_kind": ("kind", "shift_kind"),
    "station": ("station_id", "station_id"),
    "unit": ("unit", "unit"),
    "officer": ("officer_id", "officer_id"),
    "encounter_type": (None, "type"),
    "month": ("month", "month"),
}


def rate(numerator: float, denominator: float) -> dict[str, float | None]:
    return {
        "numerator": numerator,
        "denominator": denominator,
        "rate": numerator / denominator if denominator else None,
    }


SHIFT_SQL = """
    count(*) AS shifts, sum(hours) AS hours,
    count(*) FILTER (WHERE required) AS required_shifts,
    sum(hours) FILTER (WHERE required) AS required_hours,
    {equipment},
    sum(possessed_us) / 3.6e9 AS hours_possessed,
    sum(recorded_us) / 3.6e9 AS hours_recorded,
    sum(possessed_us) FILTER (WHERE required) / 3.6e9 AS required_hours_possessed
    {recording}"""

ENCOUNTER_SQL = """
    count(*) AS encounters, count(*) FILTER (WHERE required) AS required_encounters,
    {outcomes}, {flags}"""


def _shift_metrics(whole_shift: bool) -> str:
    equipment = ", ".join(
        f"count(*) FILTER (WHERE equipment = '{e}') AS equipment_{e}" for e in EQUIPMENT
    )
    recording = ""
    if whole_shift:
        recording = (
            ", count(*) FILTER (WHERE recording = 'recorded') AS recorded_shifts, "
            "sum(recorded_us) FILTER (WHERE required) / 3.6e9 AS required_hours_recorded"
        )
    return SHIFT_SQL.format(equipment=equipment, recording=recording)


def _encounter_metrics() -> str:
    outcomes = ", ".join(
        f"count(*) FILTER (WHERE outcome = '{o}') AS outcome_{o}" for o in OUTCOMES
    )
    flags = ", ".join(f"count(*) FILTER (WHERE required AND {f}) AS flag_{f}" for f in FLAGS)
    return ENCOUNTER_SQL.format(outcomes=outcomes, flags=flags)


def _grouped(
    con: duckdb.DuckDBPyConnection, table: str, metrics: str, dims: dict[str, str]
) -> dict[str | None, list[dict[str, Any]]]:
    """The metrics of ``table`` overall (key ``None``) and by each dimension, in one pass
    (GROUPING SETS) rather than one scan per breakdown."""
    cols = list(dims.values())
    sets = ", ".join(["()", *(f"({c})" for c in cols)])
    level = f"GROUPING({', '.join(cols)})"
    cur = con.execute(
        f"SELECT {level} AS _level, {', '.join(cols)}, {metrics} "
        f"FROM {table} GROUP BY GROUPING SETS ({sets})"
    )
    names = [d[0] for d in cur.description]
    # GROUPING(c1, …, cn) has bit n-1-i clear for the one column ci grouped on.
    by_level = {(1 << len(cols)) - 1: None} | {
        ((1 << len(cols)) - 1) ^ (1 << (len(cols) - 1 - i)): dim for i, dim in enumerate(dims)
    }
    out: dict[str | None, list[dict[str, Any]]] = {}
    for values in cur.fetchall():
        row = dict(zip(names, values, strict=True))
        dim = by_level[row.pop("_level")]
        key = row[dims[dim]] if dim else None
        for c in cols:
            del row[c]
        out.setdefault(dim, []).append({"key": key, **row} if dim else row)
    return out


def _derive(row: dict[str, Any], whole_shift: bool) -> dict[str, Any]:
    """Add the rates to a row of counts (either half may be absent)."""
    out = dict(row)
    if "shifts" in row:
        out["equipment_rate"] = rate(row["equipment_equipped"] or 0, row["required_shifts"] or 0)
        out["hours_on_camera_rate"] = rate(row["hours_possessed"] or 0.0, row["hours"] or 0.0)
        out["hours_recorded_rate"] = rate(row["hours_recorded"] or 0.0, row["hours"] or 0.0)
        if whole_shift:
            out["whole_shift_rate"] = rate(row["recorded_shifts"] or 0, row["required_shifts"] or 0)
    if "encounters" in row:
        out["compliance_rate"] = rate(
            (row["outcome_compliant"] or 0) + (row["outcome_excused"] or 0),
            row["required_encounters"] or 0,
        )
    return out


def compute(con: duckdb.DuckDBPyConnection, whole_shift: bool) -> dict[str, Any]:
    """Overall rates and the breakdowns by each dimension."""
    shifts = _grouped(
        con,
        "audit_shifts",
        _shift_metrics(whole_shift),
        {d: c for d, (c, _) in DIMENSIONS.items() if c},
    )
    encounters = _grouped(
        con,
        "audit_encounters",
        _encounter_metrics(),
        {d: c for d, (_, c) in DIMENSIONS.items() if c},
    )
    overall = {**shifts[None][0], **encounters[None][0]}
    overall = {k: (0 if v is None else v) for k, v in overall.items()}
    breakdowns: dict[str, list[dict[str, Any]]] = {}
    for dim in DIMENSIONS:
        merged: dict[Any, dict[str, Any]] = {}
        for r in [*shifts.get(dim, []), *encounters.get(dim, [])]:
            merged.setdefault(r["key"], {"key": r["key"]}).update(r)
        breakdowns[dim] = [
            _derive(merged[k], whole_shift)
            for k in sorted(merged, key=lambda k: (k is None, str(k)))
        ]
    return {"overall": _derive(overall, whole_shift), "by": breakdowns}
