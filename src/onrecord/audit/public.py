"""The public edition of a summary: aggregates only, small cells suppressed.

Oversight bodies publish these numbers, so no officer or encounter may be identifiable: the
per-officer breakdown is removed, and every count from 1 to 4 (and any rate built on such a
count) is replaced by ``null`` and listed as suppressed.
"""

from __future__ import annotations

from typing import Any, TypeVar

from onrecord.audit.models import (
    AuditedPackage,
    AuditSummary,
    Breakdowns,
    Measures,
    Rates,
    Suppression,
)
from onrecord.output import Rate
from onrecord.package.quality import ProblemGroupCount

MIN_CELL = 5
WITHHELD = Rate(numerator=None, denominator=None, rate=None)

M = TypeVar("M", bound=Measures)


def _small(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 < v < MIN_CELL


def _suppress_row(row: M) -> tuple[M, int]:
    """``row`` with its small counts, and the rates built on one, withheld; and how many."""
    hidden: dict[str, Any] = {}
    for name in row.model_fields_set:
        value = getattr(row, name)
        if isinstance(value, Rate):
            if _small(value.numerator) or _small(value.denominator):
                hidden[name] = WITHHELD
        elif _small(value):
            hidden[name] = None
    return (row.model_copy(update=hidden) if hidden else row), len(hidden)


def _withheld_group(g: ProblemGroupCount) -> ProblemGroupCount:
    """The group without its example (it names a file line, and often an officer id)."""
    return ProblemGroupCount(
        severity=g.severity,
        code=g.code,
        table=g.table,
        column=g.column,
        count=None if _small(g.count) else g.count,
    )


def public_summary(summary: AuditSummary) -> AuditSummary:
    """``summary`` fit for publication."""
    overall, cells = _suppress_row(summary.rates.overall)
    by: dict[str, Any] = {}
    for dim in Breakdowns.model_fields:
        if dim == "officer" or dim not in summary.rates.by.model_fields_set:
            continue
        by[dim] = []
        for row in getattr(summary.rates.by, dim):
            public_row, hidden = _suppress_row(row)
            by[dim].append(public_row)
            cells += hidden
    groups = summary.data_quality.groups
    cells += sum(1 for g in groups if _small(g.count))
    known = summary.package  # without its path: a folder on the machine that ran the audit
    package = AuditedPackage(name=known.name, timezone=known.timezone, period=known.period)
    origin = summary.policy.origin.rsplit("/", 1)[-1]  # a policy file by its name only
    return summary.model_copy(
        update={
            "package": package,
            "policy": summary.policy.model_copy(update={"origin": origin}),
            "data_quality": summary.data_quality.model_copy(
                update={"groups": [_withheld_group(g) for g in groups]}
            ),
            "rates": Rates(overall=overall, by=Breakdowns.model_validate(by)),
            "public": True,
            "suppression": Suppression(
                rule=f"counts from 1 to {MIN_CELL - 1} and rates built on them are withheld",
                removed=["rates.by.officer", "data_quality.groups.example", "package.path"],
                cells=cells,
            ),
        }
    )
