"""Policy profiles: defaults, strict validation, the built-ins, resolution and the rule diff."""

from __future__ import annotations

from pathlib import Path

import pytest

from onrecord.policy import (
    ALL,
    PolicyError,
    RuleDiff,
    builtin_ids,
    diff,
    format_value,
    load_policy,
    parse_policy,
)

MINIMAL = "id: ours\ntitle: Our policy\n"
BOSTON_TYPES = [
    "dispatched_call",
    "vehicle_stop",
    "pedestrian_stop",
    "arrest",
    "transport",
    "search",
    "emergency_driving",
    "pursuit",
    "crowd_control",
    "use_of_force",
]


def errors(text: str) -> list[str]:
    with pytest.raises(PolicyError) as e:
        parse_policy(text, "ours.yaml")
    return e.value.messages


def test_every_default_is_the_spec_s() -> None:
    p = parse_policy(MINIMAL)
    assert p.source == ""
    assert p.rules() == {
        "camera_required.shift_kinds": "all",
        "camera_required.uniformed_only": False,
        "camera_required.units": "all",
        "camera_required.trained_only": False,
        "recording_required.encounter_types": "all",
        "recording_required.outside_required_shifts": False,
        "recording_required.start_grace_s": 0,
        "recording_required.end_grace_s": 0,
        "recording_required.max_gap_s": 0,
        "recording_required.whole_shift": False,
        "recording_required.min_shift_recorded_ratio": 0.9,
        "deactivation.allowed_reasons": [],
        "equipment.min_possession_ratio": 0.9,
        "equipment.max_possession_hours": 24,
    }
    assert p.defaulted() == set(p.rules())


def test_defaulted_names_only_the_keys_left_out() -> None:
    p = parse_policy(MINIMAL + "recording_required:\n  max_gap_s: 5\n")
    assert "recording_required.max_gap_s" not in p.defaulted()
    assert len(p.defaulted()) == len(p.rules()) - 1


def test_text_is_kept_and_canonical_form_loads_back_the_same() -> None:
    text = MINIMAL + "camera_required:\n  shift_kinds: [Overtime, ' regular ', overtime]\n"
    p = parse_policy(text, "ours.yaml")
    assert p.text == text and p.origin == "ours.yaml"
    assert p.camera_required.shift_kinds == ["regular", "overtime"]  # trimmed, lower, vocab order
    canonical = p.canonical()
    assert canonical["equipment"] == {"min_possession_ratio": 0.9, "max_possession_hours": 24}
    assert parse_policy(p.canonical_yaml()).canonical() == canonical


def test_units_are_trimmed_but_keep_their_case() -> None:
    p = parse_policy(MINIMAL + "camera_required:\n  units: [' B2 ', Gang Unit]\n")
    assert p.camera_required.units == ["B2", "Gang Unit"]


def test_words_outside_the_vocabulary_are_kept_after_it() -> None:
    p = parse_policy(MINIMAL + "camera_required:\n  shift_kinds: [time_off, court, ALL_DAY]\n")
    assert p.camera_required.shift_kinds == ["court", "all_day", "time_off"]


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("colour: blue\n", "colour: unknown key"),
        ("recording: {}\n", "recording: unknown key; did you mean recording_required?"),
        (
            "recording_required:\n  start_grace: 3\n",
            "recording_required.start_grace: unknown key; did you mean start_grace_s?",
        ),
        (
            "recording_required:\n  start_grace_s: thirty\n",
            "recording_required.start_grace_s: expected a number of seconds, 0 or more, "
            "got 'thirty'",
        ),
        ("recording_required:\n  end_grace_s: -1\n", "recording_required.end_grace_s: expected"),
        ("recording_required:\n  max_gap_s: '60'\n", "recording_required.max_gap_s: expected"),
        (
            "recording_required:\n  min_shift_recorded_ratio: 1.5\n",
            "recording_required.min_shift_recorded_ratio: expected a share from 0 to 1",
        ),
        ("equipment:\n  min_possession_ratio: -0.1\n", "equipment.min_possession_ratio: expected"),
        ("equipment:\n  max_possession_hours: 0\n", "equipment.max_possession_hours: expected"),
        ("equipment:\n  max_possession_hours: .inf\n", "equipment.max_possession_hours: expected"),
        ("camera_required:\n  uniformed_only: 1\n", "camera_required.uniformed_only: expected"),
        (
            "camera_required:\n  shift_kinds: regular\n",
            'camera_required.shift_kinds: expected "all" or a list of shift kinds',
        ),
        ("camera_required:\n  units: [7]\n", "camera_required.units: expected"),
        ("deactivation:\n  allowed_reasons: all\n", "deactivation.allowed_reasons: expected"),
        ("deactivation: []\n", "deactivation: expected a mapping of the keys allowed_reasons"),
    ],
)
def test_bad_values_name_the_file_key_path_and_expectation(yaml_text: str, message: str) -> None:
    [msg] = errors(MINIMAL + yaml_text)
    assert msg.startswith(f"ours.yaml: {message}")


