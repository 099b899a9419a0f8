"""A staged recording as the vault's ``NewItem`` (pure: no I/O), and the checks that decide
whether a recording can ever be stored (400) — made as early as the data allows.

A recording becomes one item when the system marks it ``Complete``:

- officer: the ``UserID`` of the user whose UUID starts the container's name; camera: the
  serial in the name (the name is the recording's identity; its metadata repeats it);
- start and end: the container's ``StartTime``/``StopTime`` (pre- and post-buffer included),
  else the earliest clip start and latest clip stop; none, or an end not after the start, is
  "no duration" (400);
- trigger on and off: their reasons and instants (``TriggerOnTime`` else the name's time);
- categories: each bookmark's ``CategoryID`` (else its ``CategoryName``), in bookmark order, once
  each — a category chosen on the camera arrives as a bookmark, and one the destination no
  longer lists is kept as it came;
- files: every object with its role, clips first in time order (the first clip is the one the
  audit's ``sha256`` names), then the GNSS track, bookmarks, key files and anything else;
- metadata: the container's metadata (``axis.<Key>``, all but ``Status``), the user's display
  name (``axis.UserName``) and each object's metadata as JSON (``axis.object.<name>``).

Rejected content (``RejectedContent_…``) has no ``Complete``: each object becomes an item of its
own as soon as it is in, and is never refused, so everything about it is read leniently: the
officer and camera come from the original container's name when the user is known (else
``unknown``), times from the object, else the container, else the original trigger time, else
the time of rejection, else the time it arrived.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from onrecord.vault.axis.names import RecordingName, UnknownContainer, recording_name
from onrecord.vault.axis.registry import Camera, Person
from onrecord.vault.axis.times import TimeError, check_bounds, compact, epoch, instant, rfc3339
from onrecord.vault.items import FileRole, IncomingFile, NewItem, Source

UNKNOWN = "unknown"
"""Officer or camera id of rejected content whose user or camera cannot be told."""
TIME_KEYS = ("TriggerOnTime", "TriggerOffTime", "StartTime", "StopTime")
ROLE_ORDER = (FileRole.CLIP, FileRole.GNSS, FileRole.BOOKMARK, FileRole.KEY, FileRole.OTHER)


class Unstorable(ValueError):
    """The content can never be stored as sent (the API's 400); the message says why."""


@dataclass(frozen=True)
class StagedObject:
    name: str
    role: FileRole
    media_type: str
    sha256: str
    size: int
    meta: Mapping[str, str]


@dataclass(frozen=True)
class StagedContainer:
    """A container as staged: ``account`` is the credentials' name (``axis``)."""

    account: str
    name: str
    meta: Mapping[str, str]
    objects: tuple[StagedObject, ...]


def external_key(account: str, container: str, obj: str | None = None, sha256: str = "") -> str:
    """The item's key in its source: ``<account>/<container>`` for a recording;
    ``<account>/<container>/<object>@<sha256>`` for a rejected object."""
    return f"{account}/{container}" if obj is None else f"{account}/{container}/{obj}@{sha256}"


def _times(meta: Mapping[str, str], now: datetime, what: str) -> dict[str, datetime]:
    """Every instant in ``meta`` that is given, each within bounds."""
    found: dict[str, datetime] = {}
    try:
        for key in TIME_KEYS:
            at = instant(meta, key)
            if at is not None:
                found[key] = check_bounds(at, f"{what}'s {key}", now)
    except TimeError as e:
        raise Unstorable(str(e)) from None
    return found


@dataclass(frozen=True)
class Filing:
    """Where a recording is filed: its name's parts, the officer id and the camera."""

    parts: RecordingName
    officer_id: str
    camera_id: str
    user_name: str | None


def check_recording(
    name: str, meta: Mapping[str, str], user: Person | None, camera: Camera | None, now: datetime
) -> Filing:
    """Where the recording is filed, if its user, camera and times let it be stored."""
    try:
        parts = recording_name(name)
    except UnknownContainer as e:
        raise Unstorable(str(e)) from None
    if user is None:
        raise Unstorable(
            f"recording {name}: user {parts.user} is not registered (no object in Users); the "
            "system registers users when they are added in AXIS Body Worn Manager"
        )
    if user.user_id is None:
        raise Unstorable(
            f"recording {name}: user {parts.user} ({user.name or 'no name'}) has no UserID; "
            "enter the officer's department id as the user's ID in AXIS Body Worn Manager"
        )
    if camera is None:
        raise Unstorable(
            f"recording {name}: camera {parts.serial} is not registered (no object in Devices)"
        )
    try:
        check_bounds(parts.trigger_on, f"recording {name}'s trigger time", now)
    except TimeError as e:
        raise Unstorable(str(e)) from None
    _times(meta, now, f"recording {name}")
    return Filing(parts, user.user_id, camera.serial, user.name)


def check_clip(name: str, meta: Mapping[str, str], now: datetime) -> dict[str, datetime]:
    """A clip's own times: when given, in bounds and giving it a duration."""
    times = _times(meta, now, f"clip {name}")
    start, stop = times.get("StartTime"), times.get("StopTime")
    if start is not None and stop is not None and stop <= start:
        raise Unstorable(
            f"clip {name} has no duration: StopTime {stop:%Y-%m-%dT%H:%M:%SZ} is not after "
            f"StartTime {start:%Y-%m-%dT%H:%M:%SZ}"
        )
    return times


def _file(o: StagedObject) -> IncomingFile:
    return IncomingFile(o.name, o.media_type, o.sha256, o.size, o.role)


def _object_metadata(objects: tuple[StagedObject, ...]) -> dict[str, str]:
    return {
        f"axis.object.{o.name}": json.dumps(dict(o.meta), sort_keys=True, ensure_ascii=False)
        for o in objects
        if o.meta
    }


def _ordered(objects: tuple[StagedObject, ...]) -> list[StagedObject]:
    """Clips first, in time order (a clip without a readable start last), then by role."""
    last = datetime.max.replace(tzinfo=UTC)

    def key(o: StagedObject) -> tuple[int, datetime, str]:
        start = _lenient(lambda: instant(o.meta, "StartTime")) if o.role is FileRole.CLIP else None
        return ROLE_ORDER.index(o.role), start or last, o.name

    return sorted(objects, key=key)


def categories(objects: Iterable[StagedObject]) -> tuple[str, ...]:
    """The categories a recording's bookmarks carry, in their order, once each."""
    found: dict[str, None] = {}
    for o in objects:
        if o.role is FileRole.BOOKMARK:
            category = o.meta.get("CategoryID", "").strip() or o.meta.get("CategoryName", "")
            if category.strip():
                found[category.strip()] = None
    return tuple(found)


def recording_item(
    c: StagedContainer, user: Person | None, camera: Camera | None, now: datetime
) -> NewItem:
    """The item a complete recording is, or :class:`Unstorable` saying why it cannot be."""
    filing = check_recording(c.name, c.meta, user, camera, now)
    times = _times(c.meta, now, f"recording {c.name}")
    objects = _ordered(c.objects)
    clips = [o for o in objects if o.role is FileRole.CLIP]
    if not clips:
        raise Unstorable(f"recording {c.name} is complete but holds no video clip")
    clip_times = [check_clip(o.name, o.meta, now) for o in clips]
    starts = [t["StartTime"] for t in clip_times if "StartTime" in t]
    stops = [t["StopTime"] for t in clip_times if "StopTime" in t]
    start = times.get("StartTime") or min(starts, default=None)
    end = times.get("StopTime") or max(stops, default=None)
    if start is None or end is None:
        raise Unstorable(
            f"recording {c.name} has no duration: neither it nor its clips give StartTime "
            "and StopTime"
        )
    if end <= start:
        raise Unstorable(
            f"recording {c.name} has no duration: StopTime {end:%Y-%m-%dT%H:%M:%SZ} is not "
            f"after StartTime {start:%Y-%m-%dT%H:%M:%SZ}"
        )
    metadata = {f"axis.{k}": v for k, v in c.meta.items() if k != "Status"}
    if filing.user_name:
        metadata["axis.UserName"] = filing.user_name
    metadata.update(_object_metadata(c.objects))
    return NewItem(
        source=Source.AXIS,
        officer_id=filing.officer_id,
        camera_id=filing.camera_id,
        start=start,
        end=end,
        files=tuple(_file(o) for o in objects),
        external_key=external_key(c.account, c.name),
        time_zone=c.meta.get("TimeZone") or None,
        trigger_on_reason=c.meta.get("TriggerOn") or None,
        trigger_on_time=times.get("TriggerOnTime", filing.parts.trigger_on),
        trigger_off_reason=c.meta.get("TriggerOff") or None,
        trigger_off_time=times.get("TriggerOffTime"),
        categories=categories(objects),
        metadata=metadata,
    )


def _lenient(read: Callable[[], datetime | None]) -> datetime | None:
    try:
        return read()
    except TimeError:
        return None


def _rejection_time(text: str) -> datetime | None:
    """``RejectedContentTime`` in whichever of the API's forms it came."""
    parsers: tuple[Callable[[str], datetime], ...] = (
        compact,
        lambda t: epoch(t, "RejectedContentTime"),
        lambda t: rfc3339(t, "RejectedContentTime"),
    )
    for parse in parsers:
        try:
            return parse(text)
        except TimeError:
            continue
    return None


def rejected_origin(c: StagedContainer, o: StagedObject) -> RecordingName | None:
    """The recording rejected content was meant for, when its original container is named."""
    original = o.meta.get("RejectedContentOriginalContainer") or c.meta.get(
        "RejectedContentOriginalContainer", ""
    )
    try:
        return recording_name(original)
    except UnknownContainer:
        return None


def rejected_item(
    c: StagedContainer,
    o: StagedObject,
    user: Person | None,
    camera: Camera | None,
    received_at: datetime,
) -> NewItem:
    """The item one rejected object is (never refused; see the module's docstring)."""
    origin = rejected_origin(c, o)
    start = (
        _lenient(lambda: instant(o.meta, "StartTime"))
        or _lenient(lambda: instant(c.meta, "StartTime"))
        or (origin.trigger_on if origin else None)
        or _rejection_time(c.meta.get("RejectedContentTime", ""))
        or received_at
    )
    end = (
        _lenient(lambda: instant(o.meta, "StopTime"))
        or _lenient(lambda: instant(c.meta, "StopTime"))
        or start
    )
    serial = c.meta.get("BWCSerialNumber") or (origin.serial if origin else None)
    metadata = {f"axis.{k}": v for k, v in c.meta.items()}
    if user is not None and user.name:
        metadata["axis.UserName"] = user.name
    metadata.update(_object_metadata((o,)))
    return NewItem(
        source=Source.AXIS,
        officer_id=(user.user_id if user else None) or UNKNOWN,
        camera_id=(camera.serial if camera else serial) or UNKNOWN,
        start=start,
        end=max(start, end),
        files=(_file(o),),
        external_key=external_key(c.account, c.name, o.name, o.sha256),
        time_zone=c.meta.get("TimeZone") or None,
        trigger_on_reason=c.meta.get("TriggerOn") or None,
        trigger_on_time=_lenient(lambda: instant(c.meta, "TriggerOnTime")),
        trigger_off_reason=c.meta.get("TriggerOff") or None,
        trigger_off_time=_lenient(lambda: instant(c.meta, "TriggerOffTime")),
        metadata=metadata,
    )
