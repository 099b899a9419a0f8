"""What a reviewer draws on a frame of a redacted clip, and the frame as it is shown to them
(plain data: the console builds these without loading the engine, ``edits`` uses them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Drawn:
    """A box drawn on the frame shown at ``at`` seconds, in the stored picture's pixels.
    ``follow``: carried by the tracker, else held still; ``until``: the last frame shown at or
    before it (seconds) is its last, else the clip's last (a new box) or the track's
    (``track``: the track it adjusts)."""

    at: float
    x: int
    y: int
    w: int
    h: int
    follow: bool
    until: float | None = None
    track: int | None = None
    label: str | None = None


@dataclass(frozen=True)
class Still:
    """One frame as a JPEG picture: its number and time in the clip, and its size."""

    frame: int
    seconds: float
    width: int
    height: int
    jpeg: bytes
