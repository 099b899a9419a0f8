"""Policy A against policy B on the same data: what each requires and how the department fares.

A hearing weighing a stricter policy needs to see how many more shifts and encounters it would
cover, and that the rates under it are measured on a different denominator; this module puts the
two summaries side by side and lists the rules that differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from onrecord.audit.report.shifts import kind_label
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


def sentences(a: dict[str, Any], b: dict[str, Any], name_a: str, name_b: str) -> list[str]:
    """How much more (or less) B requires than A, and the caveat that goes with it."""
    oa, ob = a["rates"]["overall"], b["rates"]["overall"]
    out = []
    for key, what in (("required_shifts", "shifts"), ("required_encounters", "encounters")):
        va, vb = oa[key], ob[key]
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


def overview(oa: dict[str, Any], ob: dict[str, Any], name_a: str, name_b: str) -> Table:
    """What each policy requires and the rates under it; the differences in counts and points."""
    rows = []
    for key, label in (
        ("required_shifts", "Required shifts"),
        ("equipment_equipped", "Equipped required shifts"),
        ("required_encounters", "Required encounters"),
    ):
        rows.append(
            [
                cells.text(label),
                cells.count(oa[key]),
                cells.count(ob[key]),
                _count_diff(oa[key], ob[key]),
            ]
        )
    rows.append(
        [
            cells.text("Required shift hours"),
            cells.hours(oa["required_hours"]),
            cells.hours(ob["required_hours"]),
            _hours_diff(oa["required_hours"], ob["required_hours"]),
        ]
    )
    for key, label in (
        ("equipment_rate", "Equipment rate"),
        ("hours_on_camera_rate", "Share of shift hours on camera"),
        ("compliance_rate", "Compliance rate"),
    ):
        ra, rb = cells.rate(oa[key]), cells.rate(ob[key])
        rows.append([cells.text(label), ra, rb, _rate_diff(ra, rb)])
    return Table(
        ["Measure", f"A: {name_a}", f"B: {name_b}", "Difference (B − A)"],
        rows,
        caption="The department under each policy",
    )


def _by_key(summary: dict[str, Any]) -> dict[Any, dict[str, Any]]:
    return {r["key"]: r for r in summary["rates"]["by"]["shift_kind"]}


def _kind_keys(a: dict[str, Any], b: dict[str, Any]) -> list[Any]:
    keys = list(_by_key(a))
    return keys + [k for k in _by_key(b) if k not in keys]


def kind_table(a: dict[str, Any], b: dict[str, Any]) -> Table:
    """Per kind of shift, each measure under A then B: a policy's name is too long to repeat in
    eight column headings, so they are lettered and the caption says which is which."""
    ka, kb = _by_key(a), _by_key(b)
    measures = (
        ("required_shifts", "Required shifts", cells.count, 0),
        ("equipment_rate", "Equipment rate", cells.rate, cells.EMPTY_RATE),
        ("required_encounters", "Required encounters", cells.count, 0),
        ("compliance_rate", "Compliance rate", cells.rate, cells.EMPTY_RATE),
    )
    rows = []
    for key in _kind_keys(a, b):
        row = [cells.text(kind_label(key))]
        for field, _, fmt, default in measures:
            row += [
                fmt(ka.get(key, {}).get(field, default)),
                fmt(kb.get(key, {}).get(field, default)),
            ]
        rows.append(row)
    return Table(
        ["Kind of shift", *("A", "B") * len(measures)],
        rows,
        caption=f"By kind of shift, under A ({a['policy']['id']}) and B ({b['policy']['id']})",
        groups=[("", 1), *((label, 2) for _, label, _, _ in measures)],
    )


def kind_chart(
    a: dict[str, Any], b: dict[str, Any], name_a: str, name_b: str, metric: str, title: str
) -> Chart:
    """One rate by kind of shift, a bar per policy; kinds that never have the rate are left out."""
    ka, kb = _by_key(a), _by_key(b)
    rows = [
        charts.Row(
            kind_label(key),
            (
                rate_bar(ka.get(key, {}).get(metric, cells.EMPTY_RATE), 0),
                rate_bar(kb.get(key, {}).get(metric, cells.EMPTY_RATE), 1),
            ),
        )
        for key in _kind_keys(a, b)
        if metric in ka.get(key, {}) or metric in kb.get(key, {})
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


def rule_table(a: dict[str, Any], b: dict[str, Any], name_a: str, name_b: str) -> Table:
    """The rules that differ, from the policy texts; from the rules recorded in the summaries if
    a text no longer parses (a summary written by another version)."""
    try:
        pairs = [
            (d.key, d.a, d.b)
            for d in diff(parse_policy(a["policy"]["text"]), parse_policy(b["policy"]["text"]))
        ]
    except PolicyError:
        ra, rb = a["policy"]["rules"], b["policy"]["rules"]
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


def build(a: dict[str, Any], b: dict[str, Any]) -> CompareView:
    """The comparison of summary ``a`` (the report's) with ``b``, for the same package."""
    name_a, name_b = a["policy"]["id"], b["policy"]["id"]
    oa, ob = a["rates"]["overall"], b["rates"]["overall"]
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
