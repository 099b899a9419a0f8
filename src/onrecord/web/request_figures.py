"""The records-request figures of the public dashboard as a table: one row a month, the counts
and median days the release part computes and suppresses (``onrecord.release.figures``), printed
as the audit's tables print theirs (a withheld count reads "withheld")."""

from __future__ import annotations

from onrecord.presentation import cells
from onrecord.presentation.cells import Cell, State
from onrecord.presentation.view import Table
from onrecord.release.figures import MonthlyFigures

NO_RELEASE = "—"
"""The median of a month in which no request was released: there is nothing to measure."""


def _median(days: float | None, released: int | None) -> Cell:
    if days is not None:
        return Cell(f"{days:g}", days)
    if released is None:
        return Cell("withheld", -1, State.SUPPRESSED)
    return Cell(NO_RELEASE, -1)


def table(figures: MonthlyFigures) -> Table:
    """Received, released, denied (in all and by the exemption cited) and the median days from
    receipt to release, by month, oldest first."""
    codes = [r.code for r in figures.reasons]
    rows = []
    for m in figures.months:
        by_code = {r.code: r.count for r in m.denied_by_reason}
        rows.append(
            [
                cells.text(m.month),
                cells.count(m.received),
                cells.count(m.released),
                cells.count(m.denied),
                *(cells.count(by_code[code]) for code in codes),
                _median(m.median_days_to_release, m.released),
            ]
        )
    reasons = [f"denied: {r.code}" for r in figures.reasons]
    return Table(
        columns=["Month", "Received", "Released", "Denied", *reasons, "Median days to release"],
        rows=rows,
        caption=(
            "Requests for body-camera footage, each counted in the month it was received, "
            "released or denied; the median is of the calendar days from receipt to release of "
            f"the requests released in the month ({NO_RELEASE} when none was)."
        ),
    )
