"""The statutory deadline: hand-worked dates over weekends and holidays, the shipped
Massachusetts holidays against the statute's definitions, and rules that cannot be used."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onrecord.release.deadline import (
    ClosedDayReceipt,
    RuleError,
    builtin_rules,
    business_days_left,
    due_date,
    load_rule,
    parse_rule,
)
from onrecord.release.errors import ReleaseError

MA = load_rule("massachusetts-66-10")
NEXT = MA.model_copy(
    update={"response": MA.response.model_copy(
        update={"closed_day_receipt": ClosedDayReceipt.NEXT_BUSINESS_DAY})}
)  # fmt: skip


@pytest.mark.parametrize(
    ("received", "due", "why"),
    [
        # Day 1 is Thursday 3 December; two weekends pass.
        (date(2026, 12, 2), date(2026, 12, 16), "two weekends"),
        # Thanksgiving (Thursday 26 November) is not counted.
        (date(2026, 11, 23), date(2026, 12, 8), "Thanksgiving"),
        # Christmas (Friday) and New Year's Day (Friday), into 2027.
        (date(2026, 12, 18), date(2027, 1, 5), "Christmas and New Year"),
        # Received on a Saturday: Monday 21 is day 1, as for the Friday before.
        (date(2026, 12, 19), date(2027, 1, 5), "received on a Saturday"),
        # Received on Columbus Day (a Monday holiday): Tuesday is day 1.
        (date(2026, 10, 12), date(2026, 10, 26), "received on a holiday"),
        # 4 July 2026 is a Saturday: kept there, so Friday 3 July is a business day.
        (date(2026, 7, 1), date(2026, 7, 15), "a Saturday holiday"),
        # 4 July 2027 is a Sunday: Monday 5 July is the holiday.
        (date(2027, 6, 30), date(2027, 7, 15), "a Sunday holiday moved to Monday"),
    ],
)
def test_hand_worked_deadlines(received: date, due: date, why: str) -> None:
    assert due_date(received, MA) == due, why


def test_a_request_received_on_a_closed_day_may_count_from_the_next_business_day() -> None:
    # Saturday 19 December: deemed received Monday 21, so Tuesday 22 is day 1.
    assert due_date(date(2026, 12, 19), NEXT) == date(2027, 1, 6)
    # Columbus Day: deemed received Tuesday 13 October.
    assert due_date(date(2026, 10, 12), NEXT) == date(2026, 10, 27)
    # A business day is unaffected.
    assert due_date(date(2026, 12, 2), NEXT) == date(2026, 12, 16)


def test_business_days_left() -> None:
    assert business_days_left(date(2026, 12, 2), date(2026, 12, 16), MA) == 10
    assert business_days_left(date(2026, 12, 16), date(2026, 12, 16), MA) == 0
    # Past Wednesday 16 December: Thursday 17 and Friday 18 (the Saturday is not counted).
    assert business_days_left(date(2026, 12, 19), date(2026, 12, 16), MA) == -2
    assert business_days_left(date(2026, 12, 21), date(2026, 12, 16), MA) == -3


def test_a_year_the_rule_does_not_cover_is_refused() -> None:
    with pytest.raises(ReleaseError, match=r"holidays for 2025, 2026, 2027 only.*add 2028's"):
        due_date(date(2027, 12, 28), MA)
    with pytest.raises(ReleaseError, match="2024"):
        due_date(date(2024, 6, 3), MA)


def _clause_eighteenth(year: int) -> set[date]:
    """G.L. c. 4, s. 7, cl. 18 as the notes of the rule quote it, computed here independently."""

    def nth_monday(month: int, n: int) -> date:
        first = date(year, month, 1)
        return first + timedelta(days=(7 - first.weekday()) % 7 + 7 * (n - 1))

    def sunday_to_monday(day: date) -> date:
        return day + timedelta(days=1) if day.weekday() == 6 else day

    last_may = date(year, 5, 31) - timedelta(days=date(year, 5, 31).weekday())
    november = date(year, 11, 1)
    thanksgiving = november + timedelta(days=(3 - november.weekday()) % 7 + 21)
    fixed = [date(year, 1, 1), date(year, 6, 19), date(year, 7, 4), date(year, 11, 11),
             date(year, 12, 25)]  # fmt: skip
    return {sunday_to_monday(d) for d in fixed} | {
        nth_monday(1, 3), nth_monday(2, 3), nth_monday(4, 3), last_may, nth_monday(9, 1),
        nth_monday(10, 2), thanksgiving,
    }  # fmt: skip


def test_the_massachusetts_holidays_are_the_statutes() -> None:
    listed = {h.date for h in MA.holidays}
    assert listed == set().union(*(_clause_eighteenth(y) for y in MA.holiday_years))
    assert date(2027, 7, 5) in listed and date(2026, 11, 26) in listed


@given(st.dates(date(2025, 1, 1), date(2027, 11, 30)))
def test_a_deadline_is_the_nth_business_day_after_receipt(received: date) -> None:
    due = due_date(received, MA)
    days = [received + timedelta(days=i) for i in range(1, (due - received).days + 1)]
    business = [d for d in days if d.weekday() < 5 and d not in {h.date for h in MA.holidays}]
    assert len(business) == 10 and business[-1] == due


RULE = """\
name: ours
title: Our rule
jurisdiction: Somewhere
time_zone: America/Chicago
source: {citation: Code 1, url: https://example.org/code, version: read 1 December 2026}
response: {business_days: 5, citation: Code 1(b)}
holiday_years: [2026]
holidays:
  - {date: 2026-12-25, name: Christmas Day}
exemptions:
  - {code: privacy, citation: Code 2(c), title: privacy}
"""


def test_a_department_rule_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "ours.yaml"
    path.write_text(RULE, encoding="utf-8")
    rule = load_rule(path)
    assert (rule.name, rule.origin, rule.response.business_days) == ("ours", str(path), 5)
    # Thursday 24 December: 28, 29, 30, 31 December and then 2027, which it does not cover.
    with pytest.raises(ReleaseError, match="add 2027's holidays"):
        due_date(date(2026, 12, 24), rule)
    # Monday 21 December: 22, 23, 24, (Christmas), 28, 29.
    assert due_date(date(2026, 12, 21), rule) == date(2026, 12, 29)
    assert rule.exemption("privacy").citation == "Code 2(c)"
    assert builtin_rules() == ["massachusetts-66-10"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("business_days: 5", "busines_days: 5"),
            r"line 6, column 12: response.busines_days: "
            "unknown key; did you mean business_days?",
        ),
        (("business_days: 5", "business_days: 0"), "from 1 to 365, got 0"),
        (("- {date: 2026-12-25", "- {date: 2025-12-25"), "2025, which holiday_years does not list"),
        (("- {date: 2026-12-25", "- {date: 2026-12-32"), "'2026-12-32' is not a real date"),
        (("- {date: 2026-12-25", "- {date: Christmas"), "a date written YYYY-MM-DD"),
        (("America/Chicago", "Mars/Olympus"), "an IANA time zone"),
        (
            ("holiday_years: [2026]", "holiday_years: [2026]\nclosed_weekdays: [Caturday]"),
            "weekday names",
        ),
        (
            (
                "holiday_years: [2026]",
                "holiday_years: [2026]\nclosed_weekdays: [Monday, Tuesday, "
                "Wednesday, Thursday, Friday, Saturday, Sunday]",
            ),
            "at most six closed weekdays",
        ),
        (
            ("Code 1(b)}", "Code 1(b), closed_day_receipt: tomorrow}"),
            "expected one of 'as received', 'next business day', got 'tomorrow'",
        ),
        (
            (
                "  - {code: privacy",
                "  - {code: privacy, citation: a, title: b}\n  - {code: privacy",
            ),
            "each exemption's code once",
        ),
        (("url: https://example.org/code", "url: example.org"), "starting https://"),
    ],
)
def test_rules_that_cannot_be_used_say_where_and_why(change: tuple[str, str], message: str) -> None:
    with pytest.raises(RuleError, match=message) as raised:
        parse_rule(RULE.replace(*change), origin="ours.yaml")
    assert all(m.startswith("ours.yaml") for m in raised.value.messages)


def test_unreadable_rules() -> None:
    with pytest.raises(RuleError, match="not valid YAML"):
        parse_rule("name: [", origin="x.yaml")
    with pytest.raises(RuleError, match="the key 'name' is given twice"):
        parse_rule(RULE + "name: again\n", origin="x.yaml")
    with pytest.raises(RuleError, match="expected a mapping"):
        parse_rule("- a list", origin="x.yaml")
    with pytest.raises(RuleError, match="no built-in rule of that name; the built-in rules are "
                       "massachusetts-66-10"):  # fmt: skip
        load_rule("texas")
