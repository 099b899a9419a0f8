"""The plan report: one self-contained, printable HTML file built from ``summary.json``.

It shares the audit report's layout (``macros.html.j2``, ``style.css``), cells, tables and
charts, so both read alike in a hearing; like the audit report it fetches nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from onrecord.plan.compute import Reason
from onrecord.plan.models import (
    KindPlan,
    Occupancy,
    PlanSelection,
    PlanSummary,
    PlanTotals,
    StationPlan,
)
from onrecord.plan.params import PersonalCameras, PlanParameters
from onrecord.policy import PolicyDocument, format_value
from onrecord.presentation import asset, cells, charts, quality, template_environment
from onrecord.presentation.view import Chart, Table

_ENV = template_environment("onrecord.plan")
REASON_TEXT = {r.code: r.text for r in Reason if r is not Reason.COVERED}
PERSONAL_TEXT = {
    PersonalCameras.PACKAGE: "the package's in-service personal cameras",
    PersonalCameras.NONE: "none: every shift draws on its station's pool",
    PersonalCameras.EVERY_OFFICER: (
        "every officer has one, docked at the officer's home station (those the package lacks "
        "are hypothetical, and counted as cameras to order)"
    ),
}
TOP_STATIONS = 25


@dataclass
class PlanView:
    department: str
    timezone: str
    period: str
    scope: str
    personal: str
    version: str
    totals: PlanTotals
    cost: list[str]
    occupancy: list[Chart]
    occupancy_note: str
    stations: Table
    kind_chart: Chart
    kinds: Table
    uncovered_stations: Table
    parameters: Table
    load_table: Table
    quality_sentence: str
    requirement: Table | None
    method: str


def _money(x: float) -> str:
    return f"${x:,.0f}"


def _cost(totals: PlanTotals) -> list[str]:
    c = totals.cost
    n, shortfall, assumed = c.cameras, totals.shortfall, totals.personal_assumed
    parts = f"{shortfall:,} pool camera(s) to close the stations' shortfall"
    if assumed:
        parts += f" and {assumed:,} personal camera(s) the assumption adds"
    out = [f"Cameras to order: {n:,} ({parts})."]
    if c.purchase is None or c.camera_price is None:
        out.append("No camera price was given (--camera-price), so no purchase cost is stated.")
    else:
        out.append(f"Purchase: {_money(c.purchase)} at {_money(c.camera_price)} a camera.")
    if c.yearly is None or c.yearly_cost_per_camera is None:
        out.append("No yearly cost per camera was given (--yearly-cost-per-camera).")
    else:
        out.append(
            f"Running cost: {_money(c.yearly)} a year at {_money(c.yearly_cost_per_camera)}"
            " per camera (storage and licences)."
        )
    return out


def _ticks(first: datetime, minutes: int, n: int) -> list[tuple[int, str]]:
    """About six labelled bins: dates for long periods, times of day for a day or two."""
    every = max(1, n // 6)
    fmt = "%H:%M" if minutes * n <= 2 * 1440 else "%Y-%m-%d"
    return [(j, (first + timedelta(minutes=minutes * j)).strftime(fmt)) for j in range(0, n, every)]


def _bin_words(minutes: int) -> str:
    return {15: "quarter hour", 60: "hour", 180: "3 hours", 360: "6 hours", 1440: "day"}.get(
        minutes, "week"
    )


def _occupancy(series: list[Occupancy]) -> list[Chart]:
    out = []
    for k, s in enumerate(series):
        values = s.values
        first = datetime.fromisoformat(s.first_bin)
        at = datetime.fromisoformat(s.peak_at).strftime("%Y-%m-%d %H:%M")
        svg = charts.step_chart(
            f"chart-occupancy-{k}",
            f"{s.station_id}: needs {s.peak:,}, has {s.have:,}",
            f"Pool cameras out or recharging at {s.station_id}, the most at any instant in "
            f"each {_bin_words(s.bin_minutes)}.",
            values,
            _ticks(first, s.bin_minutes, len(values)),
            peak=(s.peak_bin, f"peak {s.peak:,} at {at}"),
            reference=(s.have, f"has {s.have:,}") if s.have else None,
            axis=f"most cameras occupied in each {_bin_words(s.bin_minutes)} (local time)",
        )
        out.append(Chart(f"{s.station_id}: needs {s.peak:,}, has {s.have:,}", svg))
    return out


def _when(iso: str | None) -> cells.Cell:
    """A local time to the minute, kept on one line; "—" for a station that needs nothing."""
    text = (iso or "—").replace("T", " ")[:16]
    return cells.Cell(text, iso or "")


def _stations(rows: list[StationPlan]) -> Table:
    body = []
    for r in sorted(rows, key=lambda r: (-r.pool_needed, r.station_id)):
        over = r.over_dock_slots
        body.append(
            [
                cells.text(r.station_id),
                cells.count(r.pool_needed),
                cells.count(r.pool_have),
                cells.count(r.shortfall),
                _when(r.peak_at),
                cells.count(r.pool_shifts),
                cells.count(r.personal_shifts),
                cells.count(r.uncovered_shifts),
                cells.count(r.dock_slots) if r.dock_slots else cells.text("unknown"),
                cells.count(over) if over is not None else cells.text("—"),
            ]
        )
    return Table(
        ["Station", "Pool needed", "Pool has", "Shortfall", "Peak at", "Pool shifts",
         "Personal shifts", "Uncovered now", "Dock slots", "Over dock slots"],
        body, caption="Pool cameras by station", sortable=True,
    )  # fmt: skip


def _kinds(by_kind: list[KindPlan]) -> Table:
    reasons = [r.code for r in Reason if r]
    return Table(
        ["Kind of shift", "Shifts", "Personal camera", "Pool", "Needing 2+ cameras",
         "Uncovered now", *(REASON_TEXT[r] for r in reasons)],
        [
            [cells.text(cells.label(k.kind)), cells.count(k.shifts),
             cells.count(k.personal), cells.count(k.pool),
             cells.count(k.longer_than_battery), cells.count(k.uncovered),
             *(cells.count(k.uncovered_by_reason.of(r)) for r in reasons)]
            for k in by_kind
        ],
        caption="Shifts needing a camera, and those the current fleet leaves uncovered, by kind",
        groups=[("", 6), ("Uncovered, by reason", len(reasons))],
    )  # fmt: skip


def _kind_chart(by_kind: list[KindPlan]) -> Chart:
    rows = [
        charts.Row(
            cells.label(k.kind),
            (charts.Bar(k.uncovered, f"{k.uncovered:,} of {k.shifts:,}"),),
        )
        for k in by_kind
    ]
    svg = charts.bar_chart(
        "chart-uncovered-kinds", "Uncovered shifts by kind",
        "Shifts needing a camera that the current fleet leaves uncovered, by kind of shift.",
        rows, axis="uncovered shifts", as_percent=False,
    )  # fmt: skip
    return Chart("Shifts the current fleet leaves uncovered, by kind of shift", svg)


def _uncovered_stations(rows: list[StationPlan]) -> Table:
    worst = sorted(
        (r for r in rows if r.uncovered_shifts),
        key=lambda r: (-r.uncovered_shifts, r.station_id),
    )[:TOP_STATIONS]
    return Table(
        ["Station", "Uncovered now", "Pool shifts", "Pool has", "Pool needed"],
        [
            [cells.text(r.station_id), cells.count(r.uncovered_shifts),
             cells.count(r.pool_shifts), cells.count(r.pool_have),
             cells.count(r.pool_needed)]
            for r in worst
        ],
        caption=f"Stations with the most uncovered shifts (top {TOP_STATIONS})",
    )  # fmt: skip


def _parameters(p: PlanParameters) -> Table:
    def value(v: float | None, unit: str, unset: str) -> str:
        return unset if not v else f"{v:g} {unit}"

    rows = [
        ("Pickup lead", value(p.pickup_lead_minutes, "minutes", "0 minutes")),
        ("Return", value(p.return_minutes, "minutes", "0 minutes")),
        ("Battery runtime", value(p.battery_hours, "hours, every camera",
                                  "each camera's own, else 12 hours")),
        ("Recharge, empty to full", value(p.recharge_hours, "hours, every camera",
                                          "each camera's own, else 4 hours")),
        ("Camera price", "unset" if not p.camera_price else _money(p.camera_price)),
        ("Yearly cost per camera",
         "unset" if not p.yearly_cost_per_camera else _money(p.yearly_cost_per_camera)),
        ("Personal cameras", PERSONAL_TEXT[p.personal_cameras]),
    ]  # fmt: skip
    return Table(
        ["Parameter", "Value"],
        [[cells.text(k), cells.text(v)] for k, v in rows],
        caption="Parameters used",
    )


def _requirement(policy: PolicyDocument) -> Table:
    """The policy's rules that decide which shifts need a camera, as the audit prints them."""
    rows = [
        [cells.text(k), cells.text(format_value(v))]
        for k, v in policy.rules.camera_required.model_dump().items()
    ]
    return Table(
        ["Rule", "Value"],
        rows,
        caption=f"Which shifts need a camera: {policy.title} ({policy.id})",
    )


