"""The planner's definitions (docs/contracts/fleet.md), each against values worked out by hand.

One small package isolates each rule at its own station (times are New York local):

- A: the pool. s1 08:00–16:00 occupies 07:45 → 16:15 + 4 h × 8/12 = 18:55; s2 17:00–19:00 from
  16:45 overlaps it; s3 19:10–20:00 picks up at 18:55, exactly when s1's camera is back
  (half-open), so 2 cameras suffice, first needed at 16:45. A has one in-service pool camera
  (CAM-A2 is in repair): s2 goes without. Dock slots 1 < 2 cameras.
- B: personal cameras. p's camera PC docks at B: it serves p1 (08:00–16:00, until 18:55) and is
  still recharging for p2 (17:00); h1 names no station and falls back to h's home station B.
- C: a long tour. c1 06:00–24:00 is 18 h > 12 h of battery: 2 cameras, the first recharges fully
  (00:15 + 4 h = 04:15), the second ran 6 h (00:15 + 2 h = 02:15). C has one pool camera.
- x1: no station anywhere. ot1: overtime, which boston-rule-405-2019 does not require.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from onrecord.cli.app import app
from onrecord.plan.inputs import PlanError
from onrecord.plan.params import PersonalCameras, PlanParameters
from onrecord.plan.run import run_plan
from package_writer import WritePackage

TABLES = {
    "stations": """
        station_id,dock_slots
        A,1
        B,
        C,0
        """,
    "officers": """
        officer_id,station_id
        o1,A
        o2,A
        o3,A
        p,B
        h,B
        x,
        c,C
        """,
    "cameras": """
        camera_id,station_id,assigned_officer_id,status
        CAM-A1,A,,in_service
        CAM-A2,A,,repair
        PC,B,p,in_service
        CAM-C1,C,,
        """,
    "shifts": """
        shift_id,officer_id,start,end,kind,station_id
        s1,o1,2019-06-01T08:00,2019-06-01T16:00,regular,A
        s2,o2,2019-06-01T17:00,2019-06-01T19:00,regular,A
        s3,o3,2019-06-01T19:10,2019-06-01T20:00,regular,A
        p1,p,2019-06-01T08:00,2019-06-01T16:00,regular,B
        p2,p,2019-06-01T17:00,2019-06-01T19:00,regular,B
        p3,p,2019-06-03T08:00,2019-06-03T16:00,regular,A
        h1,h,2019-06-01T09:00,2019-06-01T10:00,regular,
        x1,x,2019-06-01T09:00,2019-06-01T10:00,regular,
        c1,c,2019-06-01T06:00,2019-06-02T00:00,regular,C
        late,o2,2019-06-02T23:30,2019-06-03T01:00,regular,A
        ot1,o1,2019-06-04T08:00,2019-06-04T12:00,overtime,A
        """,
}


@pytest.fixture
def pkg(write_package: WritePackage) -> Path:
    root = write_package(**TABLES)
    (root / "department.yaml").write_text(
        "name: Test PD\ntimezone: America/New_York\npolicy: boston-rule-405-2019\n"
    )
    return root


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def plan(pkg: Path, tmp_path: Path, **kw: Any) -> tuple[dict[str, Any], Path]:
    out = tmp_path / "plan"
    result = run_plan(pkg, out, **kw)
    return result.summary, out


def by_station(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["station_id"]: r for r in doc["stations"]}


def occupations(out: Path) -> dict[str, list[dict[str, str]]]:
    got: dict[str, list[dict[str, str]]] = {}
    for r in rows(out / "assignments.csv"):
        got.setdefault(r["shift_id"], []).append(r)
    return got


def test_occupation_runs_from_pickup_to_return_plus_proportional_recharge(
    pkg: Path, tmp_path: Path
) -> None:
    _, out = plan(pkg, tmp_path)
    s1, s3 = occupations(out)["s1"][0], occupations(out)["s3"][0]
    assert (s1["occupied_from"], s1["occupied_to"]) == (
        "2019-06-01T07:45:00-04:00",
        "2019-06-01T18:55:00-04:00",
    )
    # 50 minutes of a 12 h battery: 4 h × 50/720 = 16 min 40 s of recharge after 20:15
    assert s3["occupied_to"] == "2019-06-01T20:31:40-04:00"


def test_parameters_change_the_interval(pkg: Path, tmp_path: Path) -> None:
    params = PlanParameters(pickup_lead_minutes=0, return_minutes=0, battery_hours=20)
    _, out = plan(pkg, tmp_path, params=params)
    s1 = occupations(out)["s1"][0]
    # 4 h × 8/20 = 1 h 36 min after 16:00
    assert (s1["occupied_from"], s1["occupied_to"]) == (
        "2019-06-01T08:00:00-04:00",
        "2019-06-01T17:36:00-04:00",
    )
    assert len(occupations(out)["c1"]) == 1  # 18 h fits a 20 h battery


def test_long_tour_takes_k_cameras_the_last_recharging_for_the_remainder(
    pkg: Path, tmp_path: Path
) -> None:
    doc, out = plan(pkg, tmp_path)
    c1 = occupations(out)["c1"]
    assert [(r["part"], r["cameras"], r["camera_id"], r["occupied_from"], r["occupied_to"])
            for r in c1] == [
        ("1", "2", "CAM-C1", "2019-06-01T05:45:00-04:00", "2019-06-02T04:15:00-04:00"),
        ("2", "2", "NEW-C-001", "2019-06-01T05:45:00-04:00", "2019-06-02T02:15:00-04:00"),
    ]  # fmt: skip
    assert doc["totals"]["longer_than_battery"] == 1
    assert by_station(doc)["C"]["pool_needed"] == 2


def test_pool_needed_is_the_peak_overlap_and_the_assignment_reaches_it(
    pkg: Path, tmp_path: Path
) -> None:
    doc, out = plan(pkg, tmp_path)
    a = by_station(doc)["A"]
    assert (a["pool_needed"], a["pool_have"], a["shortfall"]) == (2, 1, 1)
    assert a["peak_at"] == "2019-06-01T16:45:00-04:00"
    occ = occupations(out)
    # the camera charged longest; a numbered new one only when none is free. s3 at 18:55 gets
    # CAM-A1 (back at 18:55; NEW-A-001 only at 19:55); "late" (06-02 23:15) gets NEW-A-001
    # (back since 19:55, CAM-A1 since 20:31:40); p3 (06-03) CAM-A1 (back since 06-01)
    assert [occ[s][0]["camera_id"] for s in ("s1", "s2", "s3", "late", "p3")] == [
        "CAM-A1", "NEW-A-001", "CAM-A1", "NEW-A-001", "CAM-A1",
    ]  # fmt: skip
    assert occ["s2"][0]["new_camera"] == "true" and occ["s1"][0]["new_camera"] == "false"
    assert (doc["totals"]["pool_needed"], doc["totals"]["pool_have"]) == (5, 2)
    assert doc["totals"]["shortfall"] == doc["totals"]["cameras_to_order"] == 3


def test_personal_camera_serves_first_then_is_recharging(pkg: Path, tmp_path: Path) -> None:
    doc, out = plan(pkg, tmp_path)
    occ = occupations(out)
    assert (occ["p1"][0]["camera_id"], occ["p1"][0]["personal"]) == ("PC", "true")
    assert occ["p2"][0]["personal"] == "false"  # PC is back only at 18:55
    assert occ["p3"][0]["camera_id"] == "CAM-A1"  # PC docks at B, p3 reports to A
    b = by_station(doc)["B"]
    assert (b["pool_needed"], b["personal_shifts"], b["personal_docked"]) == (1, 1, 1)
    assert doc["totals"]["personal_served"] == 1


def test_shift_without_station_uses_home_station_or_is_counted(pkg: Path, tmp_path: Path) -> None:
    doc, out = plan(pkg, tmp_path)
    assert occupations(out)["h1"][0]["station_id"] == "B"
    assert doc["selection"]["at_home_station"] == 1  # h1; x1's officer has no station either
    assert doc["selection"]["no_station"] == 1
    assert "x1" not in occupations(out)


def test_current_fleet_leaves_shifts_uncovered_with_reasons(pkg: Path, tmp_path: Path) -> None:
    doc, out = plan(pkg, tmp_path)
    uncovered = rows(out / "uncovered.csv")
    assert (uncovered[0]["shift_start"], uncovered[0]["shift_end"]) == (
        "2019-06-01T06:00:00-04:00", "2019-06-02T00:00:00-04:00",
    )  # fmt: skip
    got = {r["shift_id"]: (r["reason"], r["station_id"], r["pool_free"]) for r in uncovered}
    assert got == {
        "s2": ("no_pool_camera", "A", "0"),
        "p2": ("personal_recharging", "B", "0"),
        "h1": ("no_pool_camera", "B", "0"),
        "x1": ("no_station", "", ""),
        "c1": ("longer_than_battery", "C", "1"),
    }
    assert doc["totals"]["uncovered_by_reason"] == {
        "no_pool_camera": 2, "personal_recharging": 1, "longer_than_battery": 1, "no_station": 1,
    }  # fmt: skip
    assert {k["kind"]: k["uncovered"] for k in doc["by_kind"]} == {"regular": 5}


def test_dock_slots_are_compared_where_known(pkg: Path, tmp_path: Path) -> None:
    doc, out = plan(pkg, tmp_path)
    st = by_station(doc)
    assert (st["A"]["cameras_to_dock"], st["A"]["over_dock_slots"]) == (2, 1)
    assert st["B"]["over_dock_slots"] is None and st["C"]["over_dock_slots"] is None
    assert doc["totals"]["stations_over_dock_slots"] == 1
    csv_a = next(r for r in rows(out / "stations.csv") if r["station_id"] == "A")
    assert (csv_a["dock_slots"], csv_a["over_dock_slots"], csv_a["shortfall"]) == ("1", "1", "1")


def test_policy_selects_required_shifts_and_all_shifts_takes_every_one(
    pkg: Path, tmp_path: Path
) -> None:
    doc, _ = plan(pkg, tmp_path)
    assert doc["selection"]["policy"]["id"] == "boston-rule-405-2019"
    assert (doc["selection"]["shifts_in_range"], doc["selection"]["shifts_needing_camera"]) == (
        11, 10,
    )  # fmt: skip
    every, out = plan(pkg, tmp_path, all_shifts=True)
    assert every["selection"]["shifts_needing_camera"] == 11
    assert every["selection"]["policy"] is None
    assert "ot1" in occupations(out)
    mandate, _ = plan(pkg, tmp_path, policy="mandate-all")
    assert mandate["selection"]["shifts_needing_camera"] == 11


def test_date_range_is_by_local_start_date(pkg: Path, tmp_path: Path) -> None:
    from datetime import date

    doc, out = plan(pkg, tmp_path, date_from=date(2019, 6, 2), date_to=date(2019, 6, 2))
    # late starts 2019-06-02 23:30 in New York, already 06-03 in UTC
    assert list(occupations(out)) == ["late"]
    assert doc["selection"]["shifts_in_range"] == 1
    assert doc["totals"]["pool_needed"] == 1


def test_personal_camera_assumptions(pkg: Path, tmp_path: Path) -> None:
    none, _ = plan(pkg, tmp_path, params=PlanParameters(personal_cameras=PersonalCameras.NONE))
    assert by_station(none)["B"]["pool_needed"] == 2  # p1 overlaps h1 and p2
    assert none["totals"]["personal_served"] == 0
    every, out = plan(
        pkg, tmp_path, params=PlanParameters(personal_cameras=PersonalCameras.EVERY_OFFICER)
    )
    occ = occupations(out)
    assert occ["s2"][0]["camera_id"] == "PERSONAL-o2" and occ["s2"][0]["new_camera"] == "true"
    assert occ["h1"][0]["camera_id"] == "PERSONAL-h"
    assert occ["c1"][0]["personal"] == "false"  # 18 h does not fit one battery
    t = every["totals"]
    assert (t["pool_needed"], t["shortfall"], t["personal_assumed"]) == (4, 2, 5)
    assert t["cameras_to_order"] == 7
    assert t["uncovered_by_reason"] == {
        "no_pool_camera": 0, "personal_recharging": 1, "longer_than_battery": 1, "no_station": 1,
    }  # fmt: skip


def test_cost_is_stated_only_when_priced(pkg: Path, tmp_path: Path) -> None:
    doc, _ = plan(pkg, tmp_path)
    assert doc["totals"]["cost"]["purchase"] is None
    priced, _ = plan(
        pkg, tmp_path, params=PlanParameters(camera_price=500, yearly_cost_per_camera=1200)
    )
    assert priced["totals"]["cost"] == {
        "cameras": 3, "camera_price": 500, "yearly_cost_per_camera": 1200,
        "purchase": 1500, "yearly": 3600,
    }  # fmt: skip


def test_summary_json_is_the_summary(pkg: Path, tmp_path: Path) -> None:
    doc, out = plan(pkg, tmp_path)
    assert json.loads((out / "summary.json").read_text()) == doc


def test_bad_input_is_reported_with_exit_code_2(
    pkg: Path, tmp_path: Path, write_package: WritePackage
) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["plan", str(pkg), "--out", str(tmp_path / "o"), "--policy", "nope"])
    assert r.exit_code == 2
    r = runner.invoke(
        app, ["plan", str(pkg), "--out", str(tmp_path / "o"), "--from", "2019-06-05",
              "--to", "2019-06-01"],
    )  # fmt: skip
    assert r.exit_code == 2 and "after" in r.output
    r = runner.invoke(app, ["plan", str(pkg), "--out", str(tmp_path / "o"), "--from", "June"])
    assert r.exit_code == 2
    r = runner.invoke(
        app, ["plan", str(pkg), "--out", str(tmp_path / "o"), "--return-minutes", "-5"]
    )
    assert r.exit_code == 2 and "--return-minutes" in r.output
    (pkg / "shifts.csv").unlink()
    (pkg / "encounters.csv").write_text("encounter_id,officer_id,type,start,end\n")
    with pytest.raises(PlanError, match="no shifts table"):
        run_plan(pkg, tmp_path / "o", all_shifts=True)
    r = runner.invoke(app, ["plan", str(pkg), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "no shifts table" in r.output


def test_excluded_rows_are_counted_in_the_summary(pkg: Path, tmp_path: Path) -> None:
    with (pkg / "shifts.csv").open("a") as f:
        f.write("bad,o1,2019-06-01T10:00,2019-06-01T09:00,regular,A\n")
    doc, _ = plan(pkg, tmp_path)
    shifts = next(t for t in doc["data_quality"]["tables"] if t["table"] == "shifts")
    assert shifts["rows_excluded"] == 1


def test_cli_prints_the_table_and_writes_every_file(pkg: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli"
    r = CliRunner().invoke(
        app, ["plan", str(pkg), "--out", str(out), "--camera-price", "500"], terminal_width=160
    )
    assert r.exit_code == 0, r.output
    assert "Cameras to order: 3" in r.output and "purchase $1,500" in r.output
    for name in ("stations.csv", "assignments.csv", "uncovered.csv", "summary.json",
                 "report.html"):  # fmt: skip
        assert (out / name).exists()


def test_an_officer_with_two_personal_cameras_uses_the_free_one(
    write_package: WritePackage, tmp_path: Path
) -> None:
    pkg = write_package(
        cameras="""
            camera_id,station_id,assigned_officer_id
            Q2,D,q
            Q1,D,q
            """,
        shifts="""
            shift_id,officer_id,start,end,kind,station_id
            q1,q,2019-06-01T08:00,2019-06-01T16:00,regular,D
            q2,q,2019-06-01T17:00,2019-06-01T19:00,regular,D
            q3,q,2019-06-02T06:00,2019-06-03T00:00,regular,D
            """,
    )
    doc, out = plan(pkg, tmp_path, all_shifts=True)
    occ = occupations(out)
    # Q1 (first in id order) is recharging until 18:55 when q2 picks up at 16:45: Q2 serves
    assert [occ[s][0]["camera_id"] for s in ("q1", "q2", "q3")] == ["Q1", "Q2", "NEW-D-001"]
    assert len(occ["q3"]) == 2  # 18 h: longer than either battery, so two pool cameras
    assert doc["totals"]["personal_served"] == 2


def test_occupation_across_the_end_of_daylight_saving(
    write_package: WritePackage, tmp_path: Path
) -> None:
    pkg = write_package(
        shifts="""
            shift_id,officer_id,start,end,kind,station_id
            n1,o,2019-11-03T00:00,2019-11-03T08:00,regular,A
            """,
    )
    _, out = plan(pkg, tmp_path, all_shifts=True)
    n1 = occupations(out)["n1"][0]
    # 9 hours in absolute time: recharge 4 h × 9/12 = 3 h after 08:15 EST
    assert (n1["occupied_from"], n1["occupied_to"]) == (
        "2019-11-02T23:45:00-04:00",
        "2019-11-03T11:15:00-05:00",
    )
