"""The disposition decision: hand-worked cases for each built-in, longest wins, holds and open
cases, and properties (monotone in time; holds and categories never release anything)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onrecord.vault.retention import (
    Hold,
    ItemFacts,
    Schedule,
    decide,
    load_schedule,
    parse_schedule,
    plan_disposition,
)

MINNESOTA = load_schedule("minnesota-13.825")
OHIO = load_schedule("ohio-highway-patrol-760-0826")
CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def item(end: datetime, categories: tuple[str, ...] = (), cases: tuple[str, ...] = ()) -> ItemFacts:
    return ItemFacts("V-1", end, categories, cases)


# 2 pm in Chicago on 31 January 2026 (20:00 UTC)
JAN31 = datetime(2026, 1, 31, 14, 0, tzinfo=CHICAGO)


def test_minnesota_firearm_discharge_is_kept_a_year() -> None:
    clip = item(JAN31, ("firearm_discharge",))
    kept = decide(clip, MINNESOTA, [], set(), utc(2027, 2, 1, 5, 59, 59))
    # the day it ended is not counted: kept through 31 January 2027, gone from 1 February, 00:00
    # in Chicago (06:00 UTC, standard time)
    assert (kept.retain_until, kept.due_from) == (date(2027, 1, 31), utc(2027, 2, 1, 6))
    assert (kept.due, kept.eligible) == (False, False)
    assert kept.basis == "the rule for firearm_discharge, 1 year (subd. 3(b)(1)(i))"
    assert kept.reasons == (
        "kept until 2027-01-31 (America/Chicago) by the rule for firearm_discharge, 1 year "
        "(subd. 3(b)(1)(i))",
        "not eligible",
    )
    gone = decide(clip, MINNESOTA, [], set(), utc(2027, 2, 1, 6))
    assert (gone.due, gone.eligible) == (True, True)
    assert gone.reasons == (
        "past its retention: kept until 2027-01-31 (America/Chicago) by the rule for "
        "firearm_discharge, 1 year (subd. 3(b)(1)(i))",
        "eligible for disposition",
    )


def test_minnesota_routine_footage_is_kept_90_days() -> None:
    d = decide(item(JAN31), MINNESOTA, [], set(), utc(2026, 5, 2, 5))
    # 90 days after 31 January is 1 May; 2 May starts at 05:00 UTC (daylight time)
    assert (d.retain_until, d.due_from, d.eligible) == (date(2026, 5, 1), utc(2026, 5, 2, 5), True)
    assert d.basis == "the default period, 90 days (subd. 3(a))"


def test_the_day_is_the_department_s_not_utc_s() -> None:
    # 23:30 in Chicago on 31 January is 05:30 UTC on 1 February: still a January recording
    late = datetime(2026, 1, 31, 23, 30, tzinfo=CHICAGO)
    assert late.astimezone(UTC).date() == date(2026, 2, 1)
    assert decide(item(late), MINNESOTA, [], set(), late).retain_until == date(2026, 5, 1)


def test_a_leap_day_recording_is_kept_to_28_february() -> None:
    leap = datetime(2028, 2, 29, 9, 0, tzinfo=CHICAGO)
    d = decide(item(leap, ("formal_complaint",)), MINNESOTA, [], set(), leap)
    assert (d.retain_until, d.due_from) == (date(2029, 2, 28), utc(2029, 3, 1, 6))


def test_minnesota_evidence_waits_for_its_case() -> None:
    evidence = item(JAN31, ("evidence",), ("24-000123",))
    later = utc(2030, 1, 1)
    open_ = decide(evidence, MINNESOTA, [], {"24-000123"}, later)
    assert (open_.retain_until, open_.due_from, open_.due, open_.eligible) == (
        None,
        None,
        False,
        False,
    )
    assert open_.open_cases == ("24-000123",)
    assert open_.reasons == (
        "kept until proceedings end by the rule for evidence, criminal_investigation, until "
        "proceedings end (subd. 3(d); outside subd. 3(a)): a case it names is open",
        "case 24-000123 is open",
        "not eligible",
    )
    closed = decide(evidence, MINNESOTA, [], set(), later)
    assert (closed.retain_until, closed.eligible) == (date(2026, 5, 1), True)
    assert closed.reasons[0] == "proceedings have ended: none of its cases (24-000123) is open"


def test_evidence_that_names_no_case_is_kept_indefinitely() -> None:
    d = decide(item(JAN31, ("Evidence",)), MINNESOTA, [], set(), utc(2099, 1, 1))
    assert (d.retain_until, d.eligible) == (None, False)
    assert d.reasons[0].endswith("it names no case; link the case whose end will release it")


def test_ohio_routine_footage_is_kept_180_days() -> None:
    end = datetime(2026, 1, 31, 14, 0, tzinfo=NEW_YORK)
    d = decide(item(end), OHIO, [], set(), end)
    # 31 January + 180 days = 30 July; 31 July starts at 04:00 UTC (daylight time, -4)
    assert (d.retain_until, d.due_from) == (date(2026, 7, 30), utc(2026, 7, 31, 4))


def test_ohio_evidence_two_years_or_until_proceedings_end_whichever_is_longer() -> None:
    end = datetime(2026, 1, 31, 14, 0, tzinfo=NEW_YORK)
    evidence = item(end, ("evidence",), ("CR-7",))
    # proceedings over early: the two years still run (to 31 January 2028)
    early = decide(evidence, OHIO, [], set(), utc(2027, 6, 1))
    assert (early.retain_until, early.due, early.eligible) == (date(2028, 1, 31), False, False)
    assert early.basis == (
        "the rule for evidence, 2 years or until proceedings end, whichever is longer "
        "(record description, category 2)"
    )
    # proceedings still open after the two years: kept
    late = decide(evidence, OHIO, [], {"CR-7"}, utc(2029, 6, 1))
    assert (late.retain_until, late.eligible) == (None, False)
    # and once they end, it may go
    assert decide(evidence, OHIO, [], set(), utc(2029, 6, 1)).eligible


def test_ohio_major_incident_keeps_the_default_floor() -> None:
    end = datetime(2026, 1, 31, 14, 0, tzinfo=NEW_YORK)
    d = decide(item(end, ("Major Incident",), ("CV-1",)), OHIO, [], set(), utc(2026, 3, 1))
    assert (d.retain_until, d.eligible) == (date(2026, 7, 30), False)


SCHEDULE = """\
name: test
title: Test
jurisdiction: Test
time_zone: America/Chicago
source: {citation: test, url: "https://example.org", version: "1"}
default: {period: 90 days, citation: d}
rules:
  - {categories: [a], period: 6 months, citation: ra}
  - {categories: [b], period: 200 days, citation: rb}
  - {categories: [c], period: 12 months, citation: rc}
  - {categories: [d], period: 1 year, citation: rd}
  - {categories: [e], period: indefinitely, citation: re}
