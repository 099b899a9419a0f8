"""Numbers as the report prints them: one formatting rule for every table, figure and chart.

A council reads "—" and "withheld" differently from 0%, so every value knows whether it is a
number, empty (a zero denominator: nothing to measure) or suppressed (withheld from the public
edition), and each state has its own text and footnote.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from onrecord.output import Rate

EMPTY_NOTE = (
    "— means there is nothing to measure (no required shifts or encounters in that row), "
    "not 0% or 100%."
)
SUPPRESSED_NOTE = (
    "withheld marks a count the public edition does not publish: a count from 1 to 4, or another "
    "count withheld with it so that it cannot be worked out by subtraction; a rate built on a "
    "withheld count is shown as suppressed."
)


class State(StrEnum):
    VALUE = "value"
    EMPTY = "empty"
    SUPPRESSED = "suppressed"


@dataclass(frozen=True)
class Cell:
    """A printed value, with what a sorting script should order it by."""

    text: str
    sort: float | str
    state: State = State.VALUE
    numeric: bool = True


def count(value: int | None) -> Cell:
    """A count; ``None`` only comes from suppression (rates.py writes 0, never null). It reads
    "withheld", never "<5": a count withheld with a small one (to stop subtraction) is not
    small, and saying which ones are would point at the small ones."""
    if value is None:
        return Cell("withheld", -1, State.SUPPRESSED)
    return Cell(f"{value:,}", value)


def hours(value: float | None) -> Cell:
    """Hours to the nearest hour: minutes would suggest a precision the inputs do not have.
    ``None`` is a sum over no shifts (hours are never suppressed), so it prints as 0."""
    value = value or 0.0
    return Cell(f"{value:,.0f}", value)


def percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def share_of(ratio: float) -> str:
    """A policy threshold as written: 0.9 is "90%", not the "90.0%" of a measured rate."""
    return f"{ratio * 100:g}%"


def rate(r: Rate | Mapping[str, Any] | None) -> Cell:
    """A rate (or its ``{"numerator", "denominator", "rate"}`` in summary.json) as a percentage,
    "—" (nothing to measure) or "suppressed" (``None`` too)."""
    if r is not None and not isinstance(r, Rate):
        r = Rate.model_validate(r)
    if r is None or r.denominator is None:
        return Cell("suppressed", -1, State.SUPPRESSED)
    if r.rate is None:
        return Cell("—", -1, State.EMPTY)
    return Cell(percent(r.rate), r.rate)


def share(numerator: int | None, denominator: int | None) -> Cell:
    """A share the summary does not carry as a rate (an outcome among required encounters)."""
    if numerator is None or denominator is None:
        return rate(None)
    return rate(
        Rate(
            numerator=numerator,
            denominator=denominator,
            rate=numerator / denominator if denominator else None,
        )
    )


def text(value: str) -> Cell:
    return Cell(value, value.lower(), numeric=False)


def label(key: Any) -> str:
    """A breakdown key as a person reads it: ``paid_detail`` is "paid detail"."""
    if key is None or key == "":
        return "(not given)"
    return str(key).replace("_", " ")


def notes(cells: list[Cell]) -> list[str]:
    """The footnotes the cells need: one per non-numeric state present."""
    states = {c.state for c in cells}
    out = []
    if State.EMPTY in states:
        out.append(EMPTY_NOTE)
    if State.SUPPRESSED in states:
        out.append(SUPPRESSED_NOTE)
    return out
