"""The report's content, built from one summary: every number formatted, every sentence written.

The template only lays things out; what a figure means and how it is worded is decided in these
modules, in plain Python that tests can call, so the report and ``summary.json`` cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from onrecord.audit.models import AuditedPackage, AuditSummary
from onrecord.audit.report import encounters, shifts
from onrecord.policy import PolicyRules
from onrecord.presentation import quality
from onrecord.presentation.view import Chart, Metric, PolicyView, Table, policy_view


@dataclass
class ReportView:
    """Everything the template shows for one summary (the compare section is separate)."""

    department: str
    timezone: str
    period: str
    version: str
    methodology: str
    public: bool
    suppression: str
    policy: PolicyView
    whole_shift: bool
    metrics: list[Metric]
    kinds: Table
    kind_chart: Chart
    kind_sentences: list[str]
    stations: Table
    station_chart: Chart
    units: Table
    unit_chart: Chart
    months: Table
    month_chart: Chart
    month_note: str
    types: Table
    type_chart: Chart
    outcomes: Table
    outcome_chart: Chart
    outcome_sentences: list[str]
    flags: Table
    officers: Table | None
    officer_note: str
    load_table: Table
    groups: Table
    quality_sentence: str
    rules: PolicyRules


def _period(package: AuditedPackage) -> str:
    lo, hi = package.period.first, package.period.last
    return f"{lo} to {hi}" if lo and hi else "no dated records"


def build(summary: AuditSummary) -> ReportView:
    """The view of one summary, public or not."""
    overall, by = summary.rates.overall, summary.rates.by
    rules = summary.policy.rules
    whole = rules.recording_required.whole_shift
    public = summary.public
    dq = summary.data_quality
    months = by.month
    return ReportView(
        department=summary.package.name,
        timezone=summary.package.timezone,
        period=_period(summary.package),
        version=summary.onrecord_version,
        methodology=summary.methodology,
        public=public,
        suppression=summary.suppression.rule if summary.suppression else "",
        policy=policy_view(summary.policy),
        whole_shift=whole,
        metrics=shifts.metrics(overall, rules),
        kinds=shifts.breakdown(
            by.shift_kind, whole, "Kind of shift", "By kind of shift", kinds=True
        ),
        kind_chart=shifts.kind_chart(by.shift_kind),
        kind_sentences=shifts.kind_sentences(by.shift_kind),
        stations=shifts.breakdown(by.station, whole, "Station", "By station"),
        station_chart=shifts.rate_pair_chart(
            "chart-stations", "Rates by station", by.station, "station"
        ),
        units=shifts.breakdown(by.unit, whole, "Unit", "By unit"),
        unit_chart=shifts.rate_pair_chart("chart-units", "Rates by unit", by.unit, "unit"),
        months=shifts.breakdown(months, whole, "Month", "By month"),
        month_chart=shifts.month_chart(months),
        month_note=(
            "The period covers a single month, so there is no trend to draw yet; the point "
            "shows that month's rates."
            if len(months) == 1
            else ""
        ),
        types=encounters.type_table(by.encounter_type),
        type_chart=encounters.type_chart(by.encounter_type),
        outcomes=encounters.outcome_table(overall),
        outcome_chart=encounters.outcome_chart(overall),
        outcome_sentences=encounters.outcome_sentences(overall, rules),
        flags=encounters.flag_table(overall),
        officers=(
            encounters.officer_table(by.officer) if by.officer is not None and not public else None
        ),
        officer_note=encounters.OFFICER_NOTE,
        load_table=quality.load_table(dq),
        groups=quality.group_table(dq, public),
        quality_sentence=quality.quality_sentence(dq),
        rules=rules,
    )
