"""The audit on the real data: the Texas figures reproduce the published analysis, and Boston's
2019 overtime is outside one policy and inside the other."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

from onrecord.audit import run_audit
from onrecord.importers import load_mapping, run_import

SECURE = ("Alpha", "Beta", "Delta", "Epsilon", "Gamma")

# Share of shift hours recorded over shifts with any footage, for correctional staff at the five
# secure facilities, employed through the three weeks and hired by 2019-01-21 (docs/audit.md).
TJJD_SHARE = """
SELECT o.station_id AS facility, sum(s.recorded_ratio * s.hours) / sum(s.hours) AS share
FROM read_csv('{shifts}') s
JOIN read_csv('{officers}', all_varchar = true) o USING (officer_id)
WHERE o.unit IN ('Correctional', 'Correctional Supervisor')
  AND o.station_id IN ('Alpha', 'Beta', 'Delta', 'Epsilon', 'Gamma')
  AND CAST(o.active_from AS DATE) <= DATE '2019-01-21'
  AND (o.active_to IS NULL OR CAST(o.active_to AS DATE) >= DATE '2019-04-21')
  AND s.recorded_ratio > 0
GROUP BY 1 ORDER BY 1
"""


@pytest.fixture(scope="module")
def tjjd(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    data = Path(__file__).resolve().parents[2] / "shared" / "data" / "tjjd-2019"
    if not data.is_dir():
        pytest.skip(f"the real data is not beside the repository ({data})")
    root = tmp_path_factory.mktemp("tjjd")
    run_import(load_mapping("tjjd-2019"), data, root / "pkg")
    run_audit(root / "pkg", root / "audit", policy="always-on-shift")
    return root / "pkg", root / "audit"


def test_tjjd_reproduces_published_facility_shares(tjjd: tuple[Path, Path]) -> None:
    pkg, out = tjjd
    published = Path(__file__).resolve().parents[2] / "shared/data/tjjd-2019/published"
    with (published / "facility-shift_metrics.csv").open() as f:
        expected = {r["HR_Location"]: float(r["Percent_of_Total_Shift_Hours_Recorded"])
                    for r in csv.DictReader(f)}  # fmt: skip
    sql = TJJD_SHARE.format(shifts=out / "shifts.csv", officers=pkg / "officers.csv")
    got = dict(duckdb.sql(sql).fetchall())
    assert sorted(got) == sorted(SECURE)
    for facility in SECURE:
        assert got[facility] == pytest.approx(expected[facility], abs=0.005), facility


def test_tjjd_audit_finds_zero_footage_shifts_and_two_cameras(tjjd: tuple[Path, Path]) -> None:
    _, out = tjjd
    ((zero,),) = duckdb.sql(
        f"SELECT count(*) FROM read_csv('{out / 'shifts.csv'}') "
        "WHERE required AND recorded_ratio = 0"
    ).fetchall()
    assert zero > 1000  # most "missing" footage: shifts with none at all
    summary = json.loads((out / "summary.json").read_text())
    groups = {(g["code"], g["table"]): g["count"] for g in summary["data_quality"]["groups"]}
    assert groups[("two_cameras_at_once", "recordings")] > 0
    assert groups[("unknown_officer", "recordings")] == 2218


@pytest.fixture(scope="module")
def boston(boston_package: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("boston")
    run_audit(boston_package, root / "audit", policy="boston-rule-405-2019", compare="mandate-all")
    return root / "audit"


OVERTIME = """
SELECT count(*) FILTER (WHERE required), round(coalesce(sum(hours) FILTER (WHERE required), 0), 1),
       count(*) FILTER (WHERE required AND substr(start, 1, 10) = '2019-08-31'),
       round(coalesce(sum(hours) FILTER (WHERE required AND substr(start, 1, 10) = '2019-08-31'),
                      0), 1)
FROM read_csv('{path}', types = {{'start': 'VARCHAR'}}) WHERE kind IN ('overtime', 'paid_detail')
"""


def test_boston_overtime_requires_cameras_only_under_the_mandate(boston: Path) -> None:
    (rule405,) = duckdb.sql(OVERTIME.format(path=boston / "shifts.csv")).fetchall()
    (mandate,) = duckdb.sql(OVERTIME.format(path=boston / "compare" / "shifts.csv")).fetchall()
    assert rule405 == (0, 0.0, 0, 0.0)
    assert (mandate[0], mandate[2]) == (20_980, 1_084)  # every 2019 overtime and detail tour
    assert mandate[1] == pytest.approx(129_609.2, abs=0.2)
    assert mandate[3] == pytest.approx(9_499.6, abs=0.2)
