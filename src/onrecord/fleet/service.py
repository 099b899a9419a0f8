"""The checkout service: reads the database, applies ``rules``, records the outcome atomically.

Each checkout or checkin is one transaction. A checkout locks the camera it takes (SQLite: the
whole database, by ``BEGIN IMMEDIATE``; PostgreSQL: the camera's state row, skipping rows another
checkout holds) and re-checks that the camera's state is still the one it chose from, so two
checkouts never take one camera; the unique holder and the one-row-per-camera state make a
double issue impossible in the database itself. A refusal rolls the transaction back and is then
written to ``refusals`` and to the ``onrecord.fleet`` logger.

Events are recorded in time order: a checkout or checkin dated more than
``rules.FUTURE_TOLERANCE`` ahead of the clock is refused, and so is one before the events it
follows (the camera's last change; for a checkout, the officer's latest event). An event missed
at the time is entered with :meth:`CheckoutService.correct`, by someone who may (its author and
reason go to ``corrections``), and the camera's state is then re-derived from all its events.
"""

from __future__ import annotations

import logging
import os
import signal
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal, NoReturn
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from onrecord.database import connection as db
from onrecord.database.fleet import (
    Camera,
    CameraState,
    Correction,
    Department,
    DeviceEvent,
    Officer,
    Refusal,
    Shift,
    Station,
)
from onrecord.fleet import rules
from onrecord.fleet.rules import (
    CORRECTION_HINT,
    CameraStatus,
    PastEvent,
    Reason,
    Refused,
    ShiftWindow,
    local,
)

log = logging.getLogger("onrecord.fleet")
log.addHandler(logging.NullHandler())  # the application decides where refusals are logged

KILL_HOOK = "ONRECORD_TEST_KILL_AT"
"""Test hook: when this environment variable is ``checkout-claimed``, the process SIGKILLs
itself after a checkout has locked its camera and written the checkout event, before it changes
the camera's state and commits: the moment a non-atomic service would leave the camera recorded
as both out (history) and docked (state). The crash-safety test uses it; nothing else sets it."""


def _test_kill(point: str) -> None:
    if os.environ.get(KILL_HOOK) == point:
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass(frozen=True)
class Issued:
    """A successful checkout: the camera, its estimated charge and the shift it is for."""

    camera_id: str
    officer_id: str
    station_id: str
    at: datetime
    charge: float
    personal: bool
    shift_id: str | None
    shift_start: datetime | None
    shift_end: datetime | None
    hours_needed: float
    note: str | None


@dataclass(frozen=True)
class Corrected:
    """A correction recorded: the event entered and the camera's state re-derived after it."""

    event_id: int
    camera_id: str
    event: str
    at: datetime
    officer_id: str | None
    station_id: str
    battery_pct: float
    estimated: bool
    state: CameraStatus
    events: int
    """How many events of the camera the state was re-derived from."""


@dataclass(frozen=True)
class Docked:
    """A successful checkin: where the camera is and the charge it restarts from."""

    camera_id: str
    station_id: str
    at: datetime
    officer_id: str | None
    charge: float
    reported: bool


def _statuses(s: Session, *where: ColumnElement[bool]) -> list[tuple[CameraStatus, int | None]]:
    """Cameras with their state (and its version, the id of the event that set it), read as
    plain rows: a checkout reads a station's whole dock, so no ORM objects are built."""
    rows = s.execute(
        select(
            Camera.camera_id, Camera.assigned_officer_id, Camera.status, Camera.battery_hours,
            Camera.recharge_hours, CameraState.docked, CameraState.station_id,
            CameraState.officer_id, CameraState.since, CameraState.charge, CameraState.event_id,
        )
        .join(CameraState, CameraState.camera_id == Camera.camera_id)
        .where(*where)
        .order_by(Camera.camera_id)
    )  # fmt: skip
    return [
        (CameraStatus(cam, owner, status, battery, recharge, docked, station, holder, since, c), v)
        for cam, owner, status, battery, recharge, docked, station, holder, since, c, v in rows
    ]


