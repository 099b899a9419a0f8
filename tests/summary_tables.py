"""Audit summaries built from small tables of counts, for the tests of suppression.

A department here is a table of encounter outcomes by station and encounter type (and of
equipment results by station and kind of shift); the rows, breakdowns and overall row are the
sums the audit would publish, so the identities the suppression method relies on hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from onrecord.audit.models import AuditSummary
from onrecord.policy.load import load_policy

OUTCOMES = ("not_required", "no_video", "late_start", "early_stop", "gap", "excused", "compliant")
EQUIPMENT = ("equipped", "unequipped", "untrained", "not_required")

Outcomes = Mapping[str, int]
"""Counts by outcome (missing ones are 0)."""


def encounter_measures(outcomes: Outcomes) -> dict[str, Any]:
    """The encounter measures of one row from its outcome counts (flags equal their outcomes)."""
    o = {k: int(outcomes.get(k, 0)) for k in OUTCOMES}
    required = sum(o.values()) - o["not_required"]
    compliant = o["compliant"] + o["excused"]
    return {
        "encounters": sum(o.values()),
        "required_encounters": required,
        **{f"outcome_{k}": v for k, v in o.items()},
        "flag_late_start": o["late_start"],
        "flag_early_stop": o["early_stop"],
        "flag_unexcused_gap": o["gap"],
        "flag_excused": o["excused"],
        "compliance_rate": {
            "numerator": compliant,
            "denominator": required,
            "rate": compliant / required if required else None,
        },
    }


def shift_measures(equipment: Mapping[str, int]) -> dict[str, Any]:
    """The shift measures of one row from its equipment results."""
    e = {k: int(equipment.get(k, 0)) for k in EQUIPMENT}
    required = sum(e.values()) - e["not_required"]
    return {
        "shifts": sum(e.values()),
        "required_shifts": required,
        **{f"equipment_{k}": v for k, v in e.items()},
        "equipment_rate": {
            "numerator": e["equipped"],
            "denominator": required,
            "rate": e["equipped"] / required if required else None,
        },
    }


def _add(total: dict[str, int], part: Mapping[str, int]) -> None:
    for k, v in part.items():
        total[k] = total.get(k, 0) + v


def summary(
    encounters: Mapping[tuple[str, str], Outcomes],
    shifts: Mapping[tuple[str, str], Mapping[str, int]] | None = None,
    policy: str = "mandate-all",
) -> AuditSummary:
    """The summary of a department whose encounter outcomes by (station, encounter type) and
    equipment results by (station, kind of shift) are given."""
    by_station: dict[str, dict[str, int]] = {}
    by_type: dict[str, dict[str, int]] = {}
    overall: dict[str, int] = {}
    for (station, kind), outcomes in encounters.items():
        _add(by_station.setdefault(station, {}), outcomes)
        _add(by_type.setdefault(kind, {}), outcomes)
        _add(overall, outcomes)
    shift_station: dict[str, dict[str, int]] = {}
    shift_kind: dict[str, dict[str, int]] = {}
    shift_overall: dict[str, int] = {}
    for (station, kind), results in (shifts or {}).items():
        _add(shift_station.setdefault(station, {}), results)
        _add(shift_kind.setdefault(kind, {}), results)
        _add(shift_overall, results)

    def station_row(s: str) -> dict[str, Any]:
        row = {"key": s, **encounter_measures(by_station.get(s, {}))}
        if shifts is not None:
            row.update(shift_measures(shift_station.get(s, {})))
        return row

    stations = sorted(set(by_station) | set(shift_station))
    overall_row = encounter_measures(overall)
    if shifts is not None:
        overall_row.update(shift_measures(shift_overall))
    doc = {
        "format": "onrecord.audit-summary/1",
        "onrecord_version": "test",
        "methodology": "test",
        "package": {"name": "Test", "timezone": "UTC", "period": {"from": None, "to": None}},
        "policy": load_policy(policy).document(),
        "data_quality": {"tables": [], "row_errors": 0, "findings": 0, "groups": []},
        "rates": {
            "overall": overall_row,
            "by": {
                "shift_kind": [
                    {"key": k, **shift_measures(v)} for k, v in sorted(shift_kind.items())
                ],
                "station": [station_row(s) for s in stations],
                "unit": [],
                "encounter_type": [
                    {"key": k, **encounter_measures(v)} for k, v in sorted(by_type.items())
                ],
                "month": [],
            },
        },
    }
    return AuditSummary.model_validate(doc)
