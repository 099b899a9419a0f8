"""Shift-side sections: the headline figures and the breakdowns by kind of shift, station,
unit and month, with the overtime and paid-detail gap put in words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from onrecord.audit.models import Measures, Row
from onrecord.output import Rate
from onrecord.policy import PolicyRules
from onrecord.presentation import cells, charts
from onrecord.presentation.cells import Cell
from onrecord.presentation.view import Chart, Metric, Table, rate_bar

SPOTLIGHT_KINDS = ("overtime", "paid_detail")

RATES = {
    "equipment_rate": "Equipment rate",
    "compliance_rate": "Compliance rate",
    "whole_shift_rate": "Whole shifts recorded",
}


def _metric(
    key: str, label: str, r: Rate, of_what: str, explain: str, hours: bool = False
) -> Metric:
    fmt: Callable[[Any], cells.Cell] = cells.hours if hours else cells.count
    return Metric(
        key=key,
        label=label,
        value=cells.rate(r),
        numerator=fmt(r.numerator),
        denominator=fmt(r.denominator),
        of_what=of_what,
        explain=explain,
    )


def metrics(overall: Measures, rules: PolicyRules) -> list[Metric]:
    """The headline figures, in the order a hearing asks about them."""
    ratio = cells.share_of(rules.equipment.min_possession_ratio)
    out = [
        _metric(
            "equipment_rate",
            "Equipment rate",
            overall.equipment_rate,
            "required shifts had a camera",
            f"A required shift counts as equipped when the officer held a camera for at least "
            f"{ratio} of it.",
        ),
        _metric(
            "hours_on_camera_rate",
            "Shift hours on camera",
            overall.hours_on_camera_rate,
            "shift hours, of every kind, were worked holding a camera",
            "Counted over all shifts, required or not, so hours outside the policy show too.",
            hours=True,
        ),
        _metric(
            "compliance_rate",
            "Compliance rate",
            overall.compliance_rate,
            "required encounters were recorded as the policy asks",
            "Compliant or excused encounters, over every encounter the policy required recorded.",
        ),
    ]
    if overall.has("whole_shift_rate"):
        share = cells.share_of(rules.recording_required.min_shift_recorded_ratio)
        out.append(
            _metric(
                "whole_shift_rate",
                "Whole shifts recorded",
                overall.whole_shift_rate,
                "required shifts were recorded end to end",
                f"The policy asks for the whole shift on camera; a shift counts when at least "
                f"{share} of it was recorded.",
            )
        )
    return out


def _columns(whole_shift: bool, first: str) -> list[str]:
    cols = [
        first,
        "Shifts",
        "Required shifts",
        "Equipment rate",
        "Shift hours",
        "Share of hours on camera",
        "Required encounters",
        "Compliance rate",
    ]
    return [*cols, RATES["whole_shift_rate"]] if whole_shift else cols


def _breakdown_row(row: Row, whole_shift: bool, name: str) -> list[Cell]:
    """One row of a shift-and-encounter breakdown; rows of kinds with no shifts (``unscheduled``)
    or no encounters simply have zeros there. Numerators are left to summary.json: with the
    denominator and the rate beside it, a table stays narrow enough to print."""
    out = [
        cells.text(name),
        cells.count(row.shifts),
        cells.count(row.required_shifts),
        cells.rate(row.equipment_rate),
        cells.hours(row.hours),
        cells.rate(row.hours_on_camera_rate),
        cells.count(row.required_encounters),
        cells.rate(row.compliance_rate),
    ]
    if whole_shift:
        out.append(cells.rate(row.whole_shift_rate))
    return out


def _joined(names: list[str]) -> str:
    """``["Equipment rate", "Compliance rate"]`` as "Equipment rate and compliance rate"."""
    return " and ".join([names[0], *(n[0].lower() + n[1:] for n in names[1:])])


def _rate(row: Measures, key: str) -> Rate:
    """The rate named ``key`` (one of ``RATES``) of ``row``."""
    r: Rate = getattr(row, key)
    return r


def charted_rates(rows: list[Row]) -> list[str]:
    """The (at most two) rates worth drawing for a breakdown: those with a value somewhere, in
    the order equipment, compliance, whole shift. A series of dashes only would be noise."""
    present = [
        key
        for key in RATES
        if any(cells.rate(_rate(r, key)).state is not cells.State.EMPTY for r in rows)
    ]
    return (present or ["equipment_rate"])[:2]


def kind_label(key: Any) -> str:
    return "no shift (unscheduled)" if key == "unscheduled" else cells.label(key)


def breakdown(
    rows: list[Row], whole_shift: bool, first: str, caption: str, kinds: bool = False
) -> Table:
    name = kind_label if kinds else cells.label
    return Table(
        columns=_columns(whole_shift, first),
        rows=[_breakdown_row(r, whole_shift, name(r.key)) for r in rows],
        caption=caption,
        sortable=True,
    )


def rate_pair_chart(cid: str, title: str, rows: list[Row], name: str) -> Chart:
    """The charted rates side by side for each row of a breakdown."""
    keys = charted_rates(rows)
    bars = [
        charts.Row(
            cells.label(r.key),
            tuple(rate_bar(_rate(r, key), i) for i, key in enumerate(keys)),
        )
        for r in rows
    ]
    names = [RATES[k] for k in keys]
    svg = charts.bar_chart(
        cid,
        title,
        f"{_joined(names)} by {name}.",
        bars,
        axis="Rate (% of required shifts or encounters)",
        series=names,
    )
    return Chart(title, svg)


def kind_chart(rows: list[Row]) -> Chart:
    """Hours on and off camera by shift kind, on one scale, so the size of each gap shows."""
    title = "Shift hours on and off camera, by kind of shift"
    stacks = []
    for r in rows:
        if not r.hours:
            continue
        on, total = r.hours_possessed or 0.0, r.hours
        share = cells.rate(r.hours_on_camera_rate).text
        stacks.append(
            charts.Stack(
                kind_label(r.key),
                (on, max(total - on, 0.0)),
                f"{cells.hours(total).text} h, {share} on camera",
            )
        )
    svg = charts.stacked_chart(
        "chart-kinds",
        title,
        "Hours worked by kind of shift, split into hours holding a camera and hours without.",
        stacks,
        parts=("On camera", "Not on camera"),
        axis="Shift hours",
    )
    return Chart(title, svg)


def _required_clause(kind: str, required: int | None, shifts: int | None) -> str:
    if required == 0:
        return "the policy did not require a camera on them"
    if required is None or shifts is None:
        return f"the policy required a camera on fewer than 5 {kind} shifts"
    if required == shifts:
        return f"the policy required a camera on every {kind} shift"
    return f"the policy required a camera on {required:,} of the {shifts:,} {kind} shifts"


def _encounter_clause(kind: str, row: Row) -> str:
    encounters, required = row.encounters, row.required_encounters
    if encounters is None or required is None:
        return f"The counts of encounters during {kind} shifts are too small to publish."
    if not encounters:
        return f"No encounters were logged during {kind} shifts."
    head = f"Of {encounters:,} encounters during {kind} shifts, "
    if required == 0:
        return head + "none had to be recorded under this policy."
    return head + (
        f"{required:,} had to be recorded, and "
        f"{cells.rate(row.compliance_rate).text} of those were recorded as required."
    )


def kind_sentences(rows: list[Row]) -> list[str]:
    """The overtime and paid-detail gap in words: hours, share on camera, what was required."""
    out = []
    for r in rows:
        if r.key not in SPOTLIGHT_KINDS or not r.hours:
            continue
        kind = cells.label(r.key)
        share = cells.rate(r.hours_on_camera_rate).text
        clause = _required_clause(kind, r.required_shifts, r.shifts)
        out.append(
            f"Of {cells.hours(r.hours).text} {kind} hours, {share} were on camera; {clause}. "
            + _encounter_clause(kind, r)
        )
    return out or ["The data has no overtime or paid-detail shifts."]


def month_chart(rows: list[Row]) -> Chart:
    keys = charted_rates(rows)
    names = [RATES[k] for k in keys]
    title = f"{_joined(names)} by month"
    svg = charts.line_chart(
        "chart-months",
        title,
        f"{title}; a month with no rate has no point.",
        [cells.label(r.key) for r in rows],
        [charts.Line(RATES[k], tuple(_rate(r, k).rate for r in rows)) for k in keys],
        axis="Month (of the shift's or encounter's start, local time)",
    )
    return Chart(title, svg)
