"""The API's instants: epoch seconds (``StartTime``), RFC 3339 (``StartTimeISO``), and the
compact ``YYYYMMDDTHHMMSSZ`` of container names; and which instants a recording can have.

An instant before 2000 or more than a day ahead of this server's clock is "out of bounds" in the
API's sense (400: the content can never be stored as sent). A camera whose clock was never set
reports 1970; nothing a W100 or later recorded is older than 2000, and a day covers any clock
drift and time-zone mistake.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
AHEAD = timedelta(days=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LAST_EPOCH = Decimal(253402300799)  # 9999-12-31T23:59:59Z, datetime's last second
_COMPACT = re.compile(r"(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z")


class TimeError(ValueError):
    """An instant that cannot be read or is out of bounds; the message says which and why."""


def compact(text: str) -> datetime:
    """``20220823T114810Z`` as an aware UTC instant."""
    m = _COMPACT.fullmatch(text)
    if not m:
        raise TimeError(f"{text!r} is not a UTC time as YYYYMMDDTHHMMSSZ")
    year, month, day, hour, minute, second = (int(g) for g in m.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        raise TimeError(f"{text!r} is not a real date and time") from None


def epoch(text: str, what: str) -> datetime:
    """Epoch seconds (UTC, a fraction allowed) as an aware instant."""
    try:
        seconds = Decimal(text.strip())
    except InvalidOperation:
        raise TimeError(f"{what} {text!r} is not a time in epoch seconds") from None
    if not seconds.is_finite() or not 0 <= seconds <= _LAST_EPOCH:
        raise TimeError(f"{what} {text!r} is out of bounds (epoch seconds from 0 to year 9999)")
    whole = int(seconds)
    micro = int((seconds - whole) * 1_000_000)
    return _EPOCH + timedelta(seconds=whole, microseconds=micro)


def rfc3339(text: str, what: str) -> datetime:
    """An RFC 3339 instant (with ``Z`` or an offset) as an aware UTC instant."""
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise TimeError(f"{what} {text!r} is not an RFC 3339 time") from None
    if at.tzinfo is None:
        raise TimeError(f"{what} {text!r} has no offset; RFC 3339 times end in Z or ±hh:mm")
    return at.astimezone(UTC)


def instant(meta: Mapping[str, str], key: str) -> datetime | None:
    """The instant ``key`` holds (epoch seconds), else its ``…ISO`` twin, else None. An empty
    value is no value."""
    if meta.get(key, "").strip():
        return epoch(meta[key], key)
    iso = f"{key}ISO"
    if meta.get(iso, "").strip():
        return rfc3339(meta[iso], iso)
    return None


def check_bounds(at: datetime, what: str, now: datetime) -> datetime:
    """``at`` if a camera can have recorded it, else :class:`TimeError` saying why not."""
    if at < EARLIEST:
        raise TimeError(
            f"{what} {at:%Y-%m-%dT%H:%M:%SZ} is out of bounds: before {EARLIEST:%Y-%m-%d} "
            "(was the camera's clock set?)"
        )
    if at > now + AHEAD:
        raise TimeError(
            f"{what} {at:%Y-%m-%dT%H:%M:%SZ} is out of bounds: more than a day ahead of this "
            f"server's clock ({now:%Y-%m-%dT%H:%M:%SZ}); check both clocks"
        )
    return at
