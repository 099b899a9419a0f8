"""When a recording was made, read from the media file itself (PyAV), for cameras that deliver
plain files to a dock or upload folder.

A container's ``creation_time`` (MP4's movie header, Matroska's date) is taken as the start and
the container's duration added for the end. Cameras write it in UTC; a zero date (1904 or 1970,
what an unset clock writes) counts as none. When either is missing the user gives the time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import av

UNSET_BEFORE = datetime(1971, 1, 1, tzinfo=UTC)


class MediaError(ValueError):
    """The file's times cannot be read; the message says what to give instead."""


def _creation_time(metadata: dict[str, str]) -> datetime | None:
    text = metadata.get("creation_time")
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        return None
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return None if at < UNSET_BEFORE else at.astimezone(UTC)


def read_times(path: Path) -> tuple[datetime | None, timedelta | None]:
    """The recording's start (its creation time) and duration as the container gives them."""
    try:
        with av.open(str(path)) as container:
            start = _creation_time(dict(container.metadata))
            for stream in container.streams:
                start = start or _creation_time(dict(stream.metadata))
            duration = None
            if container.duration is not None:
                duration = timedelta(microseconds=container.duration)
    except (av.FFmpegError, OSError) as e:
        raise MediaError(f"not readable as audio or video ({e})") from None
    return start, duration


def recording_span(
    path: Path, start: datetime | None, end: datetime | None
) -> tuple[datetime, datetime]:
    """The recording's start and end: as given, else from its media (see the module)."""
    if start is not None and end is not None:
        return start, end
    found, duration = read_times(path)
    begins = start or found
    if begins is None:
        raise MediaError("its media gives no recording time; give --start (and --end)")
    if end is not None:
        return begins, end
    if duration is None:
        raise MediaError("its media gives no duration; give --end")
    return begins, begins + duration
