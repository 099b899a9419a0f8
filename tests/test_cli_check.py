"""``onrecord check``: exit status 0 / 1 / 2, the console report and the JSON report."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from onrecord.cli.app import app

runner = CliRunner()
GOOD = "shift_id,officer_id,start,end,kind\ns1,o1,2019-06-01T08:00Z,2019-06-01T16:00Z,regular\n"


def test_clean_package_exits_0(write_package) -> None:
    result = runner.invoke(app, ["check", str(write_package(shifts=GOOD))])
    assert result.exit_code == 0, result.output
    assert "No row errors" in result.output and "Test PD" in result.output


def test_row_errors_exit_1_and_name_the_place(write_package) -> None:
    root = write_package(shifts=GOOD + "s2,o1,2019-06-02T08:00Z,soon,regular\n")
    result = runner.invoke(app, ["check", str(root), "--list"], terminal_width=200)
    assert result.exit_code == 1, result.output
    assert "shifts.csv, line 3, column end: soon is not an ISO 8601" in result.output
    assert "1 row(s) excluded" in result.output


def test_structural_errors_exit_2(write_package) -> None:
    root = write_package(shifts="shift_id,start,end,kind\n")
    result = runner.invoke(app, ["check", str(root)], terminal_width=200)
    assert result.exit_code == 2
    assert "required column 'officer_id' is missing" in result.output


def test_json_report_lists_every_problem(write_package) -> None:
    root = write_package(
        shifts=GOOD + "s1,o1,2019-06-02T08:00Z,2019-06-02T09:00Z,detail\n"
        "s3,o1,2019-06-03T08:00Z,2019-06-03T09:00Z,detail\n"
    )
    result = runner.invoke(app, ["check", str(root), "--json"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["status"] == "row_errors" and doc["exit_code"] == 1
    shifts = next(t for t in doc["tables"] if t["table"] == "shifts")
    assert (shifts["rows_read"], shifts["rows_kept"], shifts["excluded"]) == (
        3,
        2,
        {"duplicate_key": 1},
    )
    assert [(p["line"], p["code"]) for p in doc["problems"]] == [
        (3, "duplicate_key"),
        (4, "unlisted_word"),
    ]
    assert {g["code"]: g["count"] for g in doc["groups"]} == {
        "duplicate_key": 1,
        "unlisted_word": 1,
    }


def test_json_structural(write_package) -> None:
    root = write_package(shifts="shift_id,start,end,kind\n")
    result = runner.invoke(app, ["check", str(root), "--json"])
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert doc["status"] == "structural"
    assert [(p["code"], p["column"]) for p in doc["problems"]] == [("missing_column", "officer_id")]


def test_values_that_look_like_markup_print_as_they_are(write_package) -> None:
    """A cell such as ``[/x]`` is data, not console markup: printing it once ended in a
    traceback (rich.errors.MarkupError)."""
    root = write_package(shifts=GOOD + "s2,o1,2019-06-02T08:00Z,[/x],regular\n")
    result = runner.invoke(app, ["check", str(root), "--list"], terminal_width=200)
    assert result.exit_code == 1, result.output
    assert "[/x] is not an ISO 8601" in result.output
