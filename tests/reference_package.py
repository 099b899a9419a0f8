"""A plain-Python reading of the data package contract (docs: "Values" and "Tables").

Deliberately slow and obvious, and written from the contract rather than from the reader: the
property tests compare ``onrecord.load`` with it cell by cell. It covers the value rules, the row
errors (required values, unparseable values, intervals, duplicate keys) and the local-time
findings; splitting CSV records into cells is left to Python's ``csv`` module in the tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from math import isfinite
from zoneinfo import ZoneInfo

# "Surrounding white space": the ASCII white space characters.
WHITESPACE = " \t\n\r\f\v"
TRUE_WORDS = frozenset({"true", "yes", "y", "t", "1"})
FALSE_WORDS = frozenset({"false", "no", "n", "f", "0"})

Value = str | bool | int | float | date | datetime | None
Raw = Mapping[str, str | None]  # column -> cell text as written (None: empty / Parquet null)


@dataclass(frozen=True)
class Col:
    """One contract column. ``required``: an empty value is a row error."""

    kind: str  # id, text, word, enum, bool, timestamp, date, count, positive, percent, sha256
    required: bool = False
    default: Value = None
    vocabulary: tuple[str, ...] = ()  # for ``enum`` only: the closed list of words


@dataclass(frozen=True)
class Spec:
    """One contract table."""

    columns: dict[str, Col]
    key: str | None = None
    interval: bool = False  # has ``start`` and ``end`` forming [start, end)
    zero_length_ok: bool = True
    header_only: tuple[str, ...] = ()  # must be in the header, but may be empty


def _cols(**kw: Col) -> dict[str, Col]:
    return kw


ID, TEXT, WORD, TS = Col("id"), Col("text"), Col("word"), Col("timestamp")
REQ_ID, REQ_TS = Col("id", required=True), Col("timestamp", required=True)

TABLES: dict[str, Spec] = {
    "stations": Spec(
        _cols(station_id=REQ_ID, name=TEXT, dock_slots=Col("count", default=0)), key="station_id"
    ),
    "officers": Spec(
        _cols(
            officer_id=REQ_ID,
            station_id=ID,
            unit=TEXT,
            rank=TEXT,
            uniformed=Col("bool", default=True),
            trained_on=Col("date"),
            active_from=Col("date"),
            active_to=Col("date"),
        ),
        key="officer_id",
    ),
    "cameras": Spec(
        _cols(
            camera_id=REQ_ID,
            station_id=ID,
            model=TEXT,
            assigned_officer_id=ID,
            battery_hours=Col("positive", default=12.0),
            recharge_hours=Col("positive", default=4.0),
            status=Col(
                "enum", default="in_service", vocabulary=("in_service", "repair", "retired")
            ),
        ),
        key="camera_id",
    ),
    "shifts": Spec(
        _cols(
            shift_id=REQ_ID,
            officer_id=REQ_ID,
            start=REQ_TS,
            end=REQ_TS,
            kind=Col("word", required=True),
            station_id=ID,
            uniformed=Col("bool", default=True),
            unit=TEXT,
        ),
        key="shift_id",
        interval=True,
        zero_length_ok=False,
    ),
    "encounters": Spec(
        _cols(
            encounter_id=REQ_ID,
            officer_id=REQ_ID,
            type=Col("word", required=True),
            start=REQ_TS,
            end=REQ_TS,
            incident_id=ID,
            dispatched_at=TS,
            call_type=TEXT,
            priority=TEXT,
        ),
        key="encounter_id",
        interval=True,
    ),
    "recordings": Spec(
        _cols(
            recording_id=REQ_ID,
            officer_id=ID,  # empty = unassigned footage, a finding, not a row error
            start=REQ_TS,
            end=REQ_TS,
            camera_id=ID,
            stop_reason=WORD,
            category=TEXT,
            incident_id=ID,
            size_bytes=Col("count"),
            sha256=Col("sha256"),
        ),
        key="recording_id",
        interval=True,
        header_only=("officer_id",),
    ),
    "device_events": Spec(
        _cols(
            camera_id=REQ_ID,
            at=REQ_TS,
            event=Col(
                "enum",
                required=True,
                vocabulary=(
                    "checkout",
                    "checkin",
                    "undock",
                    "dock",
                    "power_on",
                    "power_off",
                    "battery",
                ),
            ),
            officer_id=ID,
            battery_pct=Col("percent"),
        ),
    ),
}


# ---- values -------------------------------------------------------------------------------


def trim(text: str | None) -> str:
    return (text or "").strip(WHITESPACE)


@dataclass(frozen=True)
class Instant:
    """A parsed timestamp: the UTC instant, and for a local time whether it was ambiguous or
    skipped in the department's zone."""

    utc: datetime
    anomaly: str | None = None  # "ambiguous", "skipped" or None


