"""The stop-reason mapping: how names are compared, which signal decides, that an ambiguous or
unknown signal gives no reason, and that every mistake in a mapping file is named at its line
and column. The built-in mapping is the one docs/vault.md shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from onrecord.vault.stop_reasons import (
    Found,
    Signals,
    StopReasonError,
    builtin_text,
    load_stop_reasons,
    name_key,
    parse_stop_reasons,
    parse_tags,
)

DOCS = Path(__file__).resolve().parent.parent / "docs" / "vault.md"

MAPPING = """\
trigger_off:
  Battery: battery
  Camera error: malfunction
tags:
  StopReason:
    privacy: privacy
    victim: victim_request
categories:
  Privacy: privacy
  Stopped - bystanders: bystanders
  Supervisor said so: supervisor_approval
own_reasons: [supervisor_approval]
"""


def test_names_are_compared_without_case_spaces_or_punctuation() -> None:
    assert (
        name_key("Low Battery")
        == name_key("LOW_BATTERY")
        == name_key("low-battery")
        == ("lowbattery")
    )
    assert name_key("LowBattery") == "lowbattery"
    assert name_key(" Stopped: privacy! ") == "stoppedprivacy"
    assert name_key("Åtgärd 2") == "åtgärd2"
    assert name_key("--") == ""


def test_tags_are_key_value_pairs() -> None:
    assert parse_tags("TriggerOn:Button;StopReason: Privacy ;Incident:24-0042") == (
        ("TriggerOn", "Button"),
        ("StopReason", "Privacy"),
        ("Incident", "24-0042"),
    )
    assert parse_tags("no colon;:no key;Time:12:30;") == (("Time", "12:30"),)
    assert parse_tags("") == ()


def test_each_signal_maps_by_its_own_names() -> None:
    m = parse_stop_reasons(MAPPING)
    assert m.reason(Signals(trigger_off="BATTERY")) == Found("battery", "trigger_off")
    assert m.reason(Signals(trigger_off="camera-error")) == Found("malfunction", "trigger_off")
    assert m.reason(Signals(tags=(("stop_reason", "Victim"),))) == Found("victim_request", "tag")
    assert m.reason(Signals(categories=("stopped: bystanders",))) == Found("bystanders", "category")
    assert m.reason(Signals(categories=("Supervisor said so",))) == Found(
        "supervisor_approval", "category"
    )


def test_the_first_signal_that_gives_one_reason_decides() -> None:
    m = parse_stop_reasons(MAPPING)
    every = Signals("Battery", (("StopReason", "privacy"),), ("Stopped - bystanders",))
    assert m.reason(every) == Found("battery", "trigger_off")
    # Button is not mapped: the tag decides, and Button is reported as unmapped.
    button = Signals("Button", (("StopReason", "privacy"),), ("Stopped - bystanders",))
    assert m.reason(button) == Found("privacy", "tag", (), (("trigger_off", "Button"),))
    # Another order, given in the file.
    reordered = parse_stop_reasons(MAPPING + "precedence: [category, tag, trigger_off]\n")
    assert reordered.reason(every) == Found("bystanders", "category")


def test_a_signal_that_disagrees_with_itself_gives_no_reason() -> None:
    m = parse_stop_reasons(MAPPING)
    both = Signals("Button", (), ("Privacy", "Stopped - bystanders", "traffic stop"))
    assert m.reason(both) == Found(
        None,
        "category",
        ("privacy", "bystanders"),
        (("trigger_off", "Button"), ("category", "traffic stop")),
    )
    # The same reason twice is one reason, not a disagreement.
    twice = Signals(None, (("StopReason", "privacy"), ("StopReason", "PRIVACY")), ())
    assert m.reason(twice) == Found("privacy", "tag")
    # A disagreement is not passed over for a later signal: it would be a guess.
    tags = Signals(None, (("StopReason", "privacy"), ("StopReason", "victim")), ("Privacy",))
    assert m.reason(tags) == Found(None, "tag", ("privacy", "victim_request"))


def test_nothing_known_gives_no_reason_and_lists_what_was_not_known() -> None:
    m = parse_stop_reasons(MAPPING)
    assert m.reason(Signals()) == Found(None)
    unknown = Signals(
        "Docked", (("Incident", "24-0042"), ("StopReason", "lunch")), ("Traffic stop",)
    )
    # A tag of a key the mapping does not name is about something else, not unmapped.
    assert m.reason(unknown) == Found(
        None,
        None,
        (),
        (("trigger_off", "Docked"), ("tag", "StopReason:lunch"), ("category", "Traffic stop")),
    )
    assert m.reason(Signals(trigger_off="  ")) == Found(None)


def test_the_built_in_mapping() -> None:
    m = load_stop_reasons()
    assert m.origin == "built-in" and m.precedence == ("trigger_off", "tag", "category")
    assert m.reason(Signals("Button")) == Found(None, None, (), (("trigger_off", "Button"),))
    assert m.reason(Signals("Low battery", (), ("Privacy",))).reason == "battery"
    assert m.reason(Signals("Storage full")).reason == "malfunction"
    assert m.reason(Signals("Button", (("StopReason", "informant"),))).reason == "informant"
    assert m.reason(Signals(categories=("Victim request",))).reason == "victim_request"
    # As categories, these say what the footage is, not why it stopped.
    assert m.reason(Signals(categories=("Medical",))).reason is None
    assert m.reason(Signals(categories=("Investigation",))).reason is None


def test_the_built_in_mapping_is_the_one_the_guide_shows() -> None:
    shown = re.search(
        r"```yaml\n(# OnRecord's built-in stop-reason mapping.*?)```", DOCS.read_text(), re.S
    )
    assert shown, "docs/vault.md shows the built-in mapping in a ```yaml block"
    assert shown.group(1) == builtin_text()


def test_a_mapping_file_is_read_from_its_path(tmp_path: Path) -> None:
    path = tmp_path / "ours.yaml"
    path.write_text("categories:\n  Privacy: privacy\n")
    m = load_stop_reasons(path)
    assert m.origin == str(path) and m.text == path.read_text()
    assert m.reason(Signals("Battery", (), ("privacy",))) == Found(
        "privacy", "category", (), (("trigger_off", "Battery"),)
    )
    with pytest.raises(StopReasonError) as missing:
        load_stop_reasons(tmp_path / "nope.yaml")
    assert missing.value.messages == [f"{tmp_path / 'nope.yaml'}: no such stop-reason mapping file"]


def errors(text: str) -> list[str]:
    with pytest.raises(StopReasonError) as e:
        parse_stop_reasons(text, "ours.yaml")
    return e.value.messages


def test_every_mistake_is_named_at_its_line_and_column() -> None:
    text = """\
