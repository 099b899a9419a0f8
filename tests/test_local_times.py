"""Local ISO text for output files: the CASE on the instant must equal a real time-zone conversion
at every instant, daylight-saving changes and fractions of a second included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hypothesis_scale import scaled
from onrecord.package import timezones
from onrecord.package.timezones import local_iso_sql, local_months

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LO, HI = datetime(2019, 1, 1, tzinfo=UTC), datetime(2021, 12, 31, tzinfo=UTC)
SPAN_US = (HI - LO) // timedelta(microseconds=1)
# the instants either side of New York's changes in 2019 (2019-03-10 07:00Z, 2019-11-03 06:00Z)
EDGES = [datetime(2019, 3, 10, 7, tzinfo=UTC), datetime(2019, 11, 3, 6, tzinfo=UTC)]


def python_iso(us: int, zone: str) -> str:
    t = (EPOCH + timedelta(microseconds=us)).astimezone(ZoneInfo(zone))
    return t.isoformat(timespec="microseconds" if t.microsecond else "seconds")


def sql_iso(values: list[int], zone: str) -> list[str]:
    return [
        r[0]
        for r in duckdb.execute(
            f"SELECT {local_iso_sql('us', zone, 2019, 2021)} FROM unnest(?) AS t(us)", [values]
        ).fetchall()
    ]


def test_either_side_of_the_changes() -> None:
    edges = [(e - EPOCH) // timedelta(microseconds=1) for e in EDGES]
    values = [u + d for u in edges for d in (-1, 0, 1)]
    assert sql_iso(values, "America/New_York") == [
        "2019-03-10T01:59:59.999999-05:00",
        "2019-03-10T03:00:00-04:00",
        "2019-03-10T03:00:00.000001-04:00",
        "2019-11-03T01:59:59.999999-04:00",
        "2019-11-03T01:00:00-05:00",
        "2019-11-03T01:00:00.000001-05:00",
    ]


@scaled(2, deadline=None)  # cheap examples
@given(
    st.sampled_from(["America/New_York", "America/Chicago", "Asia/Kolkata", "UTC"]),
    st.lists(st.integers(0, SPAN_US), min_size=1, max_size=40),
    st.booleans(),
)
def test_equals_a_time_zone_conversion(zone: str, offsets: list[int], whole: bool) -> None:
    base = (LO - EPOCH) // timedelta(microseconds=1)
    values = [base + (o - o % 1_000_000 if whole else o) for o in offsets]
    assert sql_iso(values, zone) == [python_iso(v, zone) for v in values]


@settings(deadline=None)
@given(
    st.sampled_from(["America/New_York", "Pacific/Auckland", "UTC"]),
    st.lists(st.integers(0, SPAN_US), min_size=1, max_size=40),
)
def test_local_month_equals_a_time_zone_conversion(zone: str, offsets: list[int]) -> None:
    base = (LO - EPOCH) // timedelta(microseconds=1)
    values = [base + o for o in offsets]
    got = local_months(np.array(values, np.int64), zone, 2019, 2021).to_pylist()
    assert got == [python_iso(v, zone)[:7] for v in values]


def test_local_month_at_midnight_of_a_new_month_and_either_side_of_the_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """2019-08-31T23:30-04:00 is in August locally though it is September in UTC; the last
    minute of October (EDT) and of November (EST, after the change) likewise; and before 1970."""
    instants = [
        datetime(2019, 9, 1, 3, 30),
        datetime(2019, 11, 1, 3, 59),
        datetime(2019, 11, 1, 4),
        datetime(2019, 12, 1, 4, 59),
        datetime(2019, 12, 1, 5),
        datetime(1969, 12, 31, 23),
    ]
    us = [(t.replace(tzinfo=UTC) - EPOCH) // timedelta(microseconds=1) for t in instants]
    expected = ["2019-08", "2019-10", "2019-11", "2019-11", "2019-12", "1969-12"]
    got = local_months(np.array(us, np.int64), "America/New_York", 1969, 2019)
    assert got.to_pylist() == expected
    monkeypatch.setattr(timezones, "MONTH_CHUNK", 4)  # steps of four give the same months
    got = local_months(np.array(us, np.int64), "America/New_York", 1969, 2019)
    assert got.to_pylist() == expected
    assert local_months(np.array([], np.int64), "UTC", 2019, 2019).to_pylist() == []