def test_every_problem_is_reported_at_once() -> None:
    msgs = errors("title: ''\nrecording_required:\n  max_gap_s: x\n  whole_shift: maybe\n")
    assert msgs == [
        "ours.yaml: id: required key is missing",
        "ours.yaml: title: expected non-empty text, got ''",
        "ours.yaml: recording_required.max_gap_s: expected a number of seconds, 0 or more, got 'x'",
        "ours.yaml: recording_required.whole_shift: expected true or false, got 'maybe'",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "ours.yaml: is empty"),
        ("- a\n", "ours.yaml: expected a mapping"),
        ("id: [x\n", "ours.yaml, line 2, column 1: not valid YAML"),
        (MINIMAL + "id: again\n", "ours.yaml, line 3, column 1: not valid YAML: the key 'id'"),
    ],
)
def test_unusable_documents(text: str, message: str) -> None:
    assert errors(text)[0].startswith(message)


def test_builtin_ids() -> None:
    assert builtin_ids() == ["always-on-shift", "boston-rule-405-2019", "mandate-all"]


def test_boston_is_the_spec_s_example_profile() -> None:
    p = load_policy("boston-rule-405-2019")
    assert (p.id, p.title, p.origin) == (
        "boston-rule-405-2019",
        "Boston Police Rule 405 (2019) as applied in 2020",
        "built-in",
    )
    cr, rr = p.camera_required, p.recording_required
    assert (cr.shift_kinds, cr.uniformed_only, cr.units, cr.trained_only) == (
        ["regular"],
        True,
        ALL,
        False,
    )
    assert rr.encounter_types == BOSTON_TYPES
    assert (rr.outside_required_shifts, rr.start_grace_s, rr.end_grace_s, rr.max_gap_s) == (
        False,
        30,
        30,
        60,
    )
    assert (rr.whole_shift, rr.min_shift_recorded_ratio) == (False, 0.9)
    assert p.deactivation.allowed_reasons == ["privacy", "bystanders", "investigation"]
    assert (p.equipment.min_possession_ratio, p.equipment.max_possession_hours) == (0.9, 24)


def test_mandate_all() -> None:
    p = load_policy("mandate-all")
    assert (p.camera_required.shift_kinds, p.recording_required.encounter_types) == (ALL, ALL)
    assert p.recording_required.outside_required_shifts is True
    assert p.deactivation.allowed_reasons == []


def test_always_on_shift_leaves_out_time_off() -> None:
    p = load_policy("always-on-shift")
    cr, rr = p.camera_required, p.recording_required
    assert cr.shift_kinds == ["regular", "overtime", "paid_detail", "court", "training", "other"]
    assert "time_off" not in cr.shift_kinds
    assert cr.uniformed_only is False
    assert (rr.whole_shift, rr.min_shift_recorded_ratio) == (True, 0.9)


@pytest.mark.parametrize("policy_id", ["always-on-shift", "boston-rule-405-2019", "mandate-all"])
def test_builtin_sources_cite_every_rule(policy_id: str) -> None:
    p = load_policy(policy_id)
    assert p.id == policy_id and p.defaulted() == set()
    assert [key for key in p.rules() if key not in p.source] == []


def test_a_file_path_and_a_department_relative_path(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "ours.yaml").write_text(MINIMAL)
    assert load_policy(tmp_path / "policies" / "ours.yaml").id == "ours"
    p = load_policy("policies/ours.yaml", base_dir=tmp_path)
    assert (p.id, p.origin) == ("ours", str(tmp_path / "policies" / "ours.yaml"))


def test_unknown_reference_lists_the_builtin_ids(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as e:
        load_policy("boston-2019", base_dir=tmp_path)
    [msg] = e.value.messages
    assert msg.startswith("boston-2019: no such policy file")
    assert "always-on-shift, boston-rule-405-2019, mandate-all" in msg


def test_diff_boston_against_mandate_all() -> None:
    d = diff(load_policy("boston-rule-405-2019"), load_policy("mandate-all"))
    assert d == [
        RuleDiff("camera_required.shift_kinds", ["regular"], ALL),
        RuleDiff("recording_required.encounter_types", BOSTON_TYPES, ALL),
        RuleDiff("recording_required.outside_required_shifts", False, True),
        RuleDiff("deactivation.allowed_reasons", ["privacy", "bystanders", "investigation"], []),
    ]


def test_diff_ignores_word_order_metadata_and_int_versus_float() -> None:
    a = parse_policy("id: a\ntitle: A\nequipment: {max_possession_hours: 24.0}\n")
    b = parse_policy("id: b\ntitle: B\nsource: x\ndeactivation: {allowed_reasons: []}\n")
    assert diff(a, b) == []
    c = parse_policy(MINIMAL + "deactivation: {allowed_reasons: [Privacy, bystanders]}\n")
    d = parse_policy(MINIMAL + "deactivation: {allowed_reasons: [bystanders, privacy]}\n")
    assert diff(c, d) == []


def test_format_value() -> None:
    assert [format_value(v) for v in (True, False, 30, 0.9, ALL, [], ["a", "b"])] == [
        "true",
        "false",
        "30",
        "0.9",
        "all",
        "none",
        "a, b",
    ]


def test_a_date_that_does_not_exist_is_a_yaml_error_with_its_place() -> None:
    """PyYAML reads 2026-02-30 as a date and raised a bare ValueError (a traceback in `policy
    show`, `audit --policy` and the retention schedules, which share the loader)."""
    with pytest.raises(PolicyError, match=r"line 2, column 10: .*'2026-02-30' is not a real date"):
        parse_policy("id: x\nadopted: 2026-02-30\n")
