"""Retention schedules as YAML: the built-ins and their figures, and errors that point at the
file, line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from onrecord import strict_yaml
from onrecord.vault.retention import (
    Period,
    RetentionError,
    builtin_names,
    builtin_schedules,
    category_key,
    load_schedule,
    parse_schedule,
)

MINIMAL = """\
name: ours
title: Our schedule
jurisdiction: Somewhere
time_zone: America/Chicago
source:
  citation: Our records schedule, item 12
  url: https://example.org/schedule
  version: adopted 1 March 2026
default:
  period: 180 days
  citation: item 12(a)
"""


def errors(text: str) -> list[str]:
    with pytest.raises(RetentionError) as e:
        parse_schedule(text, "ours.yaml")
    return e.value.messages


def test_a_minimal_schedule() -> None:
    s = parse_schedule(MINIMAL, "ours.yaml")
    assert (s.name, s.time_zone, s.default.period, s.rules, s.notes) == (
        "ours",
        "America/Chicago",
        Period(180, "day"),
        (),
        "",
    )
    assert (s.origin, s.text) == ("ours.yaml", MINIMAL)


def test_a_rule_may_keep_for_a_period_until_proceedings_end_or_both() -> None:
    s = parse_schedule(
        MINIMAL
        + """\
rules:
  - categories: [Use of Force, use-of-force, firearm_discharge]
    period: 1 year
    citation: item 12(b)
  - categories: [evidence]
    period: 2 years
    until_proceedings_end: true
    citation: item 12(c)
  - categories: [major incident]
    until_proceedings_end: true
    citation: item 12(d)
    note: subpoenaed too