"""
TEST = parse_schedule(SCHEDULE)


@pytest.mark.parametrize(
    ("categories", "until", "basis"),
    [
        ((), date(2026, 5, 1), "the default period, 90 days (d)"),
        (("a",), date(2026, 7, 31), "the rule for a, 6 months (ra)"),
        # 200 days from 31 January is 19 August, later than 31 July
        (("a", "b"), date(2026, 8, 19), "the rule for b, 200 days (rb)"),
        (("b", "a"), date(2026, 8, 19), "the rule for b, 200 days (rb)"),
        # 12 months and 1 year end the same day: the first rule in the file names it
        (("d", "c"), date(2027, 1, 31), "the rule for c, 12 months (rc)"),
        (("a", "b", "c", "e"), None, "the rule for e, indefinitely (re)"),
    ],
)
def test_the_longest_period_wins(
    categories: tuple[str, ...], until: date | None, basis: str
) -> None:
    d = decide(item(JAN31, categories), TEST, [], set(), JAN31)
    assert (d.retain_until, d.basis) == (until, basis)


def test_an_indefinite_rule_is_said_after_proceedings_end() -> None:
    schedule = parse_schedule(
        SCHEDULE + "  - {categories: [f], until_proceedings_end: true, citation: rf}\n"
    )
    d = decide(item(JAN31, ("e", "f"), ("C-1",)), schedule, [], set(), utc(2040, 1, 1))
    assert d.reasons == (
        "proceedings have ended: none of its cases (C-1) is open",
        "kept indefinitely by the rule for e, indefinitely (re)",
        "not eligible",
    )


def test_categories_no_rule_names_are_said() -> None:
    d = decide(item(JAN31, ("a", "Traffic Stop", "dog")), TEST, [], set(), JAN31)
    assert "no rule names the categories Traffic Stop, dog" in d.reasons


HOLD = Hold("H-1", "alice", utc(2026, 2, 1, 14, 5), "civil suit expected", item_id="V-1")


def test_nothing_under_hold_is_eligible_whatever_the_schedule_says() -> None:
    d = decide(item(JAN31), MINNESOTA, [HOLD], set(), utc(2040, 1, 1))
    assert (d.due, d.eligible, d.holds) == (True, False, (HOLD,))
    assert (
        "under hold H-1 placed by alice on 2026-02-01 14:05 UTC: civil suit expected" in d.reasons
    )


def test_a_hold_on_a_case_covers_every_item_that_names_it() -> None:
    hold = Hold("H-2", "bob", utc(2026, 2, 1), "appeal", case_id="C-9")
    assert not decide(
        item(JAN31, (), ("C-1", "C-9")), MINNESOTA, [hold], set(), utc(2040, 1, 1)
    ).eligible
    assert decide(item(JAN31, (), ("C-1",)), MINNESOTA, [hold], set(), utc(2040, 1, 1)).eligible


def test_a_hold_on_another_item_does_not_cover_this_one() -> None:
    other = Hold("H-3", "bob", utc(2026, 2, 1), "other", item_id="V-2")
    assert decide(item(JAN31), MINNESOTA, [other], set(), utc(2040, 1, 1)).eligible


def test_a_released_hold_protects_until_its_release() -> None:
    released = Hold(
        "H-4", "alice", utc(2026, 2, 1), "settled", item_id="V-1", released_at=utc(2027, 3, 1)
    )
    assert not decide(item(JAN31), MINNESOTA, [released], set(), utc(2027, 2, 28)).eligible
    assert decide(item(JAN31), MINNESOTA, [released], set(), utc(2027, 3, 1)).eligible


def test_a_hold_placed_ahead_of_the_caller_s_clock_still_protects() -> None:
    future = Hold("H-5", "alice", utc(2031, 1, 1), "clock skew", item_id="V-1")
    assert not decide(item(JAN31), MINNESOTA, [future], set(), utc(2030, 1, 1)).eligible


def test_an_open_case_protects_under_any_rule() -> None:
    d = decide(item(JAN31, (), ("C-7", "C-8")), MINNESOTA, [], {"C-8", "C-99"}, utc(2040, 1, 1))
    assert (d.due, d.eligible, d.open_cases) == (True, False, ("C-8",))
    assert "case C-8 is open" in d.reasons


def test_bad_instants_and_holds_are_refused() -> None:
    with pytest.raises(ValueError, match=r"now .* has no time zone"):
        decide(item(JAN31), MINNESOTA, [], set(), datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="has no time zone"):
        decide(item(datetime(2026, 1, 1)), MINNESOTA, [], set(), JAN31)
    for where in ({}, {"item_id": "V-1", "case_id": "C-1"}):
        with pytest.raises(ValueError, match="either an item id or a case id"):
            Hold("H", "a", JAN31, "r", **where)


def test_plan_disposition_keeps_order_and_agrees_with_decide() -> None:
    items = [
        ItemFacts("V-3", JAN31, ("firearm_discharge",)),
        ItemFacts("V-1", JAN31),
        ItemFacts("V-2", JAN31, (), ("C-1", "C-1")),
    ]
    holds = [HOLD, Hold("H-2", "bob", utc(2026, 2, 1), "appeal", case_id="C-1")]
    now = utc(2026, 6, 1)
    plan = plan_disposition(items, MINNESOTA, holds, {"C-5"}, now)
    assert [d.item_id for d in plan] == ["V-3", "V-1", "V-2"]
    assert plan == [decide(i, MINNESOTA, holds, {"C-5"}, now) for i in items]
    assert [d.eligible for d in plan] == [False, False, False]
    assert plan[2].holds == (holds[1],)


# Properties, over random schedules, items, holds and cases.

CATEGORIES = ["a", "b", "c", "d"]
CASES = ["C-1", "C-2", "C-3"]
PERIODS = st.one_of(
    st.builds(lambda n: f"{n} days", st.integers(1, 800)),
    st.builds(lambda n: f"{n} months", st.integers(1, 30)),
    st.builds(lambda n: f"{n} years", st.integers(1, 3)),
    st.just("indefinitely"),
)
INSTANTS = st.datetimes(datetime(2025, 1, 1), datetime(2031, 1, 1), timezones=st.just(UTC))


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    rules: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, 4))):
        rule: dict[str, Any] = {
            "categories": draw(st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=2)),
            "citation": f"r{i}",
        }
        proceedings = draw(st.booleans())
        if proceedings:
            rule["until_proceedings_end"] = True
        if not proceedings or draw(st.booleans()):
            rule["period"] = draw(PERIODS)
        rules.append(rule)
    zone = draw(st.sampled_from(["America/Chicago", "America/Santiago", "UTC"]))
    return Schedule.model_validate(
        {
            "name": "prop",
            "title": "p",
            "jurisdiction": "p",
            "time_zone": zone,
            "source": {"citation": "p", "url": "https://example.org", "version": "1"},
            "default": {"period": draw(PERIODS), "citation": "d"},
            "rules": rules,
        }
    )


@st.composite
def holds(draw: st.DrawFn) -> Hold:
    on_item = draw(st.booleans())
    released = draw(st.none() | INSTANTS)
    return Hold(
        draw(st.sampled_from(["H-1", "H-2"])),
        "alice",
        draw(INSTANTS),
        "r",
        item_id=draw(st.sampled_from(["V-1", "V-2"])) if on_item else None,
        case_id=None if on_item else draw(st.sampled_from(CASES)),
        released_at=released,
    )


ITEMS = st.builds(
    ItemFacts,
    st.just("V-1"),
    INSTANTS,
    st.lists(st.sampled_from([*CATEGORIES, "zzz"]), max_size=3).map(tuple),
    st.lists(st.sampled_from(CASES), max_size=2).map(tuple),
)
OPEN = st.sets(st.sampled_from(CASES))


def _later(a: date | None, b: date | None) -> bool:
    """``a`` keeps at least as long as ``b`` (None is indefinitely)."""
    return a is None or (b is not None and a >= b)


@given(
    schedule=schedules(),
    it=ITEMS,
    hs=st.lists(holds(), max_size=3),
    open_cases=OPEN,
    t1=INSTANTS,
    step=st.timedeltas(timedelta(0), timedelta(days=3000)),
)
def test_eligibility_is_monotone_in_time(
    schedule: Schedule,
    it: ItemFacts,
    hs: list[Hold],
    open_cases: set[str],
    t1: datetime,
    step: timedelta,
) -> None:
    first = decide(it, schedule, hs, open_cases, t1)
    second = decide(it, schedule, hs, open_cases, t1 + step)
    assert first.retain_until == second.retain_until
    assert not first.due or second.due
    assert not first.eligible or second.eligible


@given(
    schedule=schedules(),
    it=ITEMS,
    hs=st.lists(holds(), max_size=3),
    extra=holds(),
    open_cases=OPEN,
    now=INSTANTS,
)
def test_adding_a_hold_never_makes_anything_eligible(
    schedule: Schedule,
    it: ItemFacts,
    hs: list[Hold],
    extra: Hold,
    open_cases: set[str],
    now: datetime,
) -> None:
    before = decide(it, schedule, hs, open_cases, now)
    after = decide(it, schedule, [*hs, extra], open_cases, now)
    assert not after.eligible or before.eligible
    if extra.in_force(now) and extra.covers(it):
        assert not after.eligible


@given(
    schedule=schedules(),
    it=ITEMS,
    more=st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=2),
    open_cases=OPEN,
    now=INSTANTS,
)
def test_adding_categories_never_shortens_retention(
    schedule: Schedule, it: ItemFacts, more: list[str], open_cases: set[str], now: datetime
) -> None:
    before = decide(it, schedule, [], open_cases, now)
    wider = ItemFacts(it.item_id, it.end, (*it.categories, *more), it.case_ids)
    after = decide(wider, schedule, [], open_cases, now)
    assert _later(after.retain_until, before.retain_until)
    assert not after.eligible or before.eligible


@given(
    schedule=schedules(), it=ITEMS, hs=st.lists(holds(), max_size=3), open_cases=OPEN, now=INSTANTS
)
def test_eligible_means_due_unheld_and_no_open_case(
    schedule: Schedule, it: ItemFacts, hs: list[Hold], open_cases: set[str], now: datetime
) -> None:
    d = decide(it, schedule, hs, open_cases, now)
    covering = [h for h in hs if h.covers(it) and (h.released_at is None or now < h.released_at)]
    assert d.eligible == (
        d.retain_until is not None
        and now.astimezone(schedule.zone).date() > d.retain_until
        and not covering
        and not set(it.case_ids) & open_cases
    )
    # never earlier than the default allows
    default_until = schedule.default.period.last_day(it.end.astimezone(schedule.zone).date())
    assert _later(d.retain_until, default_until)
