"""What a command does with paths and database URLs it cannot use: a plain message and status 2,
never a traceback, and nothing created on the way."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from onrecord.cli.app import app
from onrecord.policy import load_policy

runner = CliRunner()
GOOD = "shift_id,officer_id,start,end,kind\ns1,o1,2019-06-01T08:00Z,2019-06-01T16:00Z,regular\n"


def _policy_file(path: Path, policy_id: str) -> Path:
    text = load_policy("mandate-all").canonical_yaml()
    path.write_text(text.replace("id: mandate-all", f"id: {policy_id}", 1), encoding="utf-8")
    return path


def _ok(args: list[str]) -> None:
    result = runner.invoke(app, args, terminal_width=200)
    assert result.exit_code == 0, result.output


def _refused(args: list[str], *says: str) -> str:
    result = runner.invoke(app, args, terminal_width=200)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    words = " ".join(result.output.replace("│", " ").split())  # Typer boxes its usage errors
    for text in says:
        assert text in words
    return words


def test_a_policy_path_is_taken_from_the_working_directory(
    write_package, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_package(shifts=GOOD)
    work = tmp_path / "work"
    work.mkdir()
    _policy_file(work / "good.yaml", "ours")
    monkeypatch.chdir(work)
    out = tmp_path / "audit"
    _ok(["audit", str(root), "--out", str(out), "--policy", "good.yaml", "--compare", "good.yaml"])
    assert json.loads((out / "summary.json").read_text())["policy"]["id"] == "ours"
    _ok(["plan", str(root), "--out", str(tmp_path / "plan"), "--policy", "good.yaml"])
    plan = json.loads((tmp_path / "plan" / "summary.json").read_text())
    assert plan["selection"]["policy"]["id"] == "ours"


def test_a_plan_with_no_stations_lists_its_shifts_as_uncovered(write_package, tmp_path) -> None:
    """A package with shifts but no stations or cameras (once an IndexError)."""
    root = write_package(shifts=GOOD)
    _ok(["plan", str(root), "--out", str(tmp_path / "plan"), "--policy", "mandate-all"])
    with (tmp_path / "plan" / "uncovered.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["shift_id"], r["pool_have"]) for r in rows] == [("s1", "0")]


def test_department_yaml_names_its_policy_from_the_package_folder(
    write_package, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_package(shifts=GOOD)
    _policy_file(root / "ours.yaml", "from-the-package")
    dept = root / "department.yaml"
    dept.write_text(dept.read_text() + "policy: ours.yaml\n")
    monkeypatch.chdir(tmp_path)
    _ok(["audit", str(root), "--out", str(tmp_path / "audit")])
    summary = json.loads((tmp_path / "audit" / "summary.json").read_text())
    assert summary["policy"]["id"] == "from-the-package"


def test_a_folder_as_database_is_refused(tmp_path: Path) -> None:
    _refused(
        ["fleet", "export", "--db", str(tmp_path), "--out", str(tmp_path / "pkg")], "is a folder"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["fleet", "export", "--out", "OUT"],
        ["fleet", "upgrade"],
        ["checkout", "--officer", "O1", "--station", "S1"],
        ["fleet", "checkin", "--camera", "C1", "--station", "S1"],
    ],
)
def test_a_missing_database_is_refused_and_not_created(tmp_path: Path, args: list[str]) -> None:
    missing = tmp_path / "missing.db"
    args = [str(tmp_path / "out") if a == "OUT" else a for a in args]
    _refused([*args, "--db", str(missing)], "does not exist", "onrecord fleet init")
    assert not missing.exists()


def test_a_file_that_is_no_database_is_refused(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n" * 100)
    _refused(["fleet", "upgrade", "--db", str(notes)], "cannot be used")


def test_a_server_that_does_not_answer_is_refused(tmp_path: Path) -> None:
    from postgres_server import free_port

    url = f"postgresql://onrecord@127.0.0.1:{free_port()}/fleet"
    _refused(["fleet", "upgrade", "--db", url], "cannot be used")


@pytest.mark.parametrize(
    "command",
    [
        ["audit", "PKG", "--policy", "mandate-all"],
        ["plan", "PKG", "--all-shifts"],
        ["demo-data"],
        ["fleet", "export", "--db", "DB"],
    ],
)
def test_out_naming_a_file_is_refused_before_any_work(
    write_package, tmp_path: Path, command: list[str]
) -> None:
    root = write_package(shifts=GOOD)
    taken = tmp_path / "taken.txt"
    taken.write_text("keep me\n")
    args = [
        str(root) if a == "PKG" else str(tmp_path / "x.db") if a == "DB" else a for a in command
    ]
    _refused([*args, "--out", str(taken)], "is a file")
    assert taken.read_text() == "keep me\n"


def test_output_without_a_terminal_keeps_lines_whole(write_package, tmp_path: Path) -> None:
    """A pipe or a log file gets whole lines: a long path and a long message are not broken."""
    root = write_package(shifts=GOOD + "s2,o1,2019-06-02T08:00Z,soon,regular\n")
    deep = tmp_path / ("a-rather-long-folder-name-" * 4) / "pkg"
    deep.parent.mkdir(parents=True)
    root.rename(deep)
    result = runner.invoke(app, ["check", str(deep), "--list"])
    lines = result.output.splitlines()
    assert any(str(deep) in line for line in lines)
    assert any("shifts.csv, line 3, column end: soon is not an ISO 8601" in line for line in lines)


OVERTIME = (
    "shift_id,officer_id,start,end,kind\ns1,o1,2019-06-01T08:00Z,2019-06-02T04:00Z,overtime\n"
)


def test_plan_lists_only_the_reasons_that_occur(write_package, tmp_path: Path) -> None:
    root = write_package(shifts=OVERTIME)
    result = runner.invoke(
        app, ["plan", str(root), "--out", str(tmp_path / "p"), "--policy", "mandate-all"]
    )
    assert result.exit_code == 0, result.output
    assert "Uncovered with the current fleet: 1 (no station: 1)" in result.output
    assert " 0," not in result.output and "battery 0" not in result.output


def test_audit_says_why_no_shift_requires_a_camera(write_package, tmp_path: Path) -> None:
    """Boston's rule on a package of overtime only (as the real 2019 data is): 0 and why."""
    root = write_package(shifts=OVERTIME)
    out = tmp_path / "a"
    result = runner.invoke(
        app, ["audit", str(root), "--out", str(out), "--policy", "boston-rule-405-2019"]
    )
    assert result.exit_code == 0, result.output
    assert (
        "boston-rule-405-2019: no shift requires a camera: the policy requires one on regular "
        "(uniformed only), and this package's 1 shifts are overtime"
    ) in result.output
