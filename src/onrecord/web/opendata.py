"""Open data: the public edition's breakdowns as CSV files, with a data dictionary.

Each file is one breakdown of ``rates.by`` (or the overall row) from the public summary, so its
numbers are summary.json's with small cells withheld; every column is described below, and the
dictionary page is generated from the same table so the two cannot drift.

The ``key`` column holds the department's own names (stations, units, encounter types...). A
text cell a spreadsheet would read as a formula (one starting with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return; OWASP's "CSV injection") is written after a single quote. Numbers are
written as numbers: -1.5 is a number to a spreadsheet, never a formula, so number cells are
left as they are, whatever their sign.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from onrecord.audit.models import AuditSummary, Dimension
from onrecord.audit.rates import EQUIPMENT, FLAGS, OUTCOMES

DATASETS: dict[str, tuple[str, Dimension | None]] = {
    "overall": ("The whole period, all shifts and encounters", None),
    "by-shift-kind": ("By kind of shift (regular, overtime, paid detail...)", "shift_kind"),
    "by-station": ("By station (a shift's own, else its officer's)", "station"),
    "by-unit": ("By unit", "unit"),
    "by-month": ("By month of the start, in the department's timezone", "month"),
    "by-encounter-type": ("By encounter type (encounter columns only)", "encounter_type"),
}

_RATES = {
    "equipment_rate": "equipment_equipped / required_shifts",
    "hours_on_camera_rate": "hours_possessed / hours",
    "hours_recorded_rate": "hours_recorded / hours",
    "compliance_rate": "(outcome_compliant + outcome_excused) / required_encounters",
    "whole_shift_rate": "recorded_shifts / required_shifts (always-on policies only)",
}

COLUMNS: dict[str, str] = {
    "key": "The breakdown's value (a shift kind, station id, month...); empty in overall.csv",
    "shifts": "Shifts worked",
    "hours": "Hours of those shifts",
    "required_shifts": "Shifts on which the policy requires a camera",
    "required_hours": "Hours of the required shifts",
    **{
        f"equipment_{e}": f"Shifts whose equipment result is '{e}' (see the methodology)"
        for e in EQUIPMENT
    },
    "hours_possessed": "Shift hours during which the officer held a camera",
    "hours_recorded": "Shift hours recorded on camera",
    "required_hours_possessed": "Hours of required shifts during which a camera was held",
    "recorded_shifts": "Required shifts recorded end to end (always-on policies only)",
    "required_hours_recorded": "Hours of required shifts recorded (always-on policies only)",
    "encounters": "Encounters (calls, stops, arrests...)",
    "required_encounters": "Encounters the policy requires recorded",
    **{f"outcome_{o}": f"Encounters whose outcome is '{o}'" for o in OUTCOMES},
    **{f"flag_{f}": f"Required encounters flagged '{f}' (one may have several)" for f in FLAGS},
    **{name: f"Rate, 0 to 1: {how}" for name, how in _RATES.items()},
}

EMPTY_CELL = (
    "An empty cell is either a count withheld to protect privacy (a count from 1 to 4, or one "
    "withheld with it so that it cannot be worked out by subtraction; with any rate built on "
    "it), or a rate with nothing to measure (a zero denominator); neither means 0."
)

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

TEXT_CELL = (
    "A text cell that begins with =, +, -, @, a tab or a carriage return (a name in the "
    "department's records) is written after a single quote ('), so that a spreadsheet shows it "
    "as text and never runs it as a formula; numbers, negative ones included, are written as "
    "numbers."
)


def cell(value: Any) -> Any:
    """A value as the CSV writes it: empty for None, text that a spreadsheet would run as a
    formula after a single quote, anything else (numbers) as it is."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _flat(row: dict[str, Any], columns: list[str]) -> list[Any]:
    out = []
    for c in columns:
        v = row.get(c)
        if isinstance(v, dict):
            v = v.get("rate")
        out.append(cell(v))
    return out


def rows(public: AuditSummary, name: str) -> list[dict[str, Any]]:
    """The rows of one dataset, as summary.json holds them: a row's measures by name (raises
    KeyError for an unknown name)."""
    _, dim = DATASETS[name]
    if dim is None:
        return [{"key": "", **public.rates.overall.document()}]
    by = public.rates.by
    if dim not in by.model_fields_set:
        return []
    return [r.document() for r in getattr(by, dim)]


def columns(public: AuditSummary) -> list[str]:
    """The dictionary's columns present in this summary (always-on ones only with that policy)."""
    present = public.rates.overall.model_fields_set | {"key"}
    return [c for c in COLUMNS if c in present]


def csv_text(public: AuditSummary, name: str) -> str:
    """One dataset as CSV (RFC 4180: lines end in CRLF, so a carriage return or line feed in a
    cell has the cell quoted)."""
    cols = columns(public)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(cols)
    for row in rows(public, name):
        w.writerow(_flat(row, cols))
    return buf.getvalue()
