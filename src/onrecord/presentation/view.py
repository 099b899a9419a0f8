"""The shapes the template draws: tables of cells, charts, headline figures, policies.

Sections build these from a summary; the template only lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup

from onrecord.output import Rate
from onrecord.policy import PolicyDocument
from onrecord.presentation import cells, charts
from onrecord.presentation.cells import Cell


@dataclass(frozen=True)
class Table:
    """A table of cells; the template aligns a column by its first row's cells. ``groups``, when
    given, head spans of columns (the first spans the row headings)."""

    columns: list[str]
    rows: list[list[Cell]]
    caption: str = ""
    sortable: bool = False
    groups: list[tuple[str, int]] = field(default_factory=list)  # headings over column spans
    layout: str = ""  # "fixed": equal text columns, for tables of long words

    @property
    def notes(self) -> list[str]:
        return cells.notes([c for row in self.rows for c in row])

    @property
    def numeric(self) -> list[bool]:
        return [c.numeric for c in self.rows[0]] if self.rows else []


@dataclass(frozen=True)
class Chart:
    """An inline SVG chart with the caption printed under it."""

    title: str
    svg: Markup


@dataclass(frozen=True)
class Metric:
    """A headline figure: the rate and, in words, what it is a share of."""

    key: str
    label: str
    value: Cell
    numerator: Cell
    denominator: Cell
    of_what: str
    explain: str


@dataclass(frozen=True)
class PolicyView:
    id: str
    title: str
    origin: str
    source: list[str]
    text: str


def rate_bar(r: Rate | None, series: int = 0) -> charts.Bar:
    """A rate as a bar; an empty or suppressed rate draws none but says why, so that a missing
    bar is never read as 0%."""
    cell = cells.rate(r)
    text = {
        cells.State.VALUE: cell.text,
        cells.State.EMPTY: "— (none required)",
        cells.State.SUPPRESSED: "suppressed",
    }[cell.state]
    value = r.rate if r is not None and cell.state is cells.State.VALUE else None
    return charts.Bar(value, text, series)


def policy_view(policy: PolicyDocument) -> PolicyView:
    """The policy as printed: its sources re-flowed into paragraphs, its text verbatim."""
    paragraphs = [p.strip() for p in policy.source.split("\n\n") if p.strip()]
    return PolicyView(
        id=policy.id,
        title=policy.title,
        origin=policy.origin,
        source=[" ".join(p.split()) for p in paragraphs],
        text=policy.text,
    )