def _period(sel: PlanSelection) -> str:
    lo, hi = sel.first_day or sel.first_start, sel.last_day or sel.last_start
    return f"{lo} to {hi}" if lo and hi else "no shifts"


def build(doc: PlanSummary) -> PlanView:
    sel, totals = doc.selection, doc.totals
    policy = sel.policy
    charted = len(doc.occupancy)
    with_need = sum(1 for r in doc.stations if r.pool_needed)
    return PlanView(
        department=doc.package.name,
        timezone=doc.package.timezone,
        period=_period(sel),
        scope=(
            "every shift (--all-shifts)"
            if policy is None
            else f"the shifts {policy.title} requires a camera on"
        ),
        personal=PERSONAL_TEXT[doc.parameters.personal_cameras],
        version=doc.onrecord_version,
        totals=totals,
        cost=_cost(totals),
        occupancy=_occupancy(doc.occupancy),
        occupancy_note=(
            f"The {charted} station(s) that need the most pool cameras, of {with_need} that need "
            "any; every station is in the table below and in stations.csv."
        ),
        stations=_stations(doc.stations),
        kind_chart=_kind_chart(doc.by_kind),
        kinds=_kinds(doc.by_kind),
        uncovered_stations=_uncovered_stations(doc.stations),
        parameters=_parameters(doc.parameters),
        load_table=quality.load_table(doc.data_quality),
        quality_sentence=quality.quality_sentence(doc.data_quality),
        requirement=_requirement(policy) if policy else None,
        method=doc.method,
    )


def render_report(doc: PlanSummary | Mapping[str, Any]) -> str:
    """The report for a plan's summary (the model, or ``summary.json``'s content)."""
    summary = doc if isinstance(doc, PlanSummary) else PlanSummary.from_document(doc)
    return _ENV.get_template("plan.html.j2").render(
        v=build(summary), sel=summary.selection, css=asset("style.css"), script=asset("sort.js")
    )