_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?"
    r"(Z|z|[+-]\d{2}(?::?\d{2})?)?"
)
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_to_utc(wall: datetime, zone: str) -> Instant:
    """A naive local time in ``zone``: a repeated time means its first occurrence, a skipped one
    is moved forward by the skip. Both are exactly Python's ``fold=0`` reading (PEP 495)."""
    local = wall.replace(tzinfo=_zone(zone), fold=0)
    first, second = local.utcoffset(), local.replace(fold=1).utcoffset()
    assert first is not None and second is not None
    anomaly = None
    if first > second:  # clocks went back: the wall time happens twice
        anomaly = "ambiguous"
    elif first < second:  # clocks went forward: the wall time never happens
        anomaly = "skipped"
    return Instant(local.astimezone(UTC), anomaly)


def parse_timestamp(text: str, zone: str) -> Instant | None:
    """ISO 8601 date and time; absolute with ``Z`` or an offset, else local in ``zone``."""
    m = _TIMESTAMP.fullmatch(text)
    if m is None:
        return None
    y, mo, d, h, mi, s, frac, off = m.groups()
    try:
        wall = datetime(
            int(y), int(mo), int(d), int(h), int(mi), int(s or 0), int((frac or "0").ljust(6, "0"))
        )
    except ValueError:
        return None
    if off is None:
        return local_to_utc(wall, zone)
    if off.upper() == "Z":
        return Instant(wall.replace(tzinfo=UTC))
    digits = off[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or "0")
    if hours > 23 or minutes > 59:
        return None
    sign = -1 if off[0] == "-" else 1
    tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    return Instant(wall.replace(tzinfo=tz).astimezone(UTC))


def parse_date(text: str) -> date | None:
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    if m is None:
        return None
    try:
        return date(*(int(g) for g in m.groups()))
    except ValueError:
        return None


def parse_bool(text: str) -> bool | None:
    low = text.lower()
    return True if low in TRUE_WORDS else False if low in FALSE_WORDS else None


def parse_number(text: str) -> float | None:
    if _DECIMAL.fullmatch(text) is None:
        return None
    x = float(text)
    return x if isfinite(x) else None


@dataclass(frozen=True)
class Cell:
    value: Value
    error: str | None = None  # "missing_value" or "invalid_value"
    anomaly: str | None = None


def parse_cell(col: Col, raw: str | None, zone: str) -> Cell:
    """One cell by its column's rule; an empty cell takes the column's default."""
    text = trim(raw)
    if not text:
        return Cell(col.default, "missing_value" if col.required else None)
    value: Value = None
    anomaly = None
    k = col.kind
    if k in ("id", "text"):
        value = text
    elif k == "word":
        value = text.lower()
    elif k == "enum":
        value = text.lower() if text.lower() in col.vocabulary else None
    elif k == "bool":
        value = parse_bool(text)
    elif k == "timestamp":
        instant = parse_timestamp(text, zone)
        if instant is not None:
            value, anomaly = instant.utc, instant.anomaly
    elif k == "date":
        value = parse_date(text)
    elif k == "count":
        value = int(text) if re.fullmatch(r"\d+", text) else None
    elif k == "positive":
        x = parse_number(text)
        value = x if x is not None and x > 0 else None
    elif k == "percent":
        x = parse_number(text)
        value = x if x is not None and 0 <= x <= 100 else None
    elif k == "sha256":
        value = text.lower() if re.fullmatch(r"[0-9A-Fa-f]{64}", text) else None
    else:
        raise ValueError(f"unknown kind {k}")
    return Cell(value, "invalid_value" if value is None else None, anomaly)


# ---- rows and tables ------------------------------------------------------------------------

Where = tuple[int, str, str]  # (line, code, column)


@dataclass
class TableResult:
    """What a correct reader makes of a table's rows."""

    kept: list[dict[str, Value]] = field(default_factory=list)  # with "_line", in line order
    errors: set[Where] = field(default_factory=set)
    anomalies: set[Where] = field(default_factory=set)  # ambiguous/skipped_local_time


def read_table(table: str, rows: Iterable[tuple[int, Raw]], zone: str) -> TableResult:
    """Rows given as (line, cells); columns absent from ``cells`` take their defaults."""
    spec = TABLES[table]
    out = TableResult()
    first_line: dict[Value, int] = {}
    for line, raw in rows:
        values: dict[str, Value] = {}
        errors: set[Where] = set()
        for name, col in spec.columns.items():
            if name not in raw:
                values[name] = col.default
                continue
            cell = parse_cell(col, raw[name], zone)
            values[name] = cell.value
            if cell.error:
                errors.add((line, cell.error, name))
            if cell.anomaly:
                out.anomalies.add((line, f"{cell.anomaly}_local_time", name))
        start, end = values.get("start"), values.get("end")
        if spec.interval and isinstance(start, datetime) and isinstance(end, datetime):
            if end < start:
                errors.add((line, "end_before_start", "end"))
            elif end == start and not spec.zero_length_ok:
                errors.add((line, "zero_length_shift", "end"))
        out.errors |= errors
        if errors:
            continue
        if spec.key:
            key = values[spec.key]
            if key in first_line:
                out.errors.add((line, "duplicate_key", spec.key))
                continue
            first_line[key] = line
        out.kept.append({**values, "_line": line})
    return out
