"""Policy A against policy B on the same data: what each requires and how the department fares.

A hearing weighing a stricter policy needs to see how many more shifts and encounters it would
cover, and that the rates under it are measured on a different denominator; this module puts the
two summaries side by side and lists the rules that differ.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from onrecord.audit.models import AuditSummary, Measures, Row
from onrecord.audit.report.shifts import kind_label
from onrecord.output import Rate
from onrecord.policy import PolicyError, diff, format_value, parse_policy
from onrecord.presentation import cells, charts
from onrecord.presentation.cells import Cell, State
from onrecord.presentation.view import Chart, Table, rate_bar


@dataclass(frozen=True)
class CompareView:
    """The side-by-side section; ``a`` is the policy of the report, ``b`` the one compared."""

    a: str
    b: str
    sentences: list[str]
    overview: Table
    kinds: Table
    equipment_chart: Chart
    compliance_chart: Chart
    rules: Table


def _signed(s: str) -> str:
    """A typographic minus: a hyphen before a number is easy to miss on paper."""
    return s.replace("-", "−")


def _count_diff(a: int | None, b: int | None) -> Cell:
    if a is None or b is None:
        return cells.rate(None)
    d = b - a
    return Cell(_signed(f"{d:+,}") if d else "0", d)


def _hours_diff(a: float | None, b: float | None) -> Cell:
    d = (b or 0.0) - (a or 0.0)
    return Cell(_signed(f"{d:+,.0f}") if round(d) else "0", d)


def _rate_diff(a: Cell, b: Cell) -> Cell:
    """The difference in percentage points, only where both rates exist."""
    if a.state is not State.VALUE or b.state is not State.VALUE:
        return Cell("—", -1, State.EMPTY)
    d = (float(b.sort) - float(a.sort)) * 100
    text = f"{d:+.1f}" if round(d, 1) else "0.0"
    return Cell(_signed(text) + " points", d)


def _more(n: int | None, what: str) -> str:
    if n is None:
        return f"a number of {what} too small to publish"
    if n == 0:
        return f"the same number of {what}"
    return f"{abs(n):,} {'more' if n > 0 else 'fewer'} {what}"


def sentences(a: AuditSummary, b: AuditSummary, name_a: str, name_b: str) -> list[str]:
    """How much more (or less) B requires than A, and the caveat that goes with it."""
    oa, ob = a.rates.overall, b.rates.overall
    out = []
    for va, vb, what in (
        (oa.required_shifts, ob.required_shifts, "shifts"),
        (oa.required_encounters, ob.required_encounters, "encounters"),
    ):
        d = None if va is None or vb is None else vb - va
        out.append(
            f"{name_b} requires {_more(d, what)} than {name_a}: "
            f"{cells.count(vb).text} against {cells.count(va).text}."
        )
    out.append(
        "Rates under the two policies have different denominators: a lower rate under a broader "
        "policy can mean more is asked, not that less was done."
    )
    return out


def overview(oa: Measures, ob: Measures, name_a: str, name_b: str) -> Table:
    """What each policy requires and the rates under it; the differences in counts and points."""
    rows = []
    counts: tuple[tuple[str, Callable[[Measures], int | None]], ...] = (
        ("Required shifts", lambda o: o.required_shifts),
        ("Equipped required shifts", lambda o: o.equipment_equipped),
        ("Required encounters", lambda o: o.required_encounters),
    )
    for label, count in counts:
        rows.append(
            [
                cells.text(label),
                cells.count(count(oa)),
                cells.count(count(ob)),
                _count_diff(count(oa), count(ob)),
            ]
        )
    rows.append(
        [
            cells.text("Required shift hours"),
            cells.hours(oa.required_hours),
            cells.hours(ob.required_hours),
            _hours_diff(oa.required_hours, ob.required_hours),
        ]
    )
    rates: tuple[tuple[str, Callable[[Measures], Rate]], ...] = (
        ("Equipment rate", lambda o: o.equipment_rate),
        ("Share of shift hours on camera", lambda o: o.hours_on_camera_rate),
        ("Compliance rate", lambda o: o.compliance_rate),
    )
    for label, rate in rates:
        ra, rb = cells.rate(rate(oa)), cells.rate(rate(ob))
        rows.append([cells.text(label), ra, rb, _rate_diff(ra, rb)])
    return Table(
        ["Measure", f"A: {name_a}", f"B: {name_b}", "Difference (B − A)"],
        rows,
        caption="The department under each policy",
    )


def _by_key(summary: AuditSummary) -> dict[str | None, Row]:
    return {r.key: r for r in summary.rates.by.shift_kind}


def _kind_keys(a: AuditSummary, b: AuditSummary) -> list[str | None]:
    keys = list(_by_key(a))
    return keys + [k for k in _by_key(b) if k not in keys]


# Per kind of shift, absent under one policy: no shifts and no encounters of that kind there.
_NONE = Row(key=None)


def kind_table(a: AuditSummary, b: AuditSummary) -> Table:
    """Per kind of shift, each measure under A then B: a policy's name is too long to repeat in
    eight column headings, so they are lettered and the caption says which is which."""
    ka, kb = _by_key(a), _by_key(b)
    measures: tuple[tuple[str, Callable[[Row], Cell]], ...] = (
        ("Required shifts", lambda r: cells.count(r.required_shifts)),
        ("Equipment rate", lambda r: cells.rate(r.equipment_rate)),
        ("Required encounters", lambda r: cells.count(r.required_encounters)),
        ("Compliance rate", lambda r: cells.rate(r.compliance_rate)),
    )
    rows = []
    for key in _kind_keys(a, b):
        row = [cells.text(kind_label(key))]
        for _, cell in measures:
            row += [cell(ka.get(key, _NONE)), cell(kb.get(key, _NONE))]
        rows.append(row)
    return Table(
        ["Kind of shift", *("A", "B") * len(measures)],
        rows,
        caption=f"By kind of shift, under A ({a.policy.id}) and B ({b.policy.id})",
        groups=[("", 1), *((label, 2) for label, _ in measures)],
    )


def kind_chart(
    a: AuditSummary, b: AuditSummary, name_a: str, name_b: str, metric: str, title: str
) -> Chart:
    """One rate by kind of shift, a bar per policy; kinds that never have the rate are left out."""
    ka, kb = _by_key(a), _by_key(b)

    def rate(row: Row | None) -> Rate:
        r: Rate = getattr(row or _NONE, metric)
        return r

    rows = [
        charts.Row(
            kind_label(key), (rate_bar(rate(ka.get(key)), 0), rate_bar(rate(kb.get(key)), 1))
        )
        for key in _kind_keys(a, b)
        if any(r is not None and r.has(metric) for r in (ka.get(key), kb.get(key)))
    ]
    svg = charts.bar_chart(
        f"chart-compare-{metric}",
        title,
        f"{title}; a dash marks a kind with nothing required under that policy.",
        rows,
        axis="Rate (%)",
        series=(f"A: {name_a}", f"B: {name_b}"),
    )
    return Chart(title, svg)


def rule_table(a: AuditSummary, b: AuditSummary, name_a: str, name_b: str) -> Table:
    """The rules that differ, from the policy texts; from the rules recorded in the summaries if
    a text no longer parses (a summary written by another version)."""
    pairs: list[tuple[str, Any, Any]]
    try:
        pairs = [
            (d.key, d.a, d.b)
            for d in diff(parse_policy(a.policy.text), parse_policy(b.policy.text))
        ]
    except PolicyError:
        ra, rb = a.policy.rules.flat(), b.policy.rules.flat()
        pairs = [
            (k, ra.get(k), rb.get(k)) for k in dict.fromkeys([*ra, *rb]) if ra.get(k) != rb.get(k)
        ]
    return Table(
        ["Rule", f"A: {name_a}", f"B: {name_b}"],
        [
            [cells.text(k), cells.text(format_value(va)), cells.text(format_value(vb))]
            for k, va, vb in pairs
        ],
        caption="The rules that differ",
        layout="fixed",
    )


def build(a: AuditSummary, b: AuditSummary) -> CompareView:
    """The comparison of summary ``a`` (the report's) with ``b``, for the same package."""
    name_a, name_b = a.policy.id, b.policy.id
    oa, ob = a.rates.overall, b.rates.overall
    return CompareView(
        a=name_a,
        b=name_b,
        sentences=sentences(a, b, name_a, name_b),
        overview=overview(oa, ob, name_a, name_b),
        kinds=kind_table(a, b),
        equipment_chart=kind_chart(
            a, b, name_a, name_b, "equipment_rate", "Equipment rate by kind of shift, each policy"
        ),
        compliance_chart=kind_chart(
            a, b, name_a, name_b, "compliance_rate", "Compliance rate by kind of shift, each policy"
        ),
        rules=rule_table(a, b, name_a, name_b),
    )
