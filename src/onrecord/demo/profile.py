"""The rates the demo department is generated from, gathered in one place so they can be cited,
reviewed and changed together.

``REALISTIC`` is modelled on Boston's uniformed patrol in 2020 (sources in
``docs/demo-data.md``). ``CHECKER_BENCH`` trades realism for the table sizes the checker's
benchmark is specified in (about 25 shifts, 100 encounters and 150 recordings per officer-year).
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Behaviour:
    """How an officer holding a camera records an encounter that policy says to record.

    Shares of officer-incidents; the remainder is compliant (recording begins before or within
    30 s of arrival and ends after clearance).
    """

    not_activated: float = 0.07
    late_start: float = 0.08
    early_stop_unexcused: float = 0.04  # no reason given, or a reason the policy does not list
    early_stop_excused: float = 0.05  # privacy, bystanders or investigation
    gap: float = 0.03  # a pause and a restart inside the encounter
    malfunction: float = 0.003
    optional_activation: float = 0.55  # share of encounters outside the recording rule recorded


@dataclass(frozen=True)
class Profile:
    """Every tunable rate of the generator. Counts are per officer per year unless noted."""

    name: str
    # Schedule
    absence_share: float = 0.12  # regular tours not worked: leave, sickness, injury
    paid_details: float = 40.0
    overtime: float = 12.0
    court: float = 13.0
    training: float = 2.0
    double_share: float = 0.35  # extra tours worked straight after a regular tour
    event_every_days: int = 28  # one large event day in every such stretch of the period
    event_share: float = 0.45  # share of uniformed officers working the event
    retirements: float = 0.03
    # Cameras
    regular_camera_share: float = 0.96  # regular tours on which the camera is picked up
    extra_camera_share: float = 0.22  # overtime and paid-detail tours with a camera
    event_camera_share: float = 0.02
    personal_repair_share: float = 0.015
    pool_share: float = 0.06  # pool cameras per officer at a station (at least 3)
    pool_repair_share: float = 0.08
    unclosed_checkout_share: float = 0.015
    # Activity
    incidents_per_hour: float = 0.13  # per patrol officer on a regular tour, at the mean hour
    backup_share: float = 1.0  # multiplies each type's chance of backup officers
    unscheduled_per_day: float = 0.002  # off-duty encounters per officer per day
    # Recording
    behaviour: Behaviour = Behaviour()
    test_clips: float = 0.10  # function-test clips per camera session
    accidental_clips: float = 0.05  # short accidental activations per camera session
    unassigned_share: float = 0.05  # pool-camera footage not tagged with an officer
    untagged_share: float = 0.15  # footage without a CAD incident number
    uncategorised_share: float = 0.03


REALISTIC = Profile(name="realistic")

CHECKER_BENCH = replace(
    REALISTIC,
    name="checker-bench",
    absence_share=0.935,
    paid_details=3.0,
    overtime=1.0,
    court=1.0,
    training=0.0,
    event_share=0.05,
    extra_camera_share=0.5,
    incidents_per_hour=0.45,
    test_clips=3.0,
    accidental_clips=1.8,
    behaviour=replace(Behaviour(), gap=0.2),
)

PROFILES: dict[str, Profile] = {p.name: p for p in (REALISTIC, CHECKER_BENCH)}
