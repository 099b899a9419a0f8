"""The planner on Boston's 2019 overtime, paid details and court tours (docs/plan.md): the
headline totals of the tables there, without and with a personal camera for every officer."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from onrecord.fleet.params import PersonalCameras, PlanParameters
from onrecord.fleet.run import run_plan

DAY = date(2019, 8, 31)


def totals(pkg: Path, out: Path, personal: PersonalCameras, day: date | None) -> dict[str, Any]:
    doc = run_plan(
        pkg, out, all_shifts=True, date_from=day, date_to=day,
        params=PlanParameters(personal_cameras=personal),
    ).summary  # fmt: skip
    top = max(doc["stations"], key=lambda r: (r["pool_needed"], r["station_id"]))
    return {
        "shifts": doc["selection"]["shifts_needing_camera"],
        "pool_needed": doc["totals"]["pool_needed"],
        "top": (top["station_id"], top["pool_needed"], top["peak_at"]),
        "personal_served": doc["totals"]["personal_served"],
        "personal_assumed": doc["totals"]["personal_assumed"],
        "longer_than_battery": doc["totals"]["longer_than_battery"],
        "uncovered": doc["totals"]["uncovered"],
    }


@pytest.mark.parametrize(
    ("personal", "day", "expected"),
    [
        (PersonalCameras.NONE, None, {
            "shifts": 47_733, "pool_needed": 2_069,
            "top": ("DISTRICT 02", 141, "2019-04-15T07:15:00-04:00"),
            "personal_served": 0, "personal_assumed": 0, "longer_than_battery": 261,
            "uncovered": 47_733,
        }),
        (PersonalCameras.EVERY_OFFICER, None, {
            "shifts": 47_733, "pool_needed": 779,
            "top": ("STUDENT OFFICERS", 114, "2019-04-15T15:45:00-04:00"),
            "personal_served": 43_965, "personal_assumed": 2_198, "longer_than_battery": 261,
            "uncovered": 3_768,
        }),
        (PersonalCameras.NONE, DAY, {
            "shifts": 1_084, "pool_needed": 1_080,
            "top": ("DISTRICT 01", 75, "2019-08-31T15:45:00-04:00"),
            "personal_served": 0, "personal_assumed": 0, "longer_than_battery": 34,
            "uncovered": 1_084,
        }),
        (PersonalCameras.EVERY_OFFICER, DAY, {
            "shifts": 1_084, "pool_needed": 134,
            "top": ("BICYCLE UNIT", 22, "2019-08-31T06:45:00-04:00"),
            "personal_served": 982, "personal_assumed": 1_037, "longer_than_battery": 34,
            "uncovered": 102,
        }),
    ],
)  # fmt: skip
def test_boston_2019_headline_totals(
    boston_package: Path, tmp_path: Path, personal: PersonalCameras, day: date | None,
    expected: dict[str, Any],
) -> None:  # fmt: skip
    assert totals(boston_package, tmp_path / "plan", personal, day) == expected
