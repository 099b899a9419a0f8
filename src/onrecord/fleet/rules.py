"""The checkout rules, pure: which shift a checkout is for, how much charge it needs, which
camera to hand out, why not, and how a camera's history replays into its state.

No database here: the service reads rows, these functions decide, the service writes. Charge is
the battery model of ``onrecord.battery`` (a fraction of a full battery).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from onrecord.battery import drained, hours_to_charge, recharged

SHIFT_WINDOW = timedelta(hours=2)
"""A checkout is for the officer's shift under way or starting within this long (the spec)."""
RETURN_MINUTES = 15
"""The camera is back on a dock this long after the shift ends (the planner's default)."""
DEFAULT_TOUR_HOURS = 8.0
"""Without a scheduled shift the checkout is allowed and needs the charge for a tour this long."""
FUTURE_TOLERANCE = timedelta(minutes=5)
"""How far ahead of the server's clock an event's time may be (kiosk clocks drift a little).
A later time is refused (``time_in_future``): the event would stand as the camera's latest
until then, so every checkout before it would skip the camera and the audit would extend its
possession to that date."""
EPSILON = 1e-9


class Reason(StrEnum):
    """Why the service declined; the API returns it as a machine-readable code."""

    UNKNOWN_OFFICER = "unknown_officer"
    UNKNOWN_STATION = "unknown_station"
    UNKNOWN_CAMERA = "unknown_camera"
    OFFICER_INACTIVE = "officer_inactive"
    NOT_TRAINED = "not_trained"
    ALREADY_HOLDS = "already_holds"
    NO_CAMERA_DOCKED = "no_camera_docked"
    CAMERA_IN_REPAIR = "camera_in_repair"
    NO_CHARGED_CAMERA = "no_charged_camera"
    ALREADY_DOCKED = "already_docked"
    BEFORE_CHECKOUT = "before_checkout"
    BEFORE_LAST_EVENT = "before_last_event"
    TIME_IN_FUTURE = "time_in_future"


NOT_FOUND = frozenset({Reason.UNKNOWN_OFFICER, Reason.UNKNOWN_STATION, Reason.UNKNOWN_CAMERA})
"""Reasons that are about an id nobody knows (HTTP 404) rather than a state (HTTP 409)."""