"""
    )
    first, _, third = s.rules
    assert first.categories == ("Use of Force", "use-of-force", "firearm_discharge")
    assert first.keys() == {"use_of_force", "firearm_discharge"}
    assert [r.describe() for r in s.rules] == [
        "1 year",
        "2 years or until proceedings end, whichever is longer",
        "until proceedings end",
    ]
    assert (third.period, third.note) == (None, "subpoenaed too")


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Use of Force", "use_of_force"),
        ("  use-of-force ", "use_of_force"),
        ("USE__OF__FORCE", "use_of_force"),
        ("Officer-Involved Shooting (OIS)", "officer_involved_shooting_ois"),
        ("Rückfall", "rückfall"),
        ("--", ""),
    ],
)
def test_category_key(name: str, key: str) -> None:
    assert category_key(name) == key


def test_the_built_ins() -> None:
    assert builtin_names() == ["minnesota-13.825", "ohio-highway-patrol-760-0826"]
    for s in builtin_schedules():
        assert s.origin == "built-in"
        assert s.source.url.startswith("https://")
        assert "read on" in s.source.version
        assert "Verified" in s.notes and "not" in s.notes.lower()
        assert all(r.citation for r in s.rules)


def test_minnesota_figures_are_the_statute_s() -> None:
    s = load_schedule("minnesota-13.825")
    assert (s.time_zone, str(s.default.period), s.default.citation) == (
        "America/Chicago",
        "90 days",
        "subd. 3(a)",
    )
    rules = {r.categories: (r.describe(), r.citation) for r in s.rules}
    assert rules == {
        ("firearm_discharge",): ("1 year", "subd. 3(b)(1)(i)"),
        ("use_of_force_substantial_bodily_harm",): ("1 year", "subd. 3(b)(1)(ii)"),
        ("formal_complaint",): ("1 year", "subd. 3(b)(2)"),
        ("evidence", "criminal_investigation"): (
            "until proceedings end",
            "subd. 3(d); outside subd. 3(a)",
        ),
    }
    assert "up to 180 days" in s.notes and "legal hold" in s.notes


def test_ohio_figures_are_the_schedule_s() -> None:
    s = load_schedule("ohio-highway-patrol-760-0826")
    assert (s.time_zone, str(s.default.period)) == ("America/New_York", "180 days")
    assert s.source.url == "https://rims.das.ohio.gov/Schedule/Details/34464"
    assert "760-0826" in s.source.citation and "revision 10" in s.source.version
    rules = {r.categories: r.describe() for r in s.rules}
    assert rules == {
        ("evidence",): "2 years or until proceedings end, whichever is longer",
        ("major_incident", "subpoenaed"): "until proceedings end",
    }
    assert "not a general schedule for Ohio's local governments" in s.notes


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("  period: 180 days\n", "  period: 180\n"),
            "ours.yaml, line 10, column 11: default.period: expected a period such as "
            '"90 days", "18 months", "1 year", or "indefinitely"; a number alone has no unit '
            "(write 180 days?), got 180",
        ),
        (
            ("jurisdiction:", "jurisdicton:"),
            "ours.yaml, line 3, column 1: jurisdicton: unknown key; did you mean jurisdiction? "
            "(expected one of: name, title, jurisdiction, time_zone, source, default, rules, "
            "notes)",
        ),
        (
            ("time_zone: America/Chicago\n", ""),
            "ours.yaml, line 1, column 1: time_zone: required key is missing",
        ),
        (
            ("America/Chicago", "America/Chicgo"),
            "ours.yaml, line 4, column 12: time_zone: expected an IANA time zone such as "
            "America/Chicago, got 'America/Chicgo'",
        ),
        (
            ("America/Chicago", "America"),
            "ours.yaml, line 4, column 12: time_zone: expected an IANA time zone",
        ),
        (
            ("name: ours", "name: Our Schedule"),
            "ours.yaml, line 1, column 7: name: expected a name of lower-case letters",
        ),
        (
            ("https://example.org/schedule", "example.org/schedule"),
            "ours.yaml, line 7, column 8: source.url: expected the address of the source text",
        ),
        (
            ("  version: adopted 1 March 2026\n", ""),
            "ours.yaml, line 6, column 3: source.version: required key is missing",
        ),
        (
            ("  citation: item 12(a)\n", "  citation: item 12(a)\n  colour: red\n"),
            "ours.yaml, line 12, column 3: default.colour: unknown key",
        ),
        (
            ("name: ours\n", "name: ours\nname: again\n"),
            "ours.yaml, line 2, column 1: not valid YAML: the key 'name' is given twice",
        ),
        (
            ("title: Our schedule", "title: [Our"),
            "ours.yaml, line 3, column 13: not valid YAML",
        ),
        (
            (MINIMAL[MINIMAL.index("source:") : MINIMAL.index("default:")], "source: ours\n"),
            "ours.yaml, line 5, column 9: source: expected a mapping of the keys citation, url, "
            "version, got 'ours'",
        ),
    ],
)
def test_bad_values_point_at_file_line_and_column(change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in MINIMAL
    msgs = errors(MINIMAL.replace(old, new, 1))
    assert any(m.startswith(message) for m in msgs), msgs


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        (
            "rules:\n  - categories: [a]\n    citation: x\n",
            "ours.yaml, line 13, column 5: rules.0: a period, or until_proceedings_end: true, "
            "or both (a rule with neither keeps nothing)",
        ),
        (
            "rules:\n  - categories: []\n    period: 1 year\n    citation: x\n",
            "ours.yaml, line 13, column 17: rules.0.categories: expected a list of category names",
        ),
        (
            "rules:\n  - categories: [a]\n    period: 1 year\n    until_proceedings_end: 1\n"
            "    citation: x\n",
            "ours.yaml, line 15, column 28: rules.0.until_proceedings_end: expected true or false",
        ),
        (
            "rules:\n  - categories: [a]\n    period: 1 year\n    citation: x\n"
            "  - categories: [security]\n    period: 30 days\n    citation: y\n",
            "ours.yaml, line 17, column 13: rules.1.period: 30 days is never longer than the "
            "default 180 days, so the rule would never apply (rules can only keep footage "
            "longer)",
        ),
        ("rules: {a: 1}\n", "ours.yaml, line 12, column 8: rules: expected a list of rules"),
    ],
)
def test_bad_rules_point_at_the_rule(rules: str, message: str) -> None:
    [msg] = errors(MINIMAL + rules)
    assert msg.startswith(message), msg


def test_a_rule_that_can_outlast_the_default_on_some_dates_is_kept() -> None:
    # 6 months is 181 to 184 days, so it can outlast 180 days; 5 months (150 to 153) cannot
    assert parse_schedule(MINIMAL + "rules:\n- {categories: [a], period: 6 months, citation: x}\n")
    assert errors(MINIMAL + "rules:\n- {categories: [a], period: 5 months, citation: x}\n")


def test_an_indefinite_default_leaves_no_rule_anything_to_do() -> None:
    [msg] = errors(
        MINIMAL.replace("180 days", "indefinitely")
        + "rules:\n  - categories: [a]\n    until_proceedings_end: true\n    citation: x\n"
    )
    assert msg.startswith("ours.yaml, line 13, column 5: rules.0: the default keeps footage")


def test_every_problem_is_reported_at_once() -> None:
    msgs = errors(
        MINIMAL.replace("title: Our schedule\n", "").replace("180 days", "180 dayz")
        + "rules:\n  - categories: [a]\n    citation: x\n    period: 1 yr\n"
    )
    assert msgs == [
        "ours.yaml, line 1, column 1: title: required key is missing",
        'ours.yaml, line 9, column 11: default.period: expected a period such as "90 days", '
        '"18 months", "1 year", or "indefinitely", got \'180 dayz\'',
        'ours.yaml, line 14, column 13: rules.0.period: expected a period such as "90 days", '
        '"18 months", "1 year", or "indefinitely", got \'1 yr\'',
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "ours.yaml: expected a mapping with name:, title:, source:, default: …, got nothing"),
        ("- a\n", "ours.yaml: expected a mapping"),
    ],
)
def test_unusable_documents(text: str, message: str) -> None:
    assert errors(text)[0].startswith(message)


def test_a_file_and_an_unknown_reference(tmp_path: Path) -> None:
    f = tmp_path / "ours.yaml"
    f.write_text(MINIMAL, encoding="utf-8")
    assert load_schedule(f).origin == str(f)
    assert load_schedule(str(f)).name == "ours"
    with pytest.raises(RetentionError) as e:
        load_schedule(tmp_path / "missing.yaml")
    assert "the built-in schedules are minnesota-13.825, ohio-highway-patrol-760-0826" in str(
        e.value
    )
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"name: \xff\n")
    with pytest.raises(RetentionError, match="cannot be read"):
        load_schedule(bad)


@pytest.mark.parametrize(
    ("path", "place"),
    [
        ((), (1, 1)),
        (("a",), (1, 4)),
        (("b", "c"), (3, 6)),
        (("b", "missing"), (3, 3)),
        (("b", "d", 1), (4, 10)),
        (("b", "d", 9), (4, 6)),
        (("a", "deeper"), (1, 4)),
    ],
)
def test_locate_points_at_the_value(path: tuple[str | int, ...], place: tuple[int, int]) -> None:
    text = "a: 1\nb:\n  c: two\n  d: [x, y]\n"
    assert strict_yaml.locate(text, path) == place


def test_locate_at_the_key() -> None:
    text = "a: 1\nb:\n  c: two\n  d: [x, y]\n"
    assert strict_yaml.locate(text, ("b", "c"), at_key=True) == (3, 3)
    assert strict_yaml.locate(text, ("b", "d", 1), at_key=True) == (4, 10)


def test_locate_without_yaml() -> None:
    assert strict_yaml.locate("a: [", ("a",)) is None
    assert strict_yaml.locate("", ("a",)) is None
