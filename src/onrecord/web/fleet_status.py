"""The fleet as the checkout service sees it now, for the Fleet page: each station's cameras
(docked and charging, out, in repair) and the shifts about to start that its dock cannot serve;
and the latest fleet plan's figures when the console is given one (``--plan DIR``).

Every rule is the checkout service's own: the charge model of ``CameraStatus.charge_at``, who
may take a camera (``rules.eligibility``), the charge a shift needs (``rules.hours_needed``)
and which docked camera an officer may take (``rules.choose``), so the page predicts the answer
the kiosk would give at pickup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from onrecord.battery import PICKUP_LEAD_MINUTES, hours_to_charge
from onrecord.database.fleet import CameraState, Officer, Shift, Station
from onrecord.fleet import rules
from onrecord.fleet.rules import CameraStatus, Reason, Refused, ShiftWindow
from onrecord.fleet.service import CheckoutService
from onrecord.output import SummaryError, read_summary
from onrecord.plan.models import PlanSelection, PlanSummary, PlanTotals, StationPlan

HORIZON = timedelta(hours=12)
"""How far ahead the Fleet page looks for shifts that will find no charged camera."""
PICKUP_LEAD = timedelta(minutes=PICKUP_LEAD_MINUTES)
"""An officer takes the camera this long before the shift (the planner's default)."""


@dataclass(frozen=True)
class CameraNow:
    """One camera as the page shows it: charge now and, on the dock, when it will be full."""

    camera: CameraStatus
    charge: float
    full_at: datetime | None


@dataclass(frozen=True)
class ShiftWithout:
    """An upcoming shift whose officer would be refused a camera at pickup, and why."""

    shift_id: str
    officer_id: str
    start: datetime
    end: datetime
    reason: Reason
    message: str
    ready_at: datetime | None


@dataclass(frozen=True)
class StationFleet:
    station_id: str
    name: str | None
    dock_slots: int
    docked: list[CameraNow]
    out: list[CameraNow]
    repair: list[CameraNow]
    shifts_ahead: int
    without: list[ShiftWithout]


def _now(c: CameraStatus, at: datetime) -> CameraNow:
    charge = c.charge_at(at)
    full_at = None
    if c.docked and charge < 1:
        full_at = at + timedelta(hours=float(hours_to_charge(charge, 1.0, c.recharge_hours)))
    return CameraNow(c, charge, full_at)


def _without(
    svc: CheckoutService,
    station_id: str,
    docked: list[CameraStatus],
    shifts: list[tuple[Shift, Officer | None]],
    at: datetime,
) -> list[ShiftWithout]:
    """Walk the shifts in start order, each officer taking the camera the service would give
    at pickup from what earlier shifts left on the dock; cameras out now are assumed not back
    in time (the page errs towards warning)."""
    left = list(docked)
    out = []
    for sh, officer in shifts:
        pickup = max(at, sh.start - PICKUP_LEAD)
        need = rules.hours_needed(ShiftWindow(sh.shift_id, sh.start, sh.end), pickup)
        try:
            if officer is None:
                raise Refused(
                    Reason.UNKNOWN_OFFICER, f"Officer {sh.officer_id} is not on the roster."
                )
            today = pickup.astimezone(ZoneInfo(svc.timezone)).date()
            span = (officer.active_from, officer.active_to)
            bar = rules.eligibility(sh.officer_id, officer.trained_on, span, today)
            if bar:
                raise Refused(*bar)
            best = rules.choose(sh.officer_id, station_id, left, need, pickup, svc.timezone)[0]
        except Refused as r:
            out.append(
                ShiftWithout(
                    sh.shift_id, sh.officer_id, sh.start, sh.end, r.reason, r.message, r.ready_at
                )
            )
        else:
            left.remove(best)
    return out


def station_fleets(svc: CheckoutService, at: datetime) -> list[StationFleet]:
    """Every station of the fleet database at ``at`` (aware), in station order."""
    with svc.readers() as s:
        stations = list(s.scalars(select(Station).order_by(Station.station_id)))
        holders = set(
            s.scalars(select(CameraState.officer_id).where(CameraState.officer_id.is_not(None)))
        )
        upcoming: list[tuple[Shift, Officer | None]] = [
            (sh, o)
            for sh, o in s.execute(
                select(Shift, Officer)
                .outerjoin(Officer, Officer.officer_id == Shift.officer_id)
                .where(Shift.start >= at, Shift.start < at + HORIZON)
                .order_by(Shift.start, Shift.shift_id)
            )
        ]
    cameras = svc.cameras_by_station()
    out = []
    for st in stations:
        cams = [c for c in cameras.get(st.station_id, []) if c.status != "retired"]
        docked = [c for c in cams if c.docked and c.status == "in_service"]
        shifts = [
            (sh, o)
            for sh, o in upcoming
            if sh.station_id == st.station_id and sh.officer_id not in holders
        ]
        out.append(
            StationFleet(
                station_id=st.station_id,
                name=st.name,
                dock_slots=st.dock_slots,
                docked=[_now(c, at) for c in docked],
                out=[_now(c, at) for c in cams if not c.docked and c.status == "in_service"],
                repair=[_now(c, at) for c in cams if c.status == "repair"],
                shifts_ahead=len(shifts),
                without=_without(svc, st.station_id, docked, shifts, at),
            )
        )
    return out


class PlanError(Exception):
    """The ``--plan`` folder is not an ``onrecord plan`` output."""


@dataclass(frozen=True)
class PlanResults:
    """The parts of an ``onrecord plan`` output (its ``summary.json``) the console shows: pool
    cameras needed, had and short per station, and the totals."""

    folder: Path
    selection: PlanSelection
    totals: PlanTotals
    stations: dict[str, StationPlan]

    @classmethod
    def load(cls, folder: Path) -> PlanResults:
        path = folder / "summary.json"
        try:
            doc = read_summary(path, PlanSummary)
        except SummaryError as e:
            raise PlanError(f"{path} is not an `onrecord plan` summary: it {e.problem}") from None
        return cls(folder, doc.selection, doc.totals, {r.station_id: r for r in doc.stations})
