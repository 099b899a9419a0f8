"""The fleet's tables in the operational database (SQLAlchemy 2 typed ORM models).

The reference tables (stations, officers, cameras, shifts) mirror the data package contract so
that an export is a package. ``device_events`` is the append-only history the audit reads;
``camera_state`` is each camera's current state, one row per camera, so a camera can never be
both docked and out; ``refusals`` is the log of every checkout or checkin the service declined.
``api_tokens`` (with ``api_token_stations``, their scope) are the standalone API's credentials,
stored as hashes, and ``api_token_uses`` the log of every request that reached the API's
protected routes (migration ``0004_api_tokens``). ``corrections`` says which ``device_events``
were entered after the fact, by whom and why (migration ``0005_corrections``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from onrecord.database.base import Base, UTCDateTime


class Department(Base):
    """The one department the database serves: its name and timezone (for local times)."""

    __tablename__ = "department"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    policy: Mapped[str | None] = mapped_column(String(200))


class Station(Base):
    __tablename__ = "stations"
    station_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    dock_slots: Mapped[int] = mapped_column(Integer, default=0)


class Officer(Base):
    __tablename__ = "officers"
    officer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    station_id: Mapped[str | None] = mapped_column(String(64))
    unit: Mapped[str | None] = mapped_column(String(100))
    rank: Mapped[str | None] = mapped_column(String(100))
    uniformed: Mapped[bool] = mapped_column(Boolean, default=True)
    trained_on: Mapped[date | None]
    active_from: Mapped[date | None]
    active_to: Mapped[date | None]


class Camera(Base):
    __tablename__ = "cameras"
    camera_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    station_id: Mapped[str | None] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(100))
    assigned_officer_id: Mapped[str | None] = mapped_column(String(64), index=True)
    battery_hours: Mapped[float] = mapped_column(Float)
    recharge_hours: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))
    __table_args__ = (
        CheckConstraint("status IN ('in_service', 'repair', 'retired')", name="camera_status"),
        CheckConstraint("battery_hours > 0 AND recharge_hours > 0", name="camera_hours"),
    )


class Shift(Base):
    __tablename__ = "shifts"
    shift_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    officer_id: Mapped[str] = mapped_column(String(64))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(64))
    station_id: Mapped[str | None] = mapped_column(String(64))
    uniformed: Mapped[bool] = mapped_column(Boolean, default=True)
    unit: Mapped[str | None] = mapped_column(String(100))
    __table_args__ = (Index("shifts_officer_start", "officer_id", "start"),)


class DeviceEvent(Base):
    """One state change of one camera, in the data package's ``device_events`` vocabulary.

    ``station_id`` and ``shift_id`` say where and for which shift it happened; ``estimated``
    marks a ``battery_pct`` that is the service's model estimate rather than a dock reading.
    """

    __tablename__ = "device_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.camera_id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    event: Mapped[str] = mapped_column(String(16))
    officer_id: Mapped[str | None] = mapped_column(String(64))
    battery_pct: Mapped[float | None] = mapped_column(Float)
    estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    station_id: Mapped[str | None] = mapped_column(String(64))
    shift_id: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (
        Index("device_events_camera_at", "camera_id", "at"),
        Index("device_events_officer_at", "officer_id", "at"),
        CheckConstraint(
            "event IN ('checkout', 'checkin', 'undock', 'dock', 'power_on', 'power_off', "
            "'battery')",
            name="device_event_kind",
        ),
        CheckConstraint("battery_pct BETWEEN 0 AND 100", name="device_event_battery"),
    )


class CameraState(Base):
    """Where a camera is now and its charge as of ``since`` (the model extrapolates from there).

    One row per camera (the primary key), so it is docked or out, never both. An out camera's
    holder is unique (an officer holds at most one camera) and a docked camera has none; both
    are database constraints, so no code path can double-issue.
    """

    __tablename__ = "camera_state"
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.camera_id"), primary_key=True)
    docked: Mapped[bool] = mapped_column(Boolean)
    station_id: Mapped[str | None] = mapped_column(String(64), index=True)
    officer_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    charge: Mapped[float] = mapped_column(Float)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("device_events.id"), unique=True)
    __table_args__ = (
        CheckConstraint("NOT docked OR officer_id IS NULL", name="docked_has_no_holder"),
        CheckConstraint("charge BETWEEN 0 AND 1", name="charge_fraction"),
    )


class Refusal(Base):
    """A checkout or checkin the service declined, with the reason code and the message shown."""

    __tablename__ = "refusals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(String(1000))
    officer_id: Mapped[str | None] = mapped_column(String(64))
    station_id: Mapped[str | None] = mapped_column(String(64))
    camera_id: Mapped[str | None] = mapped_column(String(64))


class Correction(Base):
    """A device event entered after the fact (a check-in forgotten at the time, say), out of
    time order if need be: who entered it, when and why. The event itself is an ordinary
    ``device_events`` row; the camera's state was re-derived from all its events."""

    __tablename__ = "corrections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("device_events.id"), unique=True)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime)
    made_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(1000))


class ApiToken(Base):
    """A credential of the standalone checkout API, for one kiosk (or desk), made by an admin.

    Only the SHA-256 of the secret is stored. A token is never deleted and its name never
    reused, so the use log always names one token; revoking sets ``revoked_at``. Its scope is
    every station (``all_stations``) or the stations listed in ``api_token_stations``.
    """

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    all_stations: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ApiTokenStation(Base):
    """One station a token may act for (none for an all-stations token)."""

    __tablename__ = "api_token_stations"
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"), primary_key=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.station_id"), primary_key=True)


class ApiTokenUse(Base):
    """One request to a protected route of the standalone API: which token (``auth`` says
    whether it was accepted: ``ok``; or refused: ``missing``, ``unknown``, ``revoked``), the
    action (the route's name), the path with its query, the status answered, the ids it
    concerned, when and from which address."""

    __tablename__ = "api_token_uses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    auth: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(1000))
    status: Mapped[int] = mapped_column(Integer)
    station_id: Mapped[str | None] = mapped_column(String(64))
    officer_id: Mapped[str | None] = mapped_column(String(64))
    camera_id: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (
        Index("api_token_uses_at", "at"),
        Index("api_token_uses_token_at", "token_id", "at"),
        CheckConstraint(
            "auth IN ('ok', 'missing', 'unknown', 'revoked')", name="api_token_use_auth"
        ),
    )