class CheckoutService:
    """Checkouts, checkins and camera state over one fleet database (see ``db.connect``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.readers = sessionmaker(engine.execution_options(**db.READ_ONLY))
        with self.readers() as s:
            dept = s.scalar(select(Department))
        self.timezone = dept.timezone if dept else "UTC"

    @classmethod
    def open(cls, url: str) -> CheckoutService:
        """The service over the database at ``url``; it must be initialised and up to date."""
        engine = db.connect(url)
        db.require_current(engine)
        return cls(engine)

    def instant(self, at: datetime | None) -> datetime:
        """``at`` as a UTC instant: now when not given, and a time without an offset is the
        department's local time (as in a data package)."""
        if at is None:
            return datetime.now(UTC)
        return (at if at.tzinfo else at.replace(tzinfo=ZoneInfo(self.timezone))).astimezone(UTC)

    def checkout(self, officer_id: str, station_id: str, at: datetime | None = None) -> Issued:
        """Issue the best camera docked at ``station_id`` to ``officer_id``, or raise Refused."""
        at = self.instant(at)
        ahead = rules.in_the_future(
            "checkout", at, self.now(), self.timezone, officer_id=officer_id, station_id=station_id
        )
        if ahead:
            self._refused("checkout", at, ahead)
        try:
            with self.sessions.begin() as s:
                return self._checkout(s, officer_id, station_id, at)
        except IntegrityError:
            # Only a concurrent checkout by the same officer can break the unique holder.
            with self.readers() as s:
                refusal = self._holds(s, officer_id)
            if refusal is None:
                raise
            self._refused("checkout", at, refusal)
        except Refused as r:
            self._refused("checkout", at, r)

    def _checkout(self, s: Session, officer_id: str, station_id: str, at: datetime) -> Issued:
        officer = s.get(Officer, officer_id)
        if officer is None:
            raise Refused(
                Reason.UNKNOWN_OFFICER,
                f"Officer {officer_id} is not on the roster; check the badge number or ask a "
                "supervisor to add the officer.",
                officer_id=officer_id,
                station_id=station_id,
            )
        _require_station(s, station_id, officer_id=officer_id)
        today = at.astimezone(ZoneInfo(self.timezone)).date()
        bar = rules.eligibility(
            officer_id, officer.trained_on, (officer.active_from, officer.active_to), today
        )
        if bar:
            raise Refused(*bar, officer_id=officer_id, station_id=station_id)
        held = self._holds(s, officer_id)
        if held:
            raise held
        shifts = s.scalars(
            select(Shift).where(
                Shift.officer_id == officer_id,
                Shift.start <= at + rules.SHIFT_WINDOW,
                Shift.end > at,
            )
        )
        shift = rules.current_shift((ShiftWindow(x.shift_id, x.start, x.end) for x in shifts), at)
        need = rules.hours_needed(shift, at)
        on_dock = _statuses(s, CameraState.station_id == station_id, CameraState.docked.is_(True))
        # Time runs forward: a camera docked after ``at`` is not there at ``at``.
        docked = [(c, v) for c, v in on_dock if c.since is None or c.since <= at]
        try:
            ranked = rules.choose(
                officer_id, station_id, [c for c, _ in docked], need, at, self.timezone
            )
        except Refused:
            later = rules.offered(officer_id, (c for c, _ in on_dock if c.since and c.since > at))
            if later:  # a camera would have served, but the time given is before its docking
                raise self._docked_later(officer_id, station_id, at, later) from None
            raise
        self._require_officer_in_order(s, officer_id, station_id, at)
        versions = {c.camera_id: v for c, v in docked}
        for cand in ranked:
            # Lock the row only if it is still as read; a row another checkout holds is skipped.
            mine = s.scalar(
                select(CameraState.camera_id)
                .where(
                    CameraState.camera_id == cand.camera_id,
                    CameraState.docked.is_(True),
                    CameraState.event_id.is_not_distinct_from(versions[cand.camera_id]),
                )
                .with_for_update(skip_locked=True)
            )
            if mine is not None:
                return self._record_checkout(s, cand, officer_id, station_id, at, shift, need)
        raise Refused(
            Reason.NO_CHARGED_CAMERA,
            f"The charged cameras at {station_id} were all just taken; try again in a moment.",
            officer_id=officer_id,
            station_id=station_id,
        )

    def _record_checkout(
        self,
        s: Session,
        cam: CameraStatus,
        officer_id: str,
        station_id: str,
        at: datetime,
        shift: ShiftWindow | None,
        need: float,
    ) -> Issued:
        charge = cam.charge_at(at)
        event = DeviceEvent(
            camera_id=cam.camera_id,
            at=at,
            event="checkout",
            officer_id=officer_id,
            battery_pct=round(charge * 100, 1),
            estimated=True,
            station_id=station_id,
            shift_id=shift.shift_id if shift else None,
        )
        s.add(event)
        s.flush()
        _test_kill("checkout-claimed")
        s.execute(
            update(CameraState)
            .where(CameraState.camera_id == cam.camera_id)
            .values(
                docked=False, officer_id=officer_id, since=at, charge=charge, event_id=event.id
            ),
            execution_options={"synchronize_session": False},
        )
        note = None
        if shift is None:
            note = (
                f"No scheduled shift found; charge checked for a default "
                f"{rules.DEFAULT_TOUR_HOURS:g}-hour tour."
            )
        elif need > cam.battery_hours:
            note = (
                f"This tour ({need:.1f} h) is longer than the camera's battery "
                f"({cam.battery_hours:g} h); recharge or swap it during the tour."
            )
        return Issued(
            camera_id=cam.camera_id,
            officer_id=officer_id,
            station_id=station_id,
            at=at,
            charge=charge,
            personal=cam.assigned_officer_id == officer_id,
            shift_id=shift.shift_id if shift else None,
            shift_start=shift.start if shift else None,
            shift_end=shift.end if shift else None,
            hours_needed=need,
            note=note,
        )

    def _docked_later(
        self, officer_id: str, station_id: str, at: datetime, later: list[CameraStatus]
    ) -> Refused:
        first = min(later, key=lambda c: (c.since or at, c.camera_id))
        names = ", ".join(sorted(c.camera_id for c in later))
        which = f"Camera {names} was" if len(later) == 1 else f"Cameras {names} were"
        return Refused(
            Reason.BEFORE_LAST_EVENT,
            f"{which} docked at {station_id} after the checkout time {local(at, self.timezone)} "
            f"(the first at {local(first.since or at, self.timezone)}), and events are recorded "
            f"in time order; check the time given. {CORRECTION_HINT}",
            officer_id=officer_id,
            station_id=station_id,
            camera_id=first.camera_id,
        )

    def _require_officer_in_order(
        self, s: Session, officer_id: str, station_id: str, at: datetime
    ) -> None:
        """Refuse a checkout before the officer's latest recorded event: it would give them a
        camera while the history has them returning one later."""
        last = s.execute(
            select(DeviceEvent.at, DeviceEvent.event, DeviceEvent.camera_id)
            .where(DeviceEvent.officer_id == officer_id, DeviceEvent.at > at)
            .order_by(DeviceEvent.at.desc(), DeviceEvent.id.desc())
            .limit(1)
        ).first()
        if last is None:
            return
        raise Refused(
            Reason.BEFORE_LAST_EVENT,
            f"Officer {officer_id}'s latest recorded event, the {last.event} of camera "
            f"{last.camera_id} at {local(last.at, self.timezone)}, is after the checkout time "
            f"{local(at, self.timezone)}, and events are recorded in time order; check the time "
            f"given. {CORRECTION_HINT}",
            officer_id=officer_id,
            station_id=station_id,
            camera_id=last.camera_id,
        )

    def _holds(self, s: Session, officer_id: str) -> Refused | None:
        state = s.scalar(select(CameraState).where(CameraState.officer_id == officer_id))
        if state is None:
            return None
        where = f" from {state.station_id}" if state.station_id else ""
        return Refused(
            Reason.ALREADY_HOLDS,
            f"Officer {officer_id} already holds camera {state.camera_id}{where}"
            f"{self._since(state.since)}; check it in before taking another.",
            officer_id=officer_id,
            camera_id=state.camera_id,
        )

    def _since(self, at: datetime | None) -> str:
        return f" since {local(at, self.timezone)}" if at else ""

    def checkin(
        self,
        camera_id: str,
        station_id: str,
        at: datetime | None = None,
        battery_pct: float | None = None,
    ) -> Docked:
        """Dock ``camera_id`` at ``station_id``; charge restarts from the model's estimate of
        what the shift left, or from ``battery_pct`` when the dock reports it."""
        if battery_pct is not None and not 0 <= battery_pct <= 100:
            raise ValueError(f"battery_pct must be between 0 and 100, not {battery_pct}")
        at = self.instant(at)
        ahead = rules.in_the_future(
            "check-in", at, self.now(), self.timezone, camera_id=camera_id, station_id=station_id
        )
        if ahead:
            self._refused("checkin", at, ahead)
        try:
            with self.sessions.begin() as s:
                return self._checkin(s, camera_id, station_id, at, battery_pct)
        except Refused as r:
            self._refused("checkin", at, r)

    def _checkin(
        self,
        s: Session,
        camera_id: str,
        station_id: str,
        at: datetime,
        battery_pct: float | None,
    ) -> Docked:
        # Lock the camera's state first: a checkin and a checkout of one camera serialise.
        state = s.scalar(
            select(CameraState).where(CameraState.camera_id == camera_id).with_for_update()
        )
        if state is None:
            raise Refused(
                Reason.UNKNOWN_CAMERA,
                f"Camera {camera_id} is not in the fleet; check the serial number on its back.",
                camera_id=camera_id,
                station_id=station_id,
            )
        _require_station(s, station_id, camera_id=camera_id)
        if state.docked:
            raise Refused(
                Reason.ALREADY_DOCKED,
                f"Camera {camera_id} is already docked at {state.station_id}"
                f"{self._since(state.since)}; "
                "nothing to check in.",
                camera_id=camera_id,
                station_id=station_id,
            )
        last = _last_event(s, camera_id)
        if last is not None and at < last.at and last.event not in ("checkout", "undock"):
            raise Refused(
                Reason.BEFORE_LAST_EVENT,
                f"Camera {camera_id}'s last recorded event, {_event_name(last.event)} at "
                f"{local(last.at, self.timezone)}, is after the check-in time "
                f"{local(at, self.timezone)}, and events are recorded in time order; check the "
                f"time given. {CORRECTION_HINT}",
                camera_id=camera_id,
                station_id=station_id,
            )
        if state.since is not None and at < state.since:
            raise Refused(
                Reason.BEFORE_CHECKOUT,
                f"Camera {camera_id} left the dock at {local(state.since, self.timezone)}, "
                f"after the check-in time {local(at, self.timezone)}; check the time given.",
                camera_id=camera_id,
                station_id=station_id,
            )
        reported = battery_pct is not None
        charge = (
            battery_pct / 100
            if battery_pct is not None
            else _statuses(s, Camera.camera_id == camera_id)[0][0].charge_at(at)
        )
        out = s.get(DeviceEvent, state.event_id) if state.event_id else None
        event = DeviceEvent(
            camera_id=camera_id,
            at=at,
            event="checkin",
            officer_id=state.officer_id,
            battery_pct=round(charge * 100, 1),
            estimated=not reported,
            station_id=station_id,
            shift_id=out.shift_id if out else None,
        )
        s.add(event)
        s.flush()
        holder = state.officer_id
        state.docked, state.officer_id, state.station_id = True, None, station_id
        state.since, state.charge, state.event_id = at, charge, event.id
        return Docked(camera_id, station_id, at, holder, charge, reported)

    def now(self) -> datetime:
        """The server's clock (UTC), against which times ahead are refused."""
        return datetime.now(UTC)

    def correct(
        self,
        camera_id: str,
        event: Literal["checkout", "checkin"],
        at: datetime,
        *,
        station_id: str,
        by: str,
        reason: str,
        officer_id: str | None = None,
        battery_pct: float | None = None,
    ) -> Corrected:
        """Enter a ``checkout`` or ``checkin`` missed at the time, at its real time ``at`` even
        if that is before the camera's last event (a forgotten check-in, say), then re-derive
        the camera's state from all its events (``rules.replay``). ``by`` (who enters it) and
        ``reason`` are required and recorded in ``corrections``; the event itself is an
        ordinary ``device_events`` row. This is not a kiosk's action: only an admin with
        database access makes it (``onrecord fleet correct``).

        A checkout needs ``officer_id``; a check-in's officer is by default whoever held the
        camera then. ``battery_pct`` is a reading, if there was one; otherwise the model's
        estimate is recorded as such. Raises ValueError for missing or malformed input and
        Refused (recorded in ``refusals``, action ``correct``) for an unknown id, a time ahead
        of the clock, or a result that would leave an officer holding two cameras."""
        by, reason = by.strip(), reason.strip()
        if event not in ("checkout", "checkin"):
            raise ValueError(f"a correction enters a checkout or a checkin, not {event!r}")
        if not by or len(by) > 64:
            raise ValueError("a correction needs who makes it (at most 64 characters)")
        if not reason or len(reason) > 1000:
            raise ValueError("a correction needs its reason (at most 1000 characters)")
        if event == "checkout" and not officer_id:
            raise ValueError("a corrected checkout needs the officer who took the camera")
        if battery_pct is not None and not 0 <= battery_pct <= 100:
            raise ValueError(f"battery_pct must be between 0 and 100, not {battery_pct}")
        at = self.instant(at)
        ahead = rules.in_the_future(
            event,
            at,
            self.now(),
            self.timezone,
            officer_id=officer_id,
            station_id=station_id,
            camera_id=camera_id,
        )
        if ahead:
            self._refused("correct", at, ahead)
        try:
            with self.sessions.begin() as s:
                return self._correct(
                    s, camera_id, event, at, station_id, officer_id, battery_pct, by, reason
                )
        except Refused as r:
            self._refused("correct", at, r)

    def _correct(
        self,
        s: Session,
        camera_id: str,
        event: str,
        at: datetime,
        station_id: str,
        officer_id: str | None,
        battery_pct: float | None,
        by: str,
        reason: str,
    ) -> Corrected:
        state = s.scalar(
            select(CameraState).where(CameraState.camera_id == camera_id).with_for_update()
        )
        camera = s.get(Camera, camera_id)
        if state is None or camera is None:
            raise Refused(
                Reason.UNKNOWN_CAMERA,
                f"Camera {camera_id} is not in the fleet; check the serial number on its back.",
                camera_id=camera_id,
                station_id=station_id,
            )
        _require_station(s, station_id, officer_id=officer_id, camera_id=camera_id)
        if officer_id is not None and s.get(Officer, officer_id) is None:
            raise Refused(
                Reason.UNKNOWN_OFFICER,
                f"Officer {officer_id} is not on the roster; check the badge number.",
                officer_id=officer_id,
                station_id=station_id,
                camera_id=camera_id,
            )
        rows = list(
            s.scalars(
                select(DeviceEvent)
                .where(DeviceEvent.camera_id == camera_id)
                .order_by(DeviceEvent.at, DeviceEvent.id)
            )
        )
        start = fresh(camera)
        then = rules.replay(start, [_past(e) for e in rows if e.at <= at])
        if event == "checkin" and officer_id is None:
            officer_id = then.officer_id
        shift_id = None
        if event == "checkout":
            shifts = s.scalars(
                select(Shift).where(
                    Shift.officer_id == officer_id,
                    Shift.start <= at + rules.SHIFT_WINDOW,
                    Shift.end > at,
                )
            )
            due = rules.current_shift((ShiftWindow(x.shift_id, x.start, x.end) for x in shifts), at)
            shift_id = due.shift_id if due else None
        else:
            out = next(
                (e for e in reversed(rows) if e.at <= at and e.event in ("checkout", "undock")),
                None,
            )
            shift_id = out.shift_id if out else None
        reported = battery_pct is not None
        pct = battery_pct if battery_pct is not None else round(then.charge_at(at) * 100, 1)
        added = DeviceEvent(
            camera_id=camera_id,
            at=at,
            event=event,
            officer_id=officer_id,
            battery_pct=pct,
            estimated=not reported,
            station_id=station_id,
            shift_id=shift_id,
        )
        s.add(added)
        s.flush()
        s.add(Correction(event_id=added.id, made_at=self.now(), made_by=by, reason=reason))
        rows = sorted([*rows, added], key=lambda e: (e.at, e.id))
        derived = rules.replay(start, [_past(e) for e in rows])
        version = next((e.id for e in reversed(rows) if rules.changes_state(_past(e))), None)
        if derived.officer_id is not None:
            other = s.scalar(
                select(CameraState).where(
                    CameraState.officer_id == derived.officer_id,
                    CameraState.camera_id != camera_id,
                )
            )
            if other is not None:
                raise Refused(
                    Reason.ALREADY_HOLDS,
                    f"After this correction officer {derived.officer_id} would hold camera "
                    f"{camera_id} and also holds camera {other.camera_id}"
                    f"{self._since(other.since)}; correct {other.camera_id}'s record first "
                    "(its check-in), then this one.",
                    officer_id=derived.officer_id,
                    station_id=station_id,
                    camera_id=camera_id,
                )
        derived = replace(derived, charge=min(1.0, max(0.0, derived.charge)))
        state.docked, state.station_id, state.officer_id = (
            derived.docked,
            derived.station_id,
            derived.officer_id,
        )
        state.since, state.charge, state.event_id = derived.since, derived.charge, version
        log.info("correction by %s: %s of camera %s at %s (%s)", by, event, camera_id, at, reason)
        return Corrected(
            event_id=added.id,
            camera_id=camera_id,
            event=event,
            at=at,
            officer_id=officer_id,
            station_id=station_id,
            battery_pct=pct,
            estimated=not reported,
            state=derived,
            events=len(rows),
        )

    def _refused(self, action: str, at: datetime, r: Refused) -> NoReturn:
        """Log a refusal (table and logger) in its own transaction, then re-raise it."""
        log.warning("%s refused (%s): %s", action, r.reason.value, r.message)
        with self.sessions.begin() as s:
            s.add(
                Refusal(
                    at=at,
                    action=action,
                    reason=r.reason.value,
                    message=r.message,
                    officer_id=r.officer_id,
                    station_id=r.station_id,
                    camera_id=r.camera_id,
                )
            )
        raise r

    def cameras_at(self, station_id: str) -> list[CameraStatus]:
        """Every camera docked at or last taken from ``station_id`` (``charge_at`` estimates)."""
        with self.readers() as s:
            _require_station(s, station_id)
            return [c for c, _ in _statuses(s, CameraState.station_id == station_id)]

    def cameras_by_station(self) -> dict[str | None, list[CameraStatus]]:
        """Every camera grouped by the station it is docked at or was last taken from (``None``
        for a camera with neither), each station's in ``camera_id`` order, from one query (as
        ``cameras_at`` per station)."""
        out: dict[str | None, list[CameraStatus]] = {}
        with self.readers() as s:
            for c, _ in _statuses(s):
                out.setdefault(c.station_id, []).append(c)
        return out

    def officer_camera(self, officer_id: str) -> CameraStatus | None:
        """The camera ``officer_id`` holds now, if any."""
        with self.readers() as s:
            if s.get(Officer, officer_id) is None:
                raise Refused(
                    Reason.UNKNOWN_OFFICER,
                    f"Officer {officer_id} is not on the roster.",
                    officer_id=officer_id,
                )
            held = _statuses(s, CameraState.officer_id == officer_id)
        return held[0][0] if held else None


