"""Which vault items answer a request: hand-worked overlaps and filters, and the matcher held
to a plain reference on random items."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onrecord.release.errors import ReleaseError
from onrecord.release.matching import Candidate, Filters, propose

T = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def item(
    name: str, officer: str, start_min: int, end_min: int, station: str | None = None
) -> Candidate:
    how = "camera checkout" if station else None
    return Candidate(name, officer, T + timedelta(minutes=start_min),
                     T + timedelta(minutes=end_min), station, how)  # fmt: skip


ITEMS = [
    item("V-3", "1234", 0, 5, "B2"),  # 10:00-10:05
    item("V-1", "1234", 30, 40),  # 10:30-10:40, station unknown
    item("V-2", "5678", 0, 60, "D4"),  # 10:00-11:00
    item("V-4", "1234", -10, 0, "B2"),  # 09:50-10:00
]


def ids(filters: Filters) -> list[str]:
    return [p.item_id for p in propose(ITEMS, filters)]


def test_overlap_is_strict_at_both_ends() -> None:
    # 10:00 to 10:30: V-3 and V-2 overlap; V-4 ends at 10:00 and V-1 starts at 10:30: no.
    assert ids(Filters(time_from=T, time_to=T + timedelta(minutes=30))) == ["V-2", "V-3"]
    # One minute more on each side takes both in.
    assert ids(Filters(time_from=T - timedelta(minutes=1), time_to=T + timedelta(minutes=31))) == [
        "V-4", "V-2", "V-3", "V-1"]  # fmt: skip
    # An open end: everything from 10:35 on.
    assert ids(Filters(time_from=T + timedelta(minutes=35))) == ["V-2", "V-1"]


def test_officers_and_station() -> None:
    assert ids(Filters(officer_ids=("5678",))) == ["V-2"]
    # At B2: V-2 was recorded from D4; V-1's station is unknown, so it stays, marked.
    assert ids(Filters(officer_ids=("1234", "5678"), station_id="B2")) == ["V-4", "V-3", "V-1"]
    proposed = propose(ITEMS, Filters(officer_ids=("1234",), station_id="B2"))
    [p] = [p for p in proposed if p.item_id == "V-1"]
    assert p.station_id is None and p.reasons == (
        "officer 1234; station unknown (no checkout or shift places it)")  # fmt: skip
    [q] = propose(ITEMS, Filters(officer_ids=("5678",), time_to=T + timedelta(minutes=1)))
    assert q.reasons == "officer 5678; recorded within the time asked"


def test_filters_that_cannot_find_footage() -> None:
    with pytest.raises(ReleaseError, match="give the officers"):
        propose(ITEMS, Filters(station_id="B2"))
    with pytest.raises(ReleaseError, match=r"--from .* has no time zone"):
        propose(ITEMS, Filters(time_from=datetime(2026, 11, 20)))
    with pytest.raises(ReleaseError, match=r"ends .* before it starts"):
        propose(ITEMS, Filters(time_from=T, time_to=T))


def reference(cands: list[Candidate], f: Filters) -> list[str]:
    """Plainly: an item matches when it passes each filter given."""
    lo = f.time_from or datetime.min.replace(tzinfo=UTC)
    hi = f.time_to or datetime.max.replace(tzinfo=UTC)
    out = [c for c in cands
           if (not f.officer_ids or c.officer_id in f.officer_ids)
           and max(c.start, lo) < min(c.end, hi)
           and (f.station_id is None or c.station_id in (None, f.station_id))]  # fmt: skip
    return [c.item_id for c in sorted(out, key=lambda c: (c.start, c.item_id))]


minutes = st.integers(-120, 120)
candidates = st.lists(
    st.builds(
        lambda i, o, a, b, s: item(f"V-{i}", o, min(a, b), max(a, b) + 1, s),
        st.integers(0, 10**6), st.sampled_from(["1", "2", "3"]), minutes, minutes,
        st.sampled_from([None, "B2", "D4"]),
    ),
    max_size=12, unique_by=lambda c: c.item_id,
)  # fmt: skip


officers = st.lists(st.sampled_from(["1", "2", "3"]), max_size=2)


@given(candidates, officers, st.one_of(st.none(), minutes), st.integers(1, 90),
       st.sampled_from([None, "B2"]))  # fmt: skip
def test_the_matcher_is_the_plain_reference(
    cands: list[Candidate], officers: list[str], start: int | None, length: int, station: str | None
) -> None:
    time_from = None if start is None else T + timedelta(minutes=start)
    time_to = None if start is None else T + timedelta(minutes=start + length)
    if not officers and time_from is None:
        time_to = T
    f = Filters(tuple(officers), time_from, time_to, station)
    assert [p.item_id for p in propose(cands, f)] == reference(cands, f)
