"""The demo generator's vectorised building blocks against plain-Python references."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from onrecord.demo import arrays, text
from onrecord.demo.clock import Clock, civil, day_number, weekday

NY = ZoneInfo("America/New_York")
CLOCK = Clock.for_period("America/New_York", date(2019, 1, 1), date(2021, 12, 31))
LO = int(datetime(2019, 1, 1, tzinfo=UTC).timestamp())
HI = int(datetime(2022, 1, 1, tzinfo=UTC).timestamp())


def test_civil_dates_and_weekdays_match_the_calendar() -> None:
    days = np.arange(day_number(date(1899, 12, 25)), day_number(date(2101, 1, 7)), 97)
    y, m, d = civil(days)
    for n, yy, mm, dd, wd in zip(days, y, m, d, weekday(days), strict=True):
        expected = date(1970, 1, 1) + timedelta(days=int(n))
        assert (int(yy), int(mm), int(dd)) == (expected.year, expected.month, expected.day)
        assert int(wd) == expected.weekday()


@given(st.lists(st.integers(LO, HI), min_size=1, max_size=50))
def test_local_times_are_the_zone_wall_clock(instants: list[int]) -> None:
    got = text.local_times(CLOCK.to_local(np.array(instants))).to_pylist()
    want = [datetime.fromtimestamp(t, NY).strftime("%Y-%m-%dT%H:%M:%S") for t in instants]
    assert got == want


@given(st.lists(st.integers(LO, HI), min_size=1, max_size=50))
def test_wall_times_read_as_the_contract_reads_them(seeds: list[int]) -> None:
    """First occurrence for a repeated time, moved forward for a skipped one (fold=0)."""
    naive = [datetime(1970, 1, 1) + timedelta(seconds=s) for s in seeds]
    local = np.array(seeds, dtype=np.int64)
    want = [int(t.replace(tzinfo=NY).timestamp()) for t in naive]
    assert CLOCK.to_instant(local).tolist() == want


def test_the_skipped_and_repeated_hours() -> None:
    skipped = day_number(date(2020, 3, 8)) * 86_400 + 2 * 3_600 + 1_800  # 02:30 does not exist
    repeated = day_number(date(2020, 11, 1)) * 86_400 + 3_600 + 1_800  # 01:30 occurs twice
    got = CLOCK.to_instant(np.array([skipped, repeated]))
    assert datetime.fromtimestamp(int(got[0]), NY).isoformat() == "2020-03-08T03:30:00-04:00"
    assert datetime.fromtimestamp(int(got[1]), NY).isoformat() == "2020-11-01T01:30:00-04:00"


def test_fold_safe_end_keeps_intervals_forwards_on_the_wall_clock() -> None:
    change = int(datetime(2020, 11, 1, 6, 0, tzinfo=UTC).timestamp())  # 02:00 EDT -> 01:00 EST
    start = np.array([change - 600, change - 600, change + 60])
    end = np.array([change + 300, change + 3_600, change + 120])
    fixed = CLOCK.fold_safe_end(start, end)
    assert fixed.tolist() == [change - 1, change + 3_600, change + 120]
    assert (CLOCK.to_local(fixed) >= CLOCK.to_local(start)).all()


def test_ids_dates_digests_and_vocabularies() -> None:
    assert text.ids("S", np.array([1, 42]), 5).to_pylist() == ["S00001", "S00042"]
    assert text.dates(np.array([day_number(date(2020, 2, 29))])).to_pylist() == ["2020-02-29"]
    raw = np.arange(64, dtype=np.uint8).reshape(2, 32)
    assert text.hex_digests(raw).to_pylist() == [bytes(r).hex() for r in raw]
    assert text.pick(["a", "b"], np.array([1, -1, 0])).to_pylist() == ["b", None, "a"]


keys_and_values = st.lists(st.tuples(st.integers(0, 4), st.integers(-50, 50)), max_size=40).map(
    sorted
)


@given(keys_and_values)
def test_segment_helpers_match_loops(rows: list[tuple[int, int]]) -> None:
    keys = np.array([k for k, _ in rows], dtype=np.int64)
    values = np.array([v for _, v in rows], dtype=np.int64)
    rank, run_max, prev_max, before = [], [], [], []
    for i, (k, v) in enumerate(rows):
        same = [w for kk, w in rows[:i] if kk == k]
        rank.append(len(same))
        run_max.append(max([*same, v]))
        prev_max.append(max(same) if same else -999)
        before.append(sum(same))
    assert arrays.rank_in_segment(keys).tolist() == rank
    assert arrays.running_max(values, keys).tolist() == run_max
    assert arrays.previous_max(values, keys, empty=-999).tolist() == prev_max
    assert arrays.exclusive_cumsum(values, keys).tolist() == before


@given(st.integers(0, 10_000), st.lists(st.floats(0.01, 10), min_size=1, max_size=12))
def test_apportion_sums_exactly(total: int, weights: list[float]) -> None:
    parts = arrays.apportion(total, np.array(weights))
    assert parts.sum() == total
    share = np.array(weights) / sum(weights) * total
    assert (np.abs(parts - share) < 1).all()
