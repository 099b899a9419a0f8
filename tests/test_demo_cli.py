"""``onrecord demo-data``: options, formats and the summary it prints."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from onrecord.cli.app import app

runner = CliRunner()


def test_writes_a_csv_package_and_summarises_it(tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    args = ["demo-data", "--out", str(out), "--officers", "40", "--days", "3", "--seed", "9"]
    result = runner.invoke(app, args, terminal_width=120)
    assert result.exit_code == 0, result.output
    for name in ("stations", "officers", "cameras", "shifts", "encounters", "recordings"):
        assert name in result.output
        assert (out / f"{name}.csv").is_file()
    assert "policy: boston-rule-405-2019" in (out / "department.yaml").read_text()
    shifts = (out / "shifts.csv").read_text().splitlines()
    assert re.search(rf"│ shifts\s+│\s+{len(shifts) - 1:,} │", result.output)


def test_parquet_start_and_profile(tmp_path: Path) -> None:
    out = tmp_path / "pkg"
    args = ["demo-data", "--out", str(out), "--officers", "40", "--days", "2"]
    args += ["--format", "parquet", "--start", "2021-01-04", "--profile", "checker-bench"]
    result = runner.invoke(app, args, terminal_width=120)
    assert result.exit_code == 0, result.output
    starts = pq.read_table(out / "shifts.parquet", columns=["start"]).column(0).to_pylist()
    assert min(starts) >= datetime(2021, 1, 4) and max(starts) < datetime(2021, 1, 6)
    assert not list(out.glob("*.csv"))


def test_rejects_a_bad_date_and_format(tmp_path: Path) -> None:
    for bad in (["--start", "04/01/2021"], ["--format", "xlsx"], ["--officers", "0"]):
        result = runner.invoke(app, ["demo-data", "--out", str(tmp_path / "x"), *bad])
        assert result.exit_code == 2, bad
