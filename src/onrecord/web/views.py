"""What the console's pages show, built from the results with the audit report's own section
builders, so that a figure reads the same in the report, the console and the dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from onrecord.audit.report.compare import CompareView
from onrecord.audit.report.sections import ReportView
from onrecord.audit.report.shifts import kind_label
from onrecord.policy import Policy, builtin_policies, diff, format_value
from onrecord.presentation import cells, charts
from onrecord.presentation.cells import Cell
from onrecord.presentation.view import Chart, Table
from onrecord.web.policy_store import parsed
from onrecord.web.results import Results

# built-in profiles do not change while serving: read them once
_builtins = cache(builtin_policies)


@dataclass(frozen=True)
class GapView:
    """The overtime and paid-detail gap: hours on and off camera, shifts worked without one."""

    report: ReportView
    uncovered_kinds: Table
    uncovered_stations: Table
    uncovered_chart: Chart
    peak: int
    uncovered: int
    ratio: str


def _uncovered_table(rows: list[dict[str, Any]], first: str, name: Any) -> Table:
    return Table(
        columns=[first, "Shifts", "Without a camera", "Share without", "Most at one moment"],
        rows=[
            [
                cells.text(name(r["key"])),
                cells.count(r["shifts"]),
                cells.count(r["uncovered"]),
                cells.share(r["uncovered"], r["shifts"]),
                cells.count(r["peak"]),
            ]
            for r in rows
        ],
        caption=f"Shifts without a camera, by {first.lower()}",
        sortable=True,
    )


def gap_view(results: Results) -> GapView:
    u = results.uncovered
    ratio = cells.share_of(u["min_possession_ratio"])
    chart = charts.bar_chart(
        "chart-uncovered",
        "Shifts worked without a camera, by kind of shift",
        f"Shifts on which the officer held a camera for less than {ratio} of the shift.",
        [
            charts.Row(kind_label(r["key"]), (charts.Bar(r["uncovered"], f"{r['uncovered']:,}"),))
            for r in u["by_kind"]
        ],
        axis="Shifts",
        as_percent=False,
    )
    return GapView(
        report=results.internal_view,
        uncovered_kinds=_uncovered_table(u["by_kind"], "Kind of shift", kind_label),
        uncovered_stations=_uncovered_table(u["by_station"], "Station", cells.label),
        uncovered_chart=Chart("Shifts without a camera, by kind of shift", chart),
        peak=u["total"]["peak"],
        uncovered=u["total"]["uncovered"],
        ratio=ratio,
    )


@dataclass(frozen=True)
class PolicyComparison:
    """Two policies rule by rule; ``rows`` are (key path, a's value, b's value, differs)."""

    a: Policy
    b: Policy
    rows: list[tuple[str, str, str, bool]]
    differing: int


@dataclass(frozen=True)
class PoliciesView:
    rules: Table
    compare: CompareView | None
    policies: list[Policy]


def known_policies(results: Results, department: list[Policy]) -> list[Policy]:
    """The built-in profiles, the department's, and the audited ones if not among them (an
    audit under a department policy's downloaded file carries the same id)."""
    out = [*_builtins(), *department]
    ids = {p.id for p in out}
    for doc in (results.model, results.compare_model):
        if doc and doc.policy.id not in ids:
            out.append(parsed(doc.policy.text, origin=doc.policy.origin))
            ids.add(doc.policy.id)
    return out


def compare_policies(a: Policy, b: Policy) -> PolicyComparison:
    """Every rule of ``a`` and ``b``, the ones :func:`diff` finds marked."""
    differs = {d.key for d in diff(a, b)}
    rb = b.rules()
    rows = [
        (key, format_value(value), format_value(rb[key]), key in differs)
        for key, value in a.rules().items()
    ]
    return PolicyComparison(a, b, rows, len(differs))


def policies_view(results: Results, department: list[Policy]) -> PoliciesView:
    """Every rule of every profile side by side (rows whose values differ are marked)."""
    policies = known_policies(results, department)
    rules = [p.rules() for p in policies]
    rows: list[list[Cell]] = []
    for key in rules[0]:
        values = [format_value(r[key]) for r in rules]
        differs = len(set(values)) > 1
        rows.append(
            [cells.text(f"{key} ≠" if differs else key)]
            + [Cell(v, v, numeric=False) for v in values]
        )
    table = Table(
        columns=["Rule", *(p.id for p in policies)],
        rows=rows,
        caption="Every rule of each profile (≠ marks a rule on which they differ)",
        layout="fixed",
    )
    return PoliciesView(table, results.compare_view, policies)