class Refused(Exception):
    """A checkout or checkin declined, with a message a person at a kiosk can act on."""

    def __init__(
        self,
        reason: Reason,
        message: str,
        *,
        officer_id: str | None = None,
        station_id: str | None = None,
        camera_id: str | None = None,
        ready_at: datetime | None = None,
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.officer_id = officer_id
        self.station_id = station_id
        self.camera_id = camera_id
        self.ready_at = ready_at


def local(at: datetime, timezone: str) -> str:
    """``at`` as the department's wall-clock time, the way a kiosk shows it."""
    return at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z")


def span(delta: timedelta) -> str:
    """A duration in the largest whole unit, for a person: ``11 years``, ``3 hours``."""
    minutes = delta.total_seconds() / 60
    for unit, size in (("year", 365.25 * 1440), ("day", 1440.0), ("hour", 60.0), ("minute", 1.0)):
        if minutes >= size:
            n = int(minutes // size)
            return f"{n} {unit}{'' if n == 1 else 's'}"
    return "less than a minute"


CORRECTION_HINT = (
    "An event missed at the time is entered afterwards by an admin, as a correction "
    "(`onrecord fleet correct`)."
)
"""Ends the refusals of events out of time order: what to do when the time given is right."""


def in_the_future(
    action: str,
    at: datetime,
    now: datetime,
    timezone: str,
    *,
    officer_id: str | None = None,
    station_id: str | None = None,
    camera_id: str | None = None,
) -> Refused | None:
    """The refusal of a ``checkout``/``checkin``/``correction`` dated more than
    :data:`FUTURE_TOLERANCE` after ``now``, or None when its time may be recorded."""
    if at <= now + FUTURE_TOLERANCE:
        return None
    return Refused(
        Reason.TIME_IN_FUTURE,
        f"The {action} time {local(at, timezone)} is {span(at - now)} ahead of this server's "
        f"clock ({local(now, timezone)}); check the date, time and time zone the kiosk sends, "
        "or leave the time out to record it as now.",
        officer_id=officer_id,
        station_id=station_id,
        camera_id=camera_id,
    )


def hours(a: datetime | None, b: datetime) -> float:
    """Hours from ``a`` to ``b``, never negative; 0 when ``a`` is unknown."""
    return 0.0 if a is None else max(0.0, (b - a).total_seconds() / 3600)


@dataclass(frozen=True)
class CameraStatus:
    """A camera with its recorded state: charge as of ``since``, docked or out."""

    camera_id: str
    assigned_officer_id: str | None
    status: str
    battery_hours: float
    recharge_hours: float
    docked: bool
    station_id: str | None
    officer_id: str | None
    since: datetime | None
    charge: float

    def charge_at(self, at: datetime) -> float:
        """Estimated charge at ``at``: linear recharge on the dock, linear drain while out."""
        elapsed = hours(self.since, at)
        if self.docked:
            return float(recharged(self.charge, elapsed, self.recharge_hours))
        return float(drained(self.charge, elapsed, self.battery_hours))


@dataclass(frozen=True)
class ShiftWindow:
    shift_id: str
    start: datetime
    end: datetime


def current_shift(shifts: Iterable[ShiftWindow], at: datetime) -> ShiftWindow | None:
    """The shift the checkout is for: of those under way at ``at`` or starting within
    :data:`SHIFT_WINDOW`, the one that ends last, so a camera taken near the end of one tour
    also lasts through the tour that follows it."""
    due = [s for s in shifts if s.start <= at + SHIFT_WINDOW and s.end > at]
    return max(due, key=lambda s: (s.end, s.shift_id), default=None)


def hours_needed(shift: ShiftWindow | None, at: datetime) -> float:
    """Hours the camera will be off the dock: to the shift's end plus the return, or the
    default tour without a shift."""
    if shift is None:
        return DEFAULT_TOUR_HOURS
    return hours(at, shift.end + timedelta(minutes=RETURN_MINUTES))


def charge_needed(need_hours: float, battery_hours: float) -> float:
    """Charge for ``need_hours`` of use; a tour longer than the battery needs a full one."""
    return min(1.0, need_hours / battery_hours)


def eligibility(
    officer_id: str,
    officer_trained_on: date | None,
    active: tuple[date | None, date | None],
    today: date,
) -> tuple[Reason, str] | None:
    """Why the officer may not take a camera today, or None when they may."""
    active_from, active_to = active
    if (active_from and today < active_from) or (active_to and today > active_to):
        span = f"{active_from or '…'} to {active_to or '…'}"
        return (
            Reason.OFFICER_INACTIVE,
            f"Officer {officer_id} is not on active duty today (employed {span}); "
            "ask a supervisor to correct the roster.",
        )
    if officer_trained_on is None:
        return (
            Reason.NOT_TRAINED,
            f"Officer {officer_id} has no body-worn camera training on record; "
            "complete the training or ask the training unit to record its date.",
        )
    if officer_trained_on > today:
        return (
            Reason.NOT_TRAINED,
            f"Officer {officer_id} is booked for camera training on {officer_trained_on}; "
            "a camera can be issued from that day.",
        )
    return None


def choose(
    officer_id: str,
    station_id: str,
    docked: Sequence[CameraStatus],
    need_hours: float,
    at: datetime,
    timezone: str,
) -> list[CameraStatus]:
    """The cameras docked at the station that may go to this officer, best first: the officer's
    own camera, then the pool camera on the dock longest. Raises :class:`Refused` when none.

    Another officer's personal camera is never offered; retired cameras never are either.
    """
    usable = [
        c for c in docked if c.assigned_officer_id in (None, officer_id) and c.status != "retired"
    ]
    in_service = [c for c in usable if c.status == "in_service"]
    now = {c.camera_id: c.charge_at(at) for c in in_service}
    ready = [
        c
        for c in in_service
        if now[c.camera_id] + EPSILON >= charge_needed(need_hours, c.battery_hours)
    ]
    if ready:
        epoch = datetime.min.replace(tzinfo=at.tzinfo)
        return sorted(
            ready,
            key=lambda c: (
                c.assigned_officer_id != officer_id,
                c.since or epoch,
                -now[c.camera_id],
                c.camera_id,
            ),
        )
    if in_service:
        wait, first = min(
            (
                hours_to_charge(
                    now[c.camera_id], charge_needed(need_hours, c.battery_hours), c.recharge_hours
                ),
                c.camera_id,
            )
            for c in in_service
        )
        ready_at = at + timedelta(hours=float(wait))
        raise Refused(
            Reason.NO_CHARGED_CAMERA,
            f"No camera at {station_id} has enough charge for your {need_hours:.1f} hours; "
            f"the next, {first}, will be ready at {local(ready_at, timezone)}.",
            officer_id=officer_id,
            station_id=station_id,
            ready_at=ready_at,
        )
    repair = sorted(c.camera_id for c in usable if c.status == "repair")
    if repair:
        raise Refused(
            Reason.CAMERA_IN_REPAIR,
            f"The only camera(s) for you at {station_id} ({', '.join(repair)}) are in repair; "
            "ask the desk officer for a camera from another station.",
            officer_id=officer_id,
            station_id=station_id,
        )
    raise Refused(
        Reason.NO_CAMERA_DOCKED,
        f"No pool camera is docked at {station_id} and your own camera is not here; "
        "try another station or ask the desk officer.",
        officer_id=officer_id,
        station_id=station_id,
    )


def offered(officer_id: str, cameras: Iterable[CameraStatus]) -> list[CameraStatus]:
    """The cameras :func:`choose` could hand this officer, charge aside: in service, and pool
    cameras or the officer's own."""
    return [
        c
        for c in cameras
        if c.assigned_officer_id in (None, officer_id) and c.status == "in_service"
    ]


@dataclass(frozen=True)
class PastEvent:
    """A recorded device event, as far as it changes a camera's state. ``station_id`` is where
    it happened when known (the service's events; a package's have none)."""

    at: datetime
    event: str
    officer_id: str | None
    battery_pct: float | None
    station_id: str | None = None


def changes_state(e: PastEvent) -> bool:
    """Whether :func:`replay` changes the camera's state for this event."""
    return e.event in ("checkout", "undock", "checkin", "dock") or (
        e.event == "battery" and e.battery_pct is not None
    )


def replay(start: CameraStatus, events: Iterable[PastEvent]) -> CameraStatus:
    """The state after a camera's recorded events, in time order: ``checkout``/``undock`` take
    it off the dock (an undock without officer is its assigned officer's), ``checkin``/``dock``
    put it back where it docks (the event's station when it names one, else where it was); a
    reported ``battery_pct`` replaces the model's estimate."""
    state = start
    for e in events:
        charge = state.charge_at(e.at) if e.battery_pct is None else e.battery_pct / 100
        where = e.station_id or state.station_id
        if e.event in ("checkout", "undock"):
            holder = e.officer_id
            if holder is None and e.event == "undock":
                holder = state.assigned_officer_id
            state = replace(
                state, docked=False, station_id=where, officer_id=holder, since=e.at, charge=charge
            )
        elif e.event in ("checkin", "dock"):
            state = replace(
                state, docked=True, station_id=where, officer_id=None, since=e.at, charge=charge
            )
        elif changes_state(e):
            state = replace(state, since=e.at, charge=charge)
    return state
