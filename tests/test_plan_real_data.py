"""The planner on Boston's 2019 overtime, paid details and court tours (docs/plan.md): the
headline totals of the tables there, without and with a personal camera for every officer."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from onrecord.plan.params import PersonalCameras, PlanParameters
from onrecord.plan.run import run_plan

DAY = date(2019, 8, 31)


def totals(pkg: Path, out: Path, personal: PersonalCameras, day: date | None) -> tuple:
    """shifts, pool needed, (top station, its need, its peak), shifts on a personal camera,
    hypothetical personal cameras, tours longer than a battery, uncovered shifts."""
    doc = run_plan(
        pkg, out, all_shifts=True, date_from=day, date_to=day,
        params=PlanParameters(personal_cameras=personal),
    ).summary  # fmt: skip
    t = doc["totals"]
    top = max(doc["stations"], key=lambda r: (r["pool_needed"], r["station_id"]))
    return (
        doc["selection"]["shifts_needing_camera"], t["pool_needed"],
        (top["station_id"], top["pool_needed"], top["peak_at"]), t["personal_served"],
        t["personal_assumed"], t["longer_than_battery"], t["uncovered"],
    )  # fmt: skip


NONE, EVERY = PersonalCameras.NONE, PersonalCameras.EVERY_OFFICER


@pytest.mark.parametrize(
    ("personal", "day", "expected"),
    [
        (NONE, None, (47_733, 2_069, ("DISTRICT 02", 141, "2019-04-15T07:15:00-04:00"),
                      0, 0, 261, 47_733)),
        (EVERY, None, (47_733, 779, ("STUDENT OFFICERS", 114, "2019-04-15T15:45:00-04:00"),
                       43_965, 2_198, 261, 3_768)),
        (NONE, DAY, (1_084, 1_080, ("DISTRICT 01", 75, "2019-08-31T15:45:00-04:00"),
                     0, 0, 34, 1_084)),
        (EVERY, DAY, (1_084, 134, ("BICYCLE UNIT", 22, "2019-08-31T06:45:00-04:00"),
                      982, 1_037, 34, 102)),
    ],
)  # fmt: skip
def test_boston_2019_headline_totals(
    boston_package: Path, tmp_path: Path, personal: PersonalCameras, day: date | None,
    expected: tuple,
) -> None:  # fmt: skip
    assert totals(boston_package, tmp_path / "plan", personal, day) == expected