def _last_event(s: Session, camera_id: str) -> DeviceEvent | None:
    """The camera's latest recorded event (any kind), by time then by order of entry."""
    return s.scalar(
        select(DeviceEvent)
        .where(DeviceEvent.camera_id == camera_id)
        .order_by(DeviceEvent.at.desc(), DeviceEvent.id.desc())
        .limit(1)
    )


def _event_name(event: str) -> str:
    return {"battery": "a battery reading", "power_on": "power on", "power_off": "power off"}.get(
        event, f"a {event}"
    )


def fresh(camera: Camera) -> CameraStatus:
    """The camera before any recorded event: docked at its station, fully charged."""
    return CameraStatus(
        camera_id=camera.camera_id,
        assigned_officer_id=camera.assigned_officer_id,
        status=camera.status,
        battery_hours=camera.battery_hours,
        recharge_hours=camera.recharge_hours,
        docked=True,
        station_id=camera.station_id,
        officer_id=None,
        since=None,
        charge=1.0,
    )


def _past(e: DeviceEvent) -> PastEvent:
    """A recorded event for ``rules.replay``: the service's own estimates of charge are
    estimated again (a correction before them changes what they were estimated from); a
    reading (the dock's report, a package's value) stands."""
    return PastEvent(
        e.at, e.event, e.officer_id, None if e.estimated else e.battery_pct, e.station_id
    )


def _require_station(
    s: Session, station_id: str, officer_id: str | None = None, camera_id: str | None = None
) -> None:
    if s.get(Station, station_id) is None:
        raise Refused(
            Reason.UNKNOWN_STATION,
            f"Station {station_id} is not known to the fleet database; check the kiosk's "
            "station setting.",
            officer_id=officer_id,
            station_id=station_id,
            camera_id=camera_id,
        )
