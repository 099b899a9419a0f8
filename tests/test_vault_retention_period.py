"""Retention periods: how they are written, and how they are counted on the calendar."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onrecord.vault.retention.period import (
    MAX_YEARS,
    Period,
    first_instant_after,
    local_date,
)

CHICAGO = ZoneInfo("America/Chicago")
SANTIAGO = ZoneInfo("America/Santiago")  # its clocks change at midnight
ST_JOHNS = ZoneInfo("America/St_Johns")  # changed at 00:01 from 1988 to 2010


@pytest.mark.parametrize(
    ("text", "amount", "unit", "shown"),
    [
        ("90 days", 90, "day", "90 days"),
        ("1 year", 1, "year", "1 year"),
        ("18 Months", 18, "month", "18 months"),
        ("  2   years ", 2, "year", "2 years"),
        ("1 days", 1, "day", "1 day"),
        ("indefinitely", None, None, "indefinitely"),
        ("Indefinitely", None, None, "indefinitely"),
    ],
)
def test_periods_as_written(text: str, amount: int | None, unit: str | None, shown: str) -> None:
    p = Period.parse(text)
    assert (p.amount, p.unit, str(p)) == (amount, unit, shown)
    assert Period.parse(str(p)) == p


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (90, "a number alone has no unit (write 90 days?)"),
        (1.5, "a number alone has no unit"),
        ("90", 'a period such as "90 days"'),
        ("ninety days", 'a period such as "90 days"'),
        ("1 week", 'a period such as "90 days"'),
        ("-1 days", 'a period such as "90 days"'),
        ("0 days", "a period of 1 day to 36,600 days"),
        (f"{MAX_YEARS + 1} years", "(longer than 100 years is written indefinitely)"),
        ("1201 months", "a period of 1 month to 1,200 months"),
        (True, 'a period such as "90 days"'),
        (None, 'a period such as "90 days"'),
        (["90 days"], 'a period such as "90 days"'),
    ],
)
def test_what_is_not_a_period(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=None) as e:
        Period.parse(value)
    assert message in str(e.value)


@pytest.mark.parametrize(
    ("ended", "period", "last"),
    [
        # the day it ended is not counted; the 90th day after it is kept whole
        (date(2026, 1, 31), "90 days", date(2026, 5, 1)),
        (date(2026, 1, 31), "180 days", date(2026, 7, 30)),
        (date(2026, 1, 31), "1 year", date(2027, 1, 31)),
        (date(2026, 1, 31), "2 years", date(2028, 1, 31)),
        # months end on the day of the same number, else the closing month's last day
        (date(2026, 1, 31), "1 month", date(2026, 2, 28)),
        (date(2028, 1, 31), "1 month", date(2028, 2, 29)),
        (date(2026, 3, 31), "1 month", date(2026, 4, 30)),
        (date(2025, 12, 31), "2 months", date(2026, 2, 28)),
        (date(2026, 8, 31), "18 months", date(2028, 2, 29)),
        (date(2026, 1, 30), "13 months", date(2027, 2, 28)),
        # 29 February: a year later there is none, four years later there is
        (date(2028, 2, 29), "1 year", date(2029, 2, 28)),
        (date(2028, 2, 29), "12 months", date(2029, 2, 28)),
        (date(2028, 2, 29), "4 years", date(2032, 2, 29)),
        (date(2028, 2, 29), "365 days", date(2029, 2, 28)),
        (date(2028, 1, 31), "365 days", date(2029, 1, 30)),  # the year counted holds a 29 Feb
        (date(2028, 1, 31), "1 year", date(2029, 1, 31)),
        (date(2027, 2, 28), "1 year", date(2028, 2, 28)),
        (date(2026, 1, 31), "indefinitely", None),
    ],
)
def test_last_day_kept_by_hand(ended: date, period: str, last: date | None) -> None:
    assert Period.parse(period).last_day(ended) == last


def test_the_local_date_is_the_zone_s() -> None:
    # 23:30 in Chicago on 31 January is already 1 February in UTC
    ended = datetime(2026, 2, 1, 5, 30, tzinfo=UTC)
    assert local_date(ended, CHICAGO) == date(2026, 1, 31)
    assert local_date(ended, ZoneInfo("UTC")) == date(2026, 2, 1)
    with pytest.raises(ValueError, match="has no time zone"):
        local_date(datetime(2026, 2, 1), CHICAGO)


@pytest.mark.parametrize(
    ("day", "zone", "first"),
    [
        (date(2026, 5, 1), CHICAGO, datetime(2026, 5, 2, 5, tzinfo=UTC)),  # daylight time, -5
        (date(2027, 1, 31), CHICAGO, datetime(2027, 2, 1, 6, tzinfo=UTC)),  # standard, -6
        (date(2026, 3, 7), CHICAGO, datetime(2026, 3, 8, 6, tzinfo=UTC)),  # the night before 2 am
        # Santiago skips from 00:00 to 01:00 on 8 September 2024: the day starts at 04:00 UTC
        (date(2024, 9, 7), SANTIAGO, datetime(2024, 9, 8, 4, tzinfo=UTC)),
        # ... and goes back from 00:00 to 23:00 on 7 April 2024: 6 April ends the second time
        (date(2024, 4, 6), SANTIAGO, datetime(2024, 4, 7, 4, tzinfo=UTC)),
        # St John's went back from 00:01 to 23:01 on 29 October 2006: 28 October came back for
        # an hour after its first midnight (02:30 UTC) and ended for good at the second
        (date(2006, 10, 28), ST_JOHNS, datetime(2006, 10, 29, 3, 30, tzinfo=UTC)),
    ],
)
def test_first_instant_after_by_hand(day: date, zone: ZoneInfo, first: datetime) -> None:
    assert first_instant_after(day, zone) == first


ZONES = st.sampled_from(
    [
        "America/Chicago",
        "America/New_York",
        "America/Santiago",
        "America/Havana",
        "America/St_Johns",
        "Australia/Lord_Howe",  # half-hour changes
        "Pacific/Apia",  # skipped 30 December 2011 entirely
        "UTC",
    ]
)


@given(day=st.dates(date(1985, 1, 1), date(2040, 12, 31)), zone_name=ZONES)
def test_first_instant_after_is_tight_and_for_good(day: date, zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    first = first_instant_after(day, zone)
    assert local_date(first - timedelta(microseconds=1), zone) <= day
    for quarter in range(0, 30 * 4):  # the next thirty hours, every quarter hour
        assert local_date(first + timedelta(minutes=15 * quarter), zone) > day


def _months_later(start: date, months: int) -> date:
    """Plain reference: walk month by month, keeping the starting day number where it fits."""
    year, month = start.year, start.month
    for _ in range(months):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


PERIODS = st.one_of(
    st.builds(lambda n: f"{n} days", st.integers(1, 3000)),
    st.builds(lambda n: f"{n} months", st.integers(1, 240)),
    st.builds(lambda n: f"{n} years", st.integers(1, 20)),
)


@given(start=st.dates(date(1990, 1, 1), date(2060, 12, 31)), text=PERIODS)
def test_last_day_matches_the_plain_reference_and_its_bounds(start: date, text: str) -> None:
    p = Period.parse(text)
    assert p.amount is not None
    last = p.last_day(start)
    assert last is not None
    if p.unit == "day":
        assert last == start + timedelta(days=p.amount)
    else:
        assert last == _months_later(start, p.amount * (12 if p.unit == "year" else 1))
    bounds = p.day_bounds()
    assert bounds is not None
    assert bounds[0] <= (last - start).days <= bounds[1]
