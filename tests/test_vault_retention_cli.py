"""``onrecord vault retention list | show``: exit status and the text a reader relies on.

The sub-app is invoked on its own; ``onrecord vault`` mounts it as ``retention``."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from onrecord.cli.vault_retention import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_list_shows_every_builtin_with_a_gist() -> None:
    code, out = run("list")
    assert code == 0
    assert "minnesota-13.825" in out and "ohio-highway-patrol-760-0826" in out
    assert "90 days by default; 1 year for firearm_discharge;" in out
    assert "180 days by default; 2 years or until proceedings end, whichever is longer" in out


def test_show_prints_source_rules_and_notes() -> None:
    code, out = run("show", "minnesota-13.825")
    assert code == 0
    assert "Minnesota Statutes 2021, section 13.825" in out
    assert "https://www.revisor.mn.gov/statutes/cite/13.825" in out
    assert "Days are counted in: America/Chicago" in out
    lines = out.splitlines()
    assert any(
        "every item (default)" in ln and "90 days" in ln and "subd. 3(a)" in ln for ln in lines
    )
    assert any("firearm_discharge" in ln and "1 year" in ln for ln in lines)
    assert "Notes" in out and "up to 180 days" in out


def test_show_a_file(tmp_path: Path) -> None:
    f = tmp_path / "ours.yaml"
    f.write_text(
        "name: ours\ntitle: Ours\njurisdiction: Here\ntime_zone: UTC\n"
        "source: {citation: item 4, url: 'https://example.org', version: '2026'}\n"
        "default: {period: 30 days, citation: item 4(a)}\n"
        "rules:\n  - {categories: [homicide], period: indefinitely, citation: item 4(b)}\n",
        encoding="utf-8",
    )
    code, out = run("show", str(f))
    assert code == 0
    assert f"read from {f}" in out
    assert any("homicide" in ln and "indefinitely" in ln for ln in out.splitlines())
    assert "(none given)" in out


def test_show_an_invalid_file_lists_every_problem_and_exits_2(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("name: bad\ntitle: Bad\ndefault: {period: 90}\n", encoding="utf-8")
    code, out = run("show", str(f))
    assert code == 2
    assert "cannot be used as a retention schedule" in out
    assert f"{f}, line 3, column 19: default.period: expected a period such as" in out
    assert f"{f}, line 1, column 1: time_zone: required key is missing" in out
    assert "Traceback" not in out


def test_an_unknown_name_exits_2_and_lists_the_names() -> None:
    code, out = run("show", "nowhere")
    assert code == 2
    assert "the built-in schedules are minnesota-13.825, ohio-highway-patrol-760-0826" in out
