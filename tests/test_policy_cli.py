"""``onrecord policy list | show | diff``: exit status and the text a reader relies on."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from onrecord.cli.app import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["policy", *args], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_list_shows_every_builtin_with_a_gist() -> None:
    code, out = run("list")
    assert code == 0
    for policy_id in ("always-on-shift", "boston-rule-405-2019", "mandate-all"):
        assert policy_id in out
    assert "camera on regular shifts, uniformed only; record 10 encounter types" in out
    assert "record the whole shift (≥ 90%) and every encounter" in out


def test_show_prints_rules_and_source() -> None:
    code, out = run("show", "boston-rule-405-2019")
    assert code == 0
    assert "Boston Police Rule 405 (2019) as applied in 2020" in out
    assert "privacy, bystanders, investigation" in out
    assert "max_possession_hours" in out and "Source" in out and "31 May 2019" in out


def test_show_marks_defaults_of_a_file(tmp_path: Path) -> None:
    f = tmp_path / "ours.yaml"
    f.write_text("id: ours\ntitle: Ours\nrecording_required: {max_gap_s: 5}\n")
    code, out = run("show", str(f))
    assert code == 0
    lines = out.splitlines()
    assert any("max_gap_s" in line and "policy" in line for line in lines)
    assert any("end_grace_s" in line and "default" in line for line in lines)


def test_show_yaml_is_canonical_and_loads() -> None:
    code, out = run("show", "mandate-all", "--yaml")
    assert code == 0
    doc = yaml.safe_load(out)
    assert doc["id"] == "mandate-all"
    assert doc["recording_required"]["outside_required_shifts"] is True


def test_show_invalid_file_lists_errors_and_exits_2(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("id: bad\ntitle: Bad\nrecording_required: {start_grace_s: thirty}\ncolour: 1\n")
    code, out = run("show", str(f))
    assert code == 2
    assert "recording_required.start_grace_s: expected a number of seconds" in out
    assert "colour: unknown key" in out and str(f) in out


def test_unknown_id_exits_2_and_lists_ids() -> None:
    code, out = run("show", "nope")
    assert code == 2
    assert "always-on-shift, boston-rule-405-2019, mandate-all" in out


def test_diff_shows_only_differing_rules_and_counts_the_rest() -> None:
    code, out = run("diff", "boston-rule-405-2019", "mandate-all")
    assert code == 0
    for key in (
        "camera_required.shift_kinds",
        "recording_required.encounter_types",
        "recording_required.outside_required_shifts",
        "deactivation.allowed_reasons",
    ):
        assert key in out
    assert "max_gap_s" not in out and "uniformed_only" not in out
    assert "4 rule(s) differ; 10 identical." in out


def test_diff_of_a_policy_with_itself() -> None:
    code, out = run("diff", "mandate-all", "mandate-all")
    assert code == 0
    assert "The rules are the same (14 identical)." in out


def test_diff_with_a_bad_side_exits_2() -> None:
    code, out = run("diff", "mandate-all", "missing.yaml")
    assert code == 2
    assert "missing.yaml: no such policy file" in out
