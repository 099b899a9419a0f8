"""Rates with explicit numerators and denominators, overall and broken down.

Every rate is reported as ``{"numerator", "denominator", "rate"}``; a zero denominator gives
``rate: null``, never 0 or 100%, so that "no such shifts" is not mistaken for a result.
"""

from __future__ import annotations

from typing import Any, get_args

import duckdb

from onrecord.audit.models import Equipment, Flag, Outcome

OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
FLAGS: tuple[Flag, ...] = get_args(Flag)
EQUIPMENT: tuple[Equipment, ...] = get_args(Equipment)

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


# metrics summed in µs and reported in hours
HOURS_FROM_US = (
    "hours_possessed", "hours_recorded", "required_hours_possessed", "required_hours_recorded",
)  # fmt: skip


def _shift_metrics(whole_shift: bool) -> dict[str, str]:
    """Each shift metric's aggregate over rows: all counts and sums, so they add up over parts
    (those in ``HOURS_FROM_US`` are µs until ``_finish``)."""
    metrics = {
        "shifts": "count(*)",
        "hours": "sum(hours)",
        "required_shifts": "count(*) FILTER (WHERE required)",
        "required_hours": "sum(hours) FILTER (WHERE required)",
        **{f"equipment_{e}": f"count(*) FILTER (WHERE equipment = '{e}')" for e in EQUIPMENT},
        "hours_possessed": "sum(possessed_us)",
        "hours_recorded": "sum(recorded_us)",
        "required_hours_possessed": "sum(possessed_us) FILTER (WHERE required)",
    }
    if whole_shift:
        metrics["recorded_shifts"] = "count(*) FILTER (WHERE recording = 'recorded')"
        metrics["required_hours_recorded"] = "sum(recorded_us) FILTER (WHERE required)"
    return metrics


def _encounter_metrics() -> dict[str, str]:
    """Each encounter metric's aggregate over rows: all counts."""
    return {
        "encounters": "count(*)",
        "required_encounters": "count(*) FILTER (WHERE required)",
        **{f"outcome_{o}": f"count(*) FILTER (WHERE outcome = '{o}')" for o in OUTCOMES},
        **{f"flag_{f}": f"count(*) FILTER (WHERE required AND {f})" for f in FLAGS},
    }


def _finish(name: str, total: str) -> str:
    """SQL for metric ``name`` from ``total``, its sum: µs become hours."""
    if name in HOURS_FROM_US:
        return f"{total} / 3.6e9 AS {name}"
    return f"{total} AS {name}"


# Dimensions with too many values to pre-aggregate by together with the others: officers × the
# rest is nearly as many groups as rows.
MANY_VALUED = {"officer"}


def _grouped(
    con: duckdb.DuckDBPyConnection, table: str, metrics: dict[str, str], dims: dict[str, str]
) -> dict[str | None, list[dict[str, Any]]]:
    """The metrics of ``table`` overall (key ``None``) and by each dimension.

    Every aggregate over the table's millions of rows costs per grouping, so the few-valued
    dimensions are aggregated once, together (thousands of groups), and overall and each of
    them is rolled up from those parts with GROUPING SETS; a many-valued one (officer) is one
    plain GROUP BY on the table. Counts and integer sums add up exactly; sums of doubles are
    added in another order, which DuckDB's parallel aggregation leaves unspecified anyway."""
    few = {d: c for d, c in dims.items() if d not in MANY_VALUED}
    keys = list(few.values())
    sets = ", ".join(["()", *(f"({c})" for c in keys)])
    parts = ", ".join(f"{agg} AS {name}" for name, agg in metrics.items())
    rolled = ", ".join(_finish(name, f"sum({name})") for name in metrics)
    cur = con.execute(
        f"""SELECT GROUPING({", ".join(keys)}) AS _level, {", ".join(keys)}, {rolled}
            FROM (SELECT {", ".join(keys)}, {parts} FROM {table} GROUP BY ALL)
            GROUP BY GROUPING SETS ({sets})"""
    )
    names = [d[0] for d in cur.description]
    # GROUPING(c1, …, cn) has bit n-1-i clear for the one column ci grouped on.
    by_level = {(1 << len(keys)) - 1: None} | {
        ((1 << len(keys)) - 1) ^ (1 << (len(keys) - 1 - i)): dim for i, dim in enumerate(few)
    }
    out: dict[str | None, list[dict[str, Any]]] = {}
    for values in cur.fetchall():
        row = dict(zip(names, values, strict=True))
        dim = by_level[row.pop("_level")]
        key = row[few[dim]] if dim else None
        for c in keys:
            del row[c]
        out.setdefault(dim, []).append({"key": key, **row} if dim else row)
    finished = ", ".join(_finish(name, agg) for name, agg in metrics.items())
    for dim, col in dims.items():
        if dim in MANY_VALUED:
            cur = con.execute(f"SELECT {col} AS key, {finished} FROM {table} GROUP BY {col}")
            names = [d[0] for d in cur.description]
            out[dim] = [dict(zip(names, values, strict=True)) for values in cur.fetchall()]
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
