"""The data package contract (v1) as data: tables, columns, value kinds and vocabularies.

Everything that reads, writes or generates a package takes table and column names from here, so
the contract is written down once (see ``docs/data-package.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """How a column's text is parsed; each kind has one rule in ``values.py`` and ``reader.py``."""

    ID = "id"  # string, trimmed; compared exactly
    TEXT = "text"  # free text, trimmed
    WORD = "word"  # vocabulary word, trimmed and lower-cased; unknown words are kept
    ENUM = "enum"  # closed vocabulary, trimmed and lower-cased; other words are row errors
    BOOL = "bool"
    TIMESTAMP = "timestamp"
    DATE = "date"
    COUNT = "count"  # integer >= 0
    POSITIVE = "positive"  # decimal > 0
    PERCENT = "percent"  # decimal in [0, 100]
    SHA256 = "sha256"  # 64 hexadecimal digits


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = False
    default: object = None
    vocabulary: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: str | None = None
    interval: tuple[str, str] | None = None  # (start, end) columns of a half-open interval
    zero_length_ok: bool = True
    extra_required: tuple[str, ...] = field(default=())

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


SHIFT_KINDS = ("regular", "overtime", "paid_detail", "court", "training", "other")
ENCOUNTER_TYPES = (
    "dispatched_call",
    "self_initiated",
    "vehicle_stop",
    "pedestrian_stop",
    "arrest",
    "transport",
    "search",
    "emergency_driving",
    "pursuit",
    "crowd_control",
    "use_of_force",
    "other",
)
STOP_REASONS = (
    "privacy",
    "bystanders",
    "investigation",
    "victim_request",
    "informant",
    "medical",
    "residence_no_consent",
    "end_of_encounter",
    "battery",
    "malfunction",
)
CAMERA_STATUSES = ("in_service", "repair", "retired")
DEVICE_EVENTS = ("checkout", "checkin", "undock", "dock", "power_on", "power_off", "battery")

C = Column
K = Kind

STATIONS = Table(
    "stations",
    (
        C("station_id", K.ID, required=True),
        C("name", K.TEXT),
        C("dock_slots", K.COUNT, default=0),
    ),
    key="station_id",
)
OFFICERS = Table(
    "officers",
    (
        C("officer_id", K.ID, required=True),
        C("station_id", K.ID),
        C("unit", K.TEXT),
        C("rank", K.TEXT),
        C("uniformed", K.BOOL, default=True),
        C("trained_on", K.DATE),
        C("active_from", K.DATE),
        C("active_to", K.DATE),
    ),
    key="officer_id",
)
CAMERAS = Table(
    "cameras",
    (
        C("camera_id", K.ID, required=True),
        C("station_id", K.ID),
        C("model", K.TEXT),
        C("assigned_officer_id", K.ID),
        C("battery_hours", K.POSITIVE, default=12.0),
        C("recharge_hours", K.POSITIVE, default=4.0),
        C("status", K.ENUM, default="in_service", vocabulary=CAMERA_STATUSES),
    ),
    key="camera_id",
)
SHIFTS = Table(
    "shifts",
    (
        C("shift_id", K.ID, required=True),
        C("officer_id", K.ID, required=True),
        C("start", K.TIMESTAMP, required=True),
        C("end", K.TIMESTAMP, required=True),
        C("kind", K.WORD, required=True, vocabulary=SHIFT_KINDS),
        C("station_id", K.ID),
        C("uniformed", K.BOOL, default=True),
        C("unit", K.TEXT),
    ),
    key="shift_id",
    interval=("start", "end"),
    zero_length_ok=False,
)
ENCOUNTERS = Table(
    "encounters",
    (
        C("encounter_id", K.ID, required=True),
        C("officer_id", K.ID, required=True),
        C("type", K.WORD, required=True, vocabulary=ENCOUNTER_TYPES),
        C("start", K.TIMESTAMP, required=True),
        C("end", K.TIMESTAMP, required=True),
        C("incident_id", K.ID),
        C("dispatched_at", K.TIMESTAMP),
        C("call_type", K.TEXT),
        C("priority", K.TEXT),
    ),
    key="encounter_id",
    interval=("start", "end"),
)
# recordings.officer_id is a required *column*, but an empty value is unassigned footage: a
# finding the auditor must see, not a row to exclude (data-package.md, "recordings").
RECORDINGS = Table(
    "recordings",
    (
        C("recording_id", K.ID, required=True),
        C("officer_id", K.ID),
        C("start", K.TIMESTAMP, required=True),
        C("end", K.TIMESTAMP, required=True),
        C("camera_id", K.ID),
        C("stop_reason", K.WORD, vocabulary=STOP_REASONS),
        C("category", K.TEXT),
        C("incident_id", K.ID),
        C("size_bytes", K.COUNT),
        C("sha256", K.SHA256),
    ),
    key="recording_id",
    interval=("start", "end"),
    extra_required=("officer_id",),
)
DEVICE_EVENTS_TABLE = Table(
    "device_events",
    (
        C("camera_id", K.ID, required=True),
        C("at", K.TIMESTAMP, required=True),
        C("event", K.ENUM, required=True, vocabulary=DEVICE_EVENTS),
        C("officer_id", K.ID),
        C("battery_pct", K.PERCENT),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (STATIONS, OFFICERS, CAMERAS, SHIFTS, ENCOUNTERS, RECORDINGS, DEVICE_EVENTS_TABLE)
}


def header_columns(table: Table) -> tuple[str, ...]:
    """Columns that must be present in the file's header (required values plus required columns)."""
    return table.required_columns + table.extra_required
