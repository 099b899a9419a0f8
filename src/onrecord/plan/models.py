"""The plan's ``summary.json`` as typed models: what the writer builds and every reader (the
report, the command line, the console's Fleet and Overtime gap pages) reads
(``onrecord.plan-summary/1``, ``docs/schemas/plan-summary.schema.json``)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import ConfigDict, Field

from onrecord.output import Part, Summary
from onrecord.package.quality import DataQuality
from onrecord.plan.params import PlanParameters
from onrecord.policy import PolicyDocument

PLAN_FORMAT = "onrecord.plan-summary/1"


class PlannedPackage(Part):
    name: str
    """The department's name, from ``department.yaml``."""
    path: str
    timezone: str
    """The department's IANA time zone: every time in the plan is local, with its offset."""


class PlanSelection(Part):
    """Which shifts the plan is for."""

    policy: PolicyDocument | None
    """The policy whose ``camera_required`` rules chose the shifts; null with ``all_shifts``."""
    all_shifts: bool
    first_day: date | None = Field(alias="from")
    """``--from``: the first local start date selected; null for the whole schedule."""
    last_day: date | None = Field(alias="to")
    """``--to``: the last local start date selected (inclusive)."""
    first_start: date | None
    """The local date of the first shift needing a camera; null with none."""
    last_start: date | None
    shifts_in_range: int
    """Shifts starting within the dates."""
    shifts_needing_camera: int
    not_required: int
    """Shifts in range the policy requires no camera on."""
    at_home_station: int
    """Shifts needing a camera that name no station and take their officer's home station."""
    no_station: int
    """Shifts needing a camera with no station at all: not planned, listed as uncovered."""


class UncoveredByReason(Part):
    """Shifts the current fleet leaves without a camera, by the most specific reason."""

    no_pool_camera: int
    personal_recharging: int
    longer_than_battery: int
    no_station: int

    def of(self, reason: str) -> int:
        """The count for ``reason``, a ``Reason``'s code (``no_pool_camera``…)."""
        n: int = getattr(self, reason)
        return n


class Cost(Part):
    """Cameras to order and their cost; a price not given is null, and so is its cost."""

    cameras: int
    camera_price: float | None
    yearly_cost_per_camera: float | None
    purchase: float | None
    """cameras × camera_price."""
    yearly: float | None
    """cameras × yearly_cost_per_camera, per year (not pro-rated)."""


class PlanTotals(Part):
    pool_needed: int
    pool_have: int
    shortfall: int
    """Σ max(0, pool_needed − pool_have) over stations: a surplus is never moved."""
    personal_served: int
    personal_recharging: int
    pool_shifts: int
    pool_occupations: int
    longer_than_battery: int
    uncovered: int
    uncovered_by_reason: UncoveredByReason
    stations_over_dock_slots: int
    personal_assumed: int
    """Hypothetical personal cameras (``--personal-cameras every-officer``)."""
    cameras_to_order: int
    """shortfall + personal_assumed."""
    cost: Cost


class StationPlan(Part):
    """One station: the same columns as ``stations.csv``."""

    station_id: str
    pool_needed: int
    pool_have: int
    shortfall: int
    peak_at: str | None
    """The first instant the station reaches ``pool_needed`` (local ISO 8601 with offset);
    null when it needs none."""
    dock_slots: int
    """From ``stations``; 0 = unknown."""
    personal_docked: int
    cameras_to_dock: int
    over_dock_slots: int | None
    """null when ``dock_slots`` is unknown."""
    pool_shifts: int
    personal_shifts: int
    uncovered_shifts: int


class KindPlan(Part):
    """The shifts needing a camera of one kind."""

    kind: str
    shifts: int
    personal: int
    """Served by a personal camera."""
    pool: int
    longer_than_battery: int
    uncovered: int
    uncovered_by_reason: UncoveredByReason


class Occupancy(Part):
    """A station's pool cameras out or recharging over time, as the report charts it: in each
    bin, the most occupied at any instant in it."""

    station_id: str
    bin_minutes: int
    first_bin: str
    """The first bin's start (local ISO 8601 with offset)."""
    values: list[int]
    peak: int
    peak_at: str
    peak_bin: int
    have: int


class PlanSummary(Summary):
    """A plan's ``summary.json``: the package, the selection (the policy and its rules, or
    every shift; dates; counts), the parameters, totals (pool cameras needed, had and short,
    shifts uncovered by reason, cameras to order and their cost), every station, a breakdown by
    kind of shift, the occupancy series the report charts, and the package's data quality."""

    FORMAT: ClassVar[str] = PLAN_FORMAT
    COMMAND: ClassVar[str] = "onrecord plan"
    model_config = ConfigDict(title="onrecord.plan-summary/1")

    format: Literal["onrecord.plan-summary/1"]
    """The document and its version. A reader refuses a version it does not know."""
    onrecord_version: str
    method: str
    package: PlannedPackage
    selection: PlanSelection
    parameters: PlanParameters
    totals: PlanTotals
    stations: list[StationPlan]
    by_kind: list[KindPlan]
    occupancy: list[Occupancy]
    """The stations that need the most pool cameras (at most eight), most first."""
    data_quality: DataQuality
