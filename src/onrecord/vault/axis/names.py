"""What the names of containers and objects say.

Containers: ``System``, ``Users``, ``Devices``; a recording ``<user UUID>_<BWCSerialNumber>_
<TriggerOnTime as YYYYMMDDTHHMMSSZ>``; rejected content ``RejectedContent_<time or
UnknownTime>_<UUID>``. Nothing else is ever created by an Axis system, so any other name is
refused (400) rather than kept where nobody would look for it.

Objects of a recording: clips ``<StartTime>_<RecordingID>.<mkv|mp4>``, key files ``….key``,
bookmarks ``bookmark_<Timestamp>_<ID>``, the GNSS track ``…_gpstrail.json``. An object of
another name is kept too (role ``other``): newer firmware may send more, and evidence is never
dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from onrecord.vault.axis.times import TimeError, compact
from onrecord.vault.items import FileRole


class ContainerKind(StrEnum):
    SYSTEM = "system"
    USERS = "users"
    DEVICES = "devices"
    RECORDING = "recording"
    REJECTED = "rejected"


FIXED = {
    "System": ContainerKind.SYSTEM,
    "Users": ContainerKind.USERS,
    "Devices": ContainerKind.DEVICES,
}
RESERVED_SYSTEM_OBJECTS = frozenset({"Capabilities.json", "Categories.json"})
"""The destination's own objects in ``System``: served, never written by a system."""

_RECORDING = re.compile(r"(?P<user>[^_/]+)_(?P<serial>[^/]+)_(?P<time>\d{8}T\d{6}Z)")
_REJECTED = re.compile(r"RejectedContent_(?:\d{8}T\d{6}Z|UnknownTime)_[^/]+")


class UnknownContainer(ValueError):
    """A container name the destination does not store; the message says what it expected."""


@dataclass(frozen=True)
class RecordingName:
    """The parts of a recording container's name."""

    user: str
    """The user's UUID in the system (the name of its object in ``Users``)."""
    serial: str
    trigger_on: datetime


def container_kind(name: str) -> ContainerKind:
    """Which kind of container ``name`` is, or :class:`UnknownContainer`."""
    if name in FIXED:
        return FIXED[name]
    if _REJECTED.fullmatch(name):
        return ContainerKind.REJECTED
    recording_name(name)
    return ContainerKind.RECORDING


def recording_name(name: str) -> RecordingName:
    """The user, camera and trigger time a recording container's name holds."""
    m = _RECORDING.fullmatch(name)
    if not m:
        raise UnknownContainer(
            f"container {name!r} is not one this destination stores: System, Users, Devices, "
            "a recording <user UUID>_<BWCSerialNumber>_<YYYYMMDDTHHMMSSZ> or "
            "RejectedContent_<time>_<UUID>"
        )
    try:
        at = compact(m["time"])
    except TimeError as e:
        raise UnknownContainer(f"container {name!r}: the trigger time {e}") from None
    return RecordingName(m["user"], m["serial"], at)


def object_role(name: str) -> tuple[FileRole, str]:
    """An object's role in its recording and its media type, from its name."""
    lower = name.lower()
    if lower.endswith(".mkv"):
        return FileRole.CLIP, "video/x-matroska"
    if lower.endswith(".mp4"):
        return FileRole.CLIP, "video/mp4"
    if lower.endswith(".key"):
        return FileRole.KEY, "application/json"
    if lower.endswith("_gpstrail.json"):
        return FileRole.GNSS, "application/json"
    if name.startswith("bookmark_"):
        return FileRole.BOOKMARK, "text/plain; charset=utf-8"
    return FileRole.OTHER, "application/octet-stream"
