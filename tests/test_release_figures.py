"""The public monthly figures of records requests: hand-worked months, small counts withheld
as the audit's public editions withhold them, and an attacker who cannot recover any."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from onrecord.audit.suppression import small
from onrecord.release.figures import Outcome, monthly_figures, withheld_denials

TITLES = {"26(a)": "statute", "26(c)": "privacy", "26(f)": "investigation"}


def scenario() -> list[Outcome]:
    out = []
    # October: 7 received; 5 released in November after 12, 14, 16, 20 and 30 days (1, 3, 5,
    # 9 and 19 November); 2 denied in November, one for privacy, one for an investigation.
    for days in (12, 14, 16, 20, 30):
        out.append(Outcome(date(2026, 10, 20), released_on=date(2026, 10, 20) + timedelta(days)))
    out.append(Outcome(date(2026, 10, 2), denied_on=date(2026, 11, 3), exemption="26(c)"))
    out.append(Outcome(date(2026, 10, 2), denied_on=date(2026, 11, 4), exemption="26(f)"))
    # November: 3 received, one released in December after 5 days, the others still open.
    out.append(Outcome(date(2026, 11, 26), released_on=date(2026, 12, 1)))
    out += [Outcome(date(2026, 11, 27)), Outcome(date(2026, 11, 28))]
    # Eight received in September, denied in December: 6 (f), 1 (c), 1 (a).
    for code in ["26(f)"] * 6 + ["26(c)", "26(a)"]:
        out.append(Outcome(date(2026, 9, 30), denied_on=date(2026, 12, 2), exemption=code))
    return out


def test_hand_worked_months() -> None:
    figures = monthly_figures(scenario(), TITLES)
    got = {m.month: m for m in figures.months}
    assert list(got) == ["2026-09", "2026-10", "2026-11", "2026-12"]
    assert [r.code for r in figures.reasons] == ["26(a)", "26(c)", "26(f)"]
    sep, oct_, nov, dec = figures.months
    assert (sep.received, sep.released, sep.denied, sep.median_days_to_release) == (8, 0, 0, None)
    assert (oct_.received, oct_.released, oct_.denied) == (7, 0, 0)
    # November: 3 received (withheld); 5 released, the middle after 16 days; 2 denied,
    # withheld with both its reasons; 26(a)'s zero is published.
    assert (nov.received, nov.released, nov.median_days_to_release) == (None, 5, 16.0)
    assert nov.denied is None
    assert [(r.code, r.count) for r in nov.denied_by_reason] == [
        ("26(a)", 0), ("26(c)", None), ("26(f)", None)]  # fmt: skip
    # December: 1 released (withheld, and so its median); 8 denied: (c) and (a) are 1 each,
    # so published alone with the total they would add up to 2, and (f) goes with them.
    assert (dec.received, dec.released, dec.median_days_to_release) == (0, None, None)
    assert dec.denied == 8
    assert [r.count for r in dec.denied_by_reason] == [None, None, None]
    assert figures.withheld == 4 + 5
    assert "from 1 to 4" in figures.suppression


def test_the_complementary_cells() -> None:
    assert withheld_denials(12, [1, 1, 10]) == (False, {0, 1, 2})
    assert withheld_denials(7, [2, 5]) == (False, {0, 1})  # 2 alone = 7 - 5
    assert withheld_denials(6, [3, 3]) == (False, {0, 1})  # each could be 1 to 5
    assert withheld_denials(10, [10, 0]) == (False, set())
    assert withheld_denials(5, [1, 1, 1, 1, 1]) == (True, {0, 1, 2, 3, 4})  # all ones otherwise
    assert withheld_denials(3, [2, 1, 0]) == (True, {0, 1})


def test_months_reach_the_month_given_and_none_without_requests() -> None:
    figures = monthly_figures([Outcome(date(2026, 10, 5))], TITLES, through=date(2026, 12, 1))
    assert [m.month for m in figures.months] == ["2026-10", "2026-11", "2026-12"]
    assert monthly_figures([], TITLES).months == []


def feasible(total: int | None, cells: list[int | None]) -> list[set[int]]:
    """The values each withheld cell can take given what is published (withheld counts are at
    least 1 since zeros are shown; the denials add up to the total when it is published)."""
    hidden = [i for i, c in enumerate(cells) if c is None]
    known = sum(c for c in cells if c is not None)
    top = 60
    values: list[set[int]] = [set() for _ in cells]
    for guess in itertools.product(range(1, top + 1), repeat=len(hidden)):
        if total is not None and known + sum(guess) != total:
            continue
        for i, v in zip(hidden, guess, strict=True):
            values[i].add(v)
    return values


@given(st.lists(st.integers(0, 14), min_size=1, max_size=3))
def test_no_withheld_count_can_be_worked_out(counts: list[int]) -> None:
    total = sum(counts)
    hide_total, hidden = withheld_denials(total, counts)
    assert all(i in hidden for i, n in enumerate(counts) if small(n))
    assert hide_total or not small(total)
    shown_total = None if hide_total else total
    cells: list[int | None] = [None if i in hidden else n for i, n in enumerate(counts)]
    assert all(n > 0 for i, n in enumerate(counts) if i in hidden)  # zeros are never withheld
    for i, values in enumerate(feasible(shown_total, cells)):
        if i in hidden and small(counts[i]):
            assert counts[i] in values and len(values) >= 2, (counts, i, values)
