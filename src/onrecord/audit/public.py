"""The public edition of a summary: aggregates only, small cells suppressed.

Oversight bodies publish these numbers, so no officer or encounter may be identifiable: the
per-officer breakdown is removed, and every count from 1 to 4 (and any rate built on such a
count) is replaced by ``null`` and listed as suppressed, with the complementary cells that keep
it from being worked out by subtraction from the cells published (``audit.suppression``). The
editions of one package under two policies are made together (:func:`public_summaries`): the
comparison publishes both, and their differences must not give a withheld count away either.

The data-quality counts are published whole, without their examples: they count rows of the
department's files with a kind of problem, not people or encounters of a kind, and the rows
excluded per table and code (which readers need to weigh the figures) would give them away.
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
from onrecord.audit.suppression import COMPLIANCE, MIN_CELL, Cell, small, withheld_cells
from onrecord.output import Rate

__all__ = ["MIN_CELL", "public_summaries", "public_summary"]

# the counts each rate publishes (its numerator and denominator)
RATE_CELLS = {
    "equipment_rate": ("equipment_equipped", "required_shifts"),
    "whole_shift_rate": ("recorded_shifts", "required_shifts"),
    "compliance_rate": (COMPLIANCE, "required_encounters"),
}
WITHHELD = Rate(numerator=None, denominator=None, rate=None)

M = TypeVar("M", bound=Measures)


def _suppress_row(row: M, withheld: set[str]) -> tuple[M, int]:
    """``row`` with the counts named in ``withheld`` and the rates that publish one withheld
    (and, should a measure be added without its equations, any small count and rate on one);
    and how many values that is."""
    hidden: dict[str, Any] = {}
    for name in row.model_fields_set:
        value = getattr(row, name)
        if isinstance(value, Rate):
            if (
                small(value.numerator)
                or small(value.denominator)
                or any(c in withheld for c in RATE_CELLS.get(name, ()))
            ):
                hidden[name] = WITHHELD
        elif name in withheld or small(value):
            hidden[name] = None
    return (row.model_copy(update=hidden) if hidden else row), len(hidden)


def public_summary(summary: AuditSummary) -> AuditSummary:
    """``summary`` fit for publication."""
    return public_summaries(summary)[0]


def public_summaries(*summaries: AuditSummary) -> list[AuditSummary]:
    """The public editions of ``summaries``, the same package audited under each policy,
    suppressed together: no count withheld from one can be worked out from the cells published
    in any of them."""
    withheld = withheld_cells(summaries)
    return [_edition(s, e, withheld) for e, s in enumerate(summaries)]


def _edition(summary: AuditSummary, edition: int, withheld: set[Cell]) -> AuditSummary:
    """``summary`` (edition ``edition`` of ``withheld``) fit for publication."""
    by_row: dict[tuple[str, int], set[str]] = {}
    for e, dim, i, measure in withheld:
        if e == edition:
            by_row.setdefault((dim, i), set()).add(measure)
    overall, cells = _suppress_row(summary.rates.overall, by_row.get(("", 0), set()))
    by: dict[str, Any] = {}
    for dim in Breakdowns.model_fields:
        if dim == "officer" or dim not in summary.rates.by.model_fields_set:
            continue
        by[dim] = []
        for i, row in enumerate(getattr(summary.rates.by, dim)):
            public_row, hidden = _suppress_row(row, by_row.get((dim, i), set()))
            by[dim].append(public_row)
            cells += hidden
    known = summary.package  # without its path: a folder on the machine that ran the audit
    package = AuditedPackage(name=known.name, timezone=known.timezone, period=known.period)
    origin = summary.policy.origin.rsplit("/", 1)[-1]  # a policy file by its name only
    return summary.model_copy(
        update={
            "package": package,
            "policy": summary.policy.model_copy(update={"origin": origin}),
            "data_quality": summary.data_quality.without_examples(),
            "rates": Rates(overall=overall, by=Breakdowns.model_validate(by)),
            "public": True,
            "suppression": Suppression(
                rule=(
                    f"counts from 1 to {MIN_CELL - 1} and rates built on them are withheld, "
                    "with other cells chosen so that none can be worked out from the published "
                    "totals, breakdowns and the other policy's edition"
                ),
                removed=["rates.by.officer", "data_quality.groups.example", "package.path"],
                cells=cells,
            ),
        }
    )
