"""Pure conversions from source cells to package values: text, dates, times, numbers.

Parsers return ``None`` for a value they cannot read; the caller decides what that means (the
engine writes the raw text through so that ``onrecord check`` reports the row).
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import TypeVar

from onrecord.importers.sources import Cell

_HALF_SECOND = timedelta(microseconds=500_000)
T = TypeVar("T", date, time, datetime)


def cell_text(cell: Cell) -> str:
    """The text of a cell; whole numbers lose the ``.0`` that spreadsheets give every number."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    if isinstance(cell, date | time):
        return cell.isoformat()
    return str(cell)


@lru_cache(maxsize=1 << 16)
def _strptime(text: str, fmt: str) -> datetime | None:
    """strptime is slow and sources repeat dates and times, so answers are remembered."""
    try:
        return datetime.strptime(text, fmt)
    except ValueError:
        return None


def _fromisoformat(kind: type[T], text: str) -> T | None:
    try:
        return kind.fromisoformat(text)
    except ValueError:
        return None


def parse_date(cell: Cell, fmt: str | None) -> date | None:
    """A date from a date cell, or from text in ``fmt`` (strptime) or else ISO 8601."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    if not isinstance(cell, str):
        return None
    if fmt is None:
        return _fromisoformat(date, cell)
    parsed = _strptime(cell, fmt)
    return None if parsed is None else parsed.date()


def parse_time(cell: Cell, fmt: str | None) -> time | None:
    """A time of day from a time cell, or from text in ``fmt`` (strptime) or else ISO 8601."""
    if isinstance(cell, time):
        return cell
    if isinstance(cell, datetime):
        return cell.time()
    if not isinstance(cell, str):
        return None
    if fmt is None:
        return _fromisoformat(time, cell)
    parsed = _strptime(cell, fmt)
    return None if parsed is None else parsed.time()


def parse_datetime(cell: Cell, fmt: str | None) -> datetime | None:
    """A date and time from a datetime cell, or from text in ``fmt`` or else ISO 8601 (with any
    offset it carries)."""
    if isinstance(cell, datetime):
        return cell
    if not isinstance(cell, str):
        return None
    return _fromisoformat(datetime, cell) if fmt is None else _strptime(cell, fmt)


def parse_number(cell: Cell) -> float | None:
    if isinstance(cell, bool) or not isinstance(cell, int | float | str):
        return None
    try:
        number = float(cell)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def round_to_second(moment: datetime) -> datetime:
    """Nearest second, half up: 06:59:59.999 → 07:00:00, 23:59:59.5 → 00:00:00 the next day."""
    return (moment + _HALF_SECOND).replace(microsecond=0)


def is_before(moment: datetime, other: datetime) -> bool:
    """Compare absolute times when both carry an offset, otherwise wall-clock readings."""
    if (moment.tzinfo is None) != (other.tzinfo is None):
        return moment.replace(tzinfo=None) < other.replace(tzinfo=None)
    return moment < other
