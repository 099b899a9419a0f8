"""`onrecord import` on the command line: summary, reports, and exit status 2 on errors."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from onrecord.cli.app import app

MAPPING = """
department: {name: Test PD, timezone: America/New_York}
tables:
  shifts:
    sources:
      - file: roster.csv
        columns:
          shift_id: {template: "s-{row}"}
          officer_id: badge
          start: {date: day, date_format: "%m/%d/%y", time: from, time_format: "%H%M"}
          end: {date: day, date_format: "%m/%d/%y", time: to, time_format: "%H%M"}
          kind: {column: payer, map: {values: {EVENTS: overtime}, default: other}}
  recordings: {empty: true}
"""
ROSTER = "badge,day,from,to,payer\nB1,08/31/19,0730,1600,EVENTS\nB2,8/32/19,0800,0900,MALL\n"


def invoke(tmp_path: Path, mapping: str, *extra: str) -> tuple[int, str]:
    source = tmp_path / "src"
    source.mkdir(exist_ok=True)
    (source / "roster.csv").write_text(ROSTER)
    (tmp_path / "m.yaml").write_text(mapping)
    args = [
        "import",
        str(tmp_path / "m.yaml"),
        "--source",
        str(source),
        "--out",
        str(tmp_path / "pkg"),
    ]
    result = CliRunner().invoke(app, [*args, *extra], env={"COLUMNS": "200"})
    return result.exit_code, " ".join(result.output.split())


def test_summary_lists_tables_defaults_and_unparsed_values(tmp_path: Path) -> None:
    code, output = invoke(tmp_path, MAPPING)
    assert code == 0
    assert "│ shifts │ 2 │ roster.csv │" in output
    assert "│ recordings │ 0 │ empty (header only) │" in output
    assert (
        "1 row of roster.csv took tables.shifts.sources[0].columns.kind.map.default: 'MALL' (1)"
        in output
    )
    assert "2 values did not parse and were kept as text" in output
    assert "roster.csv line 3: start = '8/32/19 0800' is not a date like %m/%d/%y" in output
    assert (tmp_path / "pkg" / "shifts.csv").is_file()


def test_parquet_format(tmp_path: Path) -> None:
    code, _ = invoke(tmp_path, MAPPING, "--format", "parquet")
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "pkg").iterdir()) == [
        "department.yaml",
        "recordings.parquet",
        "shifts.parquet",
    ]


def test_mapping_error_exits_2_with_the_key(tmp_path: Path) -> None:
    code, output = invoke(tmp_path, MAPPING.replace("time_format", "time_fmt", 1))
    assert code == 2
    assert "import failed" in output
    assert "mapping key tables.shifts.sources[0].columns.start.time_fmt" in output
    assert "m.yaml: unknown key" in output
    assert not (tmp_path / "pkg").exists()


def test_source_error_exits_2_with_file_and_row(tmp_path: Path) -> None:
    code, output = invoke(tmp_path, MAPPING.replace("officer_id: badge", "officer_id: Badge"))
    assert code == 2
    assert "mapping key tables.shifts.sources[0].columns.officer_id, roster.csv line 1" in output


def test_unknown_shipped_mapping_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["import", "boston", "--source", str(tmp_path), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "boston-2019, tjjd-2019" in " ".join(result.output.split())
