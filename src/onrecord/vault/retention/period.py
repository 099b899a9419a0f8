"""A retention period ("90 days", "1 year", "18 months", "indefinitely") and how it is counted.

Retention counts on the calendar of the schedule's time zone, the way statutes count time, not
in hours: the day the footage ended is not counted and the last day of the period is kept whole
(Minnesota Statutes section 645.15: "exclude the first and include the last day"). So footage
that ended at any time on 31 January 2026 and is kept 90 days is kept through 1 May 2026 and
becomes eligible at the first instant of 2 May in that zone. Months and years end on the day of
the same number ("corresponding date"); when the closing month has no such day, on its last day:
31 January plus one month is 28 February (29 in a leap year), 29 February 2028 plus one year is
28 February 2029. Daylight saving time does not enter: days are counted, not hours.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Unit = Literal["day", "month", "year"]
INDEFINITELY = "indefinitely"
MAX_YEARS = 100
"""A period longer than this is written ``indefinitely``: it keeps the arithmetic far from the
calendar's end (year 9999) and a typing slip (9000 days for 90) from passing unnoticed."""
_LIMIT: dict[Unit, int] = {"day": MAX_YEARS * 366, "month": MAX_YEARS * 12, "year": MAX_YEARS}
_FORM = re.compile(r"(\d+) +(day|month|year)s?", re.IGNORECASE)
EXPECTED = 'a period such as "90 days", "18 months", "1 year", or "indefinitely"'


@dataclass(frozen=True)
class Period:
    """``amount`` units, or indefinitely (``amount`` and ``unit`` None)."""

    amount: int | None
    unit: Unit | None

    @classmethod
    def parse(cls, value: object) -> Period:
        """Read a period as a schedule writes it; ``ValueError`` says what is expected."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError(f"{EXPECTED}; a number alone has no unit (write {value} days?)")
        if not isinstance(value, str):
            raise ValueError(EXPECTED)
        text = " ".join(value.split())
        if text.lower() == INDEFINITELY:
            return cls(None, None)
        match = _FORM.fullmatch(text)
        if match is None:
            raise ValueError(EXPECTED)
        amount, unit = int(match[1]), match[2].lower()
        assert unit in _LIMIT
        if not 1 <= amount <= _LIMIT[unit]:
            raise ValueError(
                f"a period of 1 {unit} to {_LIMIT[unit]:,} {unit}s "
                f"(longer than {MAX_YEARS} years is written {INDEFINITELY})"
            )
        return cls(amount, unit)

    @property
    def indefinite(self) -> bool:
        return self.amount is None

    def __str__(self) -> str:
        if self.amount is None or self.unit is None:
            return INDEFINITELY
        return f"{self.amount} {self.unit}{'' if self.amount == 1 else 's'}"

    def last_day(self, ended: date) -> date | None:
        """The last day kept for footage that ended on ``ended`` (a local date); None when
        indefinite."""
        if self.amount is None:
            return None
        if self.unit == "day":
            return ended + timedelta(days=self.amount)
        months = self.amount * (12 if self.unit == "year" else 1)
        year, month0 = divmod(ended.year * 12 + ended.month - 1 + months, 12)
        month = month0 + 1
        return date(year, month, min(ended.day, calendar.monthrange(year, month)[1]))

    def day_bounds(self) -> tuple[int, int] | None:
        """The fewest and most days the period can span, whatever the start (None if
        indefinite): what a schedule check needs to tell that one period never outlasts
        another."""
        if self.amount is None:
            return None
        if self.unit == "day":
            return self.amount, self.amount
        months = self.amount * (12 if self.unit == "year" else 1)
        # loose but sound: a month spans 28 to 31 days and twelve of them 365 or 366, less up
        # to three days when the start's day number is clamped to a shorter month's last day
        years, rest = divmod(months, 12)
        return years * 365 + rest * 28 - 3, years * 366 + rest * 31


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    """The calendar date of an aware instant in ``zone``."""
    if instant.tzinfo is None:
        raise ValueError(f"{instant.isoformat()} has no time zone; give an aware instant")
    return instant.astimezone(zone).date()


def first_instant_after(day: date, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) from which the date in ``zone`` is later than ``day`` for good.

    Usually local midnight. Where a zone's clocks skip midnight, the instant the next day starts;
    where they go back across midnight, the second midnight, after the repeated hour: both are
    the later of the two readings of a local time (``fold`` 0 and 1)."""
    midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return max(midnight.astimezone(UTC), midnight.replace(fold=1).astimezone(UTC))
