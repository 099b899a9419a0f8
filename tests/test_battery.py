"""The battery model of the fleet spec, with hand-worked values (12 h battery, 4 h recharge)."""

import numpy as np
import pytest

from onrecord.battery import (
    cameras_needed,
    drained,
    hours_to_charge,
    last_camera_hours,
    recharge_time,
    recharged,
)


@pytest.mark.parametrize(
    ("hours", "k", "last", "recharge"),
    [
        (0.5, 1, 0.5, 4 * 0.5 / 12),  # short tour: a sliver of recharge
        (6.0, 1, 6.0, 2.0),  # half the battery: half the recharge
        (12.0, 1, 12.0, 4.0),  # exactly one battery: one camera, full recharge
        (12.5, 2, 0.5, 4 * 0.5 / 12),  # just over: a second camera that runs half an hour
        (30.0, 3, 6.0, 2.0),  # 12 + 12 + 6
    ],
)
def test_long_tours_take_more_cameras(hours: float, k: int, last: float, recharge: float) -> None:
    assert cameras_needed(hours, 12.0) == k
    assert last_camera_hours(hours, 12.0) == pytest.approx(last)
    assert recharge_time(last_camera_hours(hours, 12.0), 12.0, 4.0) == pytest.approx(recharge)


def test_recharge_is_capped_at_a_full_battery() -> None:
    assert recharge_time(20.0, 12.0, 4.0) == 4.0


def test_charge_drains_and_refills_within_bounds() -> None:
    assert drained(1.0, 3.0, 12.0) == pytest.approx(0.75)
    assert drained(0.1, 3.0, 12.0) == 0.0
    assert recharged(0.5, 1.0, 4.0) == pytest.approx(0.75)
    assert recharged(0.9, 1.0, 4.0) == 1.0
    assert hours_to_charge(0.25, 0.75, 4.0) == pytest.approx(2.0)
    assert hours_to_charge(0.8, 0.75, 4.0) == 0.0


def test_arrays_and_per_camera_ratings() -> None:
    hours = np.array([1.0, 8.0, 9.0])
    battery = np.array([12.0, 8.0, 8.0])
    assert cameras_needed(hours, battery).tolist() == [1, 1, 2]
    assert recharge_time(hours, battery, np.array([4.0, 2.0, 2.0])).tolist() == pytest.approx(
        [1 / 3, 2.0, 2.0]
    )
