"""The monthly figures councils ask for, for the public dashboard: requests received, released,
denied (in all and by the exemption cited) and the median days from receipt to release.

Each request counts once in each figure it belongs to, in the month of the date that made it so:
received in the month of ``received_on``, released or denied in the month of its outcome, and the
median is over the requests released in the month, of the calendar days from receipt to release.
Every month from the first to the last with a request is listed, zeros included.

Small counts are withheld as the audit's public editions withhold them
(``onrecord.audit.suppression.small``: counts from 1 to 4; zeros are published). A month's
denials by reason add up to its denials, so one withheld reason could be worked out by
subtraction; as statistical agencies do, more cells are withheld with it (the smallest other
reasons, else the month's total) until each withheld count can take more than one value given
everything published, each withheld count being at least 1 since zeros are shown. The median of
a month whose released count is withheld is withheld too (the median of one request is that
request). No figure adds months together, so no other sum can give a withheld count away; a page
that adds a year's total must withhold by the same rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from statistics import median

from pydantic import BaseModel, ConfigDict

from onrecord.audit.suppression import MIN_CELL, small


@dataclass(frozen=True)
class Outcome:
    """What the figures need of one request."""

    received_on: date
    released_on: date | None = None
    denied_on: date | None = None
    exemption: str | None = None


class Figure(BaseModel):
    model_config = ConfigDict(frozen=True)


class ReasonCount(Figure):
    """A month's denials citing one exemption (None: withheld)."""

    code: str
    count: int | None


class Month(Figure):
    """One month's figures; a None count is withheld (see ``MonthlyFigures.suppression``)."""

    month: str
    """``YYYY-MM``."""
    received: int | None
    released: int | None
    denied: int | None
    denied_by_reason: list[ReasonCount]
    median_days_to_release: float | None
    """None when no request was released in the month, or the released count is withheld."""


class Reason(Figure):
    code: str
    title: str


class MonthlyFigures(Figure):
    months: list[Month]
    reasons: list[Reason]
    """Every exemption cited in any month, in the order of ``denied_by_reason``."""
    suppression: str
    withheld: int
    """How many counts and medians are withheld."""


SUPPRESSION = (
    f"counts from 1 to {MIN_CELL - 1} are withheld, with other counts of the same month's "
    "denials chosen so that none can be worked out from the month's total; the median days to "
    "release of a month whose released count is withheld is withheld too"
)


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _months(first: date, last: date) -> list[str]:
    out, (y, m) = [], (first.year, first.month)
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def withheld_denials(total: int, by_reason: Sequence[int]) -> tuple[bool, set[int]]:
    """Whether to withhold a month's total of denials, and which reasons' counts (by index),
    so that no withheld count is determined by the total and the counts published."""
    if small(total):
        return True, {i for i, n in enumerate(by_reason) if n > 0}
    held = {i for i, n in enumerate(by_reason) if small(n)}
    while held:
        rest = total - sum(n for i, n in enumerate(by_reason) if i not in held)
        # Each withheld count is at least 1 and the others can grow without bound, so one of
        # them ranges over [1, rest - (len(held) - 1)]: more than one value iff this holds.
        if len(held) >= 2 and rest >= len(held) + 1:
            return False, held
        published = [(n, i) for i, n in enumerate(by_reason) if i not in held and n > 0]
        if not published:
            return True, held
        held.add(min(published)[1])
    return False, held


def monthly_figures(
    outcomes: Iterable[Outcome], titles: Mapping[str, str], *, through: date | None = None
) -> MonthlyFigures:
    """The figures by month over ``outcomes`` (see the module), every month from the first
    date to the last (or to ``through``, the month the figures are made in); ``titles`` names
    each exemption code."""
    rows = list(outcomes)
    dates = [d for o in rows for d in (o.received_on, o.released_on, o.denied_on) if d is not None]
    if through is not None:
        dates.append(through)
    months = _months(min(dates), max(dates)) if rows else []
    codes = sorted({o.exemption for o in rows if o.denied_on is not None and o.exemption})
    received = {m: 0 for m in months}
    released: dict[str, list[int]] = {m: [] for m in months}
    denied = {m: [0] * len(codes) for m in months}
    for o in rows:
        received[_month(o.received_on)] += 1
        if o.released_on is not None:
            released[_month(o.released_on)].append((o.released_on - o.received_on).days)
        if o.denied_on is not None and o.exemption:
            denied[_month(o.denied_on)][codes.index(o.exemption)] += 1
    out: list[Month] = []
    hidden = 0
    for m in months:
        days, by_reason = released[m], denied[m]
        total = sum(by_reason)
        hide_total, hide_reasons = withheld_denials(total, by_reason)
        n_released = len(days)
        middle = float(median(days)) if days and not small(n_released) else None
        hidden += small(received[m]) + small(n_released) + hide_total + len(hide_reasons)
        hidden += bool(days) and middle is None
        out.append(
            Month(
                month=m,
                received=None if small(received[m]) else received[m],
                released=None if small(n_released) else n_released,
                denied=None if hide_total else total,
                denied_by_reason=[
                    ReasonCount(code=c, count=None if i in hide_reasons else by_reason[i])
                    for i, c in enumerate(codes)
                ],
                median_days_to_release=middle,
            )
        )
    reasons = [Reason(code=c, title=titles.get(c, c)) for c in codes]
    return MonthlyFigures(months=out, reasons=reasons, suppression=SUPPRESSION, withheld=hidden)