trigger_off:
  Battery: batery
  battery: battery
  1: privacy
  Error: ""
tags:
  StopReason: privacy
categories:
  Privacy: {privacy: privacy}
  Lunch: lunch
precedence: [tag]
own_reasons: [Privacy, x y]
triger_off: {}
"""
    reasons = (
        "use one of privacy, bystanders, investigation, victim_request, informant, medical, "
        "residence_no_consent, end_of_encounter, battery, malfunction, or list the department's "
        "own word under own_reasons (to give no reason, leave the name out)"
    )
    assert errors(text) == [
        f"ours.yaml, line 2, column 12: trigger_off.Battery: 'batery' is not a stop reason: "
        f"did you mean battery? {reasons}",
        "ours.yaml, line 3, column 3: trigger_off.battery: 'battery' is the same name as "
        "'Battery' once case, spaces and punctuation are set aside; keep one",
        "ours.yaml, line 4, column 3: trigger_off.1: 1 is not a name: write it as text with a "
        'letter or digit (quote names such as "1" or "yes")',
        f"ours.yaml, line 5, column 10: trigger_off.Error: '' is not a stop reason: {reasons}",
        "ours.yaml, line 7, column 15: tags.StopReason: expected a mapping of values of the tag "
        "StopReason to stop reasons, got 'privacy'",
        "ours.yaml, line 9, column 12: categories.Privacy: expected a stop reason such as "
        "privacy, got a mapping {'privacy': 'privacy'}",
        f"ours.yaml, line 10, column 10: categories.Lunch: 'lunch' is not a stop reason: {reasons}",
        "ours.yaml, line 11, column 13: precedence: expected a list of trigger_off, tag, "
        "category, each once, first read first, got ['tag']",
        "ours.yaml, line 12, column 15: own_reasons.0: privacy is already a stop reason of the "
        "data package; remove it here",
        "ours.yaml, line 12, column 24: own_reasons.1: 'x y' is not a word of lower-case "
        "letters, digits and _ (such as supervisor_approval)",
        "ours.yaml, line 13, column 1: triger_off: unknown key; did you mean trigger_off? "
        "(expected one of: trigger_off, tags, categories, precedence, own_reasons)",
    ]


def test_a_file_that_is_not_a_mapping_or_not_yaml() -> None:
    assert errors("") == [
        "ours.yaml: expected a mapping with trigger_off:, tags:, categories: …, got nothing"
    ]
    assert errors("- privacy\n") == [
        "ours.yaml: expected a mapping with trigger_off:, tags:, categories: …, got ['privacy']"
    ]
    assert errors("categories:\n  Privacy: privacy\n  Privacy: bystanders\n") == [
        "ours.yaml, line 3, column 3: not valid YAML: the key 'Privacy' is given twice"
    ]
    assert errors("categories: [privacy\n") == [
        "ours.yaml, line 2, column 1: not valid YAML: expected ',' or ']', but got '<stream end>'"
    ]
    assert errors("categories: [privacy]\ntags:\n  StopReason:\n    '': privacy\n") == [
        "ours.yaml, line 1, column 13: categories: expected a mapping of categories names to stop "
        "reasons, got ['privacy']",
        "ours.yaml, line 4, column 5: tags.StopReason.: '' is not a name: write it as text with "
        'a letter or digit (quote names such as "1" or "yes")',
    ]


def test_empty_sections_map_nothing() -> None:
    m = parse_stop_reasons("trigger_off:\ntags: {}\n")
    assert (dict(m.trigger_off), dict(m.tags), dict(m.categories)) == ({}, {}, {})
    assert m.reason(Signals("Battery", (), ("Privacy",))) == Found(
        None, None, (), (("trigger_off", "Battery"), ("category", "Privacy"))
    )
