"""Encounter-side sections: compliance by encounter type, outcomes and flags, and the officers
with the most unexcused outcomes."""

from __future__ import annotations

from onrecord.audit.models import Flag, Measures, Outcome, Row
from onrecord.policy import PolicyRules
from onrecord.presentation import cells, charts
from onrecord.presentation.view import Chart, Table, rate_bar

UNEXCUSED: tuple[Outcome, ...] = ("no_video", "late_start", "early_stop", "gap")


OFFICERS_SHOWN = 25
OFFICER_NOTE = (
    f"The {OFFICERS_SHOWN} officers (at most) with the most required encounters that had no "
    "video, a late start, or an early stop or gap without an allowed reason. A count to follow "
    "up, not a finding of misconduct: officers with more required encounters have more chances "
    "to miss one, so read it with the compliance rate."
)

OUTCOME_MEANING: dict[Outcome, str] = {
    "compliant": "recorded from arrival to clearance, within the allowances",
    "excused": "stopped early or paused, for a reason the policy allows",
    "no_video": "no recording at all during the encounter",
    "late_start": "recording began after the start allowance",
    "early_stop": "recording ended before clearance, without an allowed reason",
    "gap": "a pause longer than allowed, without an allowed reason",
}


def type_table(rows: list[Row]) -> Table:
    return Table(
        columns=[
            "Encounter type",
            "Encounters",
            "Required",
            "Compliant",
            "Excused",
            "No video",
            "Late start",
            "Early stop",
            "Gap",
            "Compliance rate",
        ],
        rows=[
            [
                cells.text(cells.label(r.key)),
                cells.count(r.encounters),
                cells.count(r.required_encounters),
                *(cells.count(r.outcome(o)) for o in ("compliant", "excused", *UNEXCUSED)),
                cells.rate(r.compliance_rate),
            ]
            for r in rows
        ],
        caption="Encounters by type, with the outcome of each required one",
        sortable=True,
    )


def type_chart(rows: list[Row]) -> Chart:
    title = "Compliance rate by encounter type"
    bars = [charts.Row(cells.label(r.key), (rate_bar(r.compliance_rate),)) for r in rows]
    svg = charts.bar_chart(
        "chart-types",
        title,
        "Share of required encounters of each type recorded as the policy asks.",
        bars,
        axis="Compliance rate (% of required encounters)",
    )
    return Chart(title, svg)


def outcome_table(overall: Measures) -> Table:
    required = overall.required_encounters
    return Table(
        columns=["Outcome", "What it means", "Encounters", "Share of required"],
        rows=[
            [
                cells.text(cells.label(o)),
                cells.text(OUTCOME_MEANING[o]),
                cells.count(overall.outcome(o)),
                cells.share(overall.outcome(o), required),
            ]
            for o in OUTCOME_MEANING
        ],
        caption="Outcome of each required encounter (the first that applies)",
    )


def outcome_chart(overall: Measures) -> Chart:
    title = "Required encounters by outcome"
    bars = []
    for o in OUTCOME_MEANING:
        n = overall.outcome(o)
        series = 0 if o in ("compliant", "excused") else 1
        bars.append(
            charts.Row(
                cells.label(o),
                (charts.Bar(n, cells.count(n).text, series),),
            )
        )
    svg = charts.bar_chart(
        "chart-outcomes",
        title,
        "Number of required encounters with each outcome.",
        bars,
        axis="Required encounters",
        series=("Counts as compliant", "Does not count"),
        as_percent=False,
    )
    return Chart(title, svg)


def outcome_sentences(overall: Measures, rules: PolicyRules) -> list[str]:
    out = []
    not_required = overall.outcome_not_required
    if not_required is None:
        out.append("Fewer than 5 encounters needed no recording under this policy.")
    else:
        out.append(
            f"{not_required:,} of {cells.count(overall.encounters).text} encounters needed "
            "no recording under this policy and are not counted below."
        )
    reasons = rules.deactivation.allowed_reasons
    if reasons:
        out.append(
            "An early stop or a gap is excused when the recording ended with one of the reasons "
            f"the policy allows ({', '.join(cells.label(r) for r in reasons)}); a late start or "
            "no video is never excused."
        )
    else:
        out.append(
            "This policy allows no reason to stop recording early, so no early stop or gap "
            "is excused."
        )
    return out


def flag_table(overall: Measures) -> Table:
    required = overall.required_encounters
    flags: tuple[tuple[Flag, str, str], ...] = (
        ("late_start", "Late start", "no"),
        ("early_stop", "Early stop without an allowed reason", "no"),
        ("unexcused_gap", "Gap without an allowed reason", "no"),
        ("excused", "Early stop or gap with an allowed reason", "yes"),
    )
    return Table(
        columns=["Flag", "Allowed by the policy", "Required encounters", "Share of required"],
        rows=[
            [
                cells.text(name),
                cells.text(allowed),
                cells.count(overall.flag(key)),
                cells.share(overall.flag(key), required),
            ]
            for key, name, allowed in flags
        ],
        caption=(
            "Flags on required encounters; one encounter can carry several, so these can "
            "exceed the outcome counts"
        ),
    )


def officer_table(rows: list[Row]) -> Table:
    """The officers with the most unexcused outcomes, for supervisors (never in public)."""

    def unexcused(r: Row) -> int:
        return sum(r.outcome(o) or 0 for o in UNEXCUSED)

    def compliance(r: Row) -> float:
        rate = r.compliance_rate.rate
        return 2.0 if rate is None else rate

    ranked = sorted(
        (r for r in rows if unexcused(r) > 0),
        key=lambda r: (-unexcused(r), compliance(r), str(r.key)),
    )[:OFFICERS_SHOWN]
    return Table(
        columns=[
            "Rank",
            "Officer",
            "Required encounters",
            "Unexcused outcomes",
            "No video",
            "Late start",
            "Early stop",
            "Gap",
            "Compliance rate",
            "Equipment rate",
        ],
        rows=[
            [
                cells.count(i),
                cells.text(str(r.key)),
                cells.count(r.required_encounters),
                cells.count(unexcused(r)),
                *(cells.count(r.outcome(o)) for o in UNEXCUSED),
                cells.rate(r.compliance_rate),
                cells.rate(r.equipment_rate),
            ]
            for i, r in enumerate(ranked, start=1)
        ],
        caption="Officers with the most unexcused outcomes (no video, late start, early stop, gap)",
        sortable=True,
    )
