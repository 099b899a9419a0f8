"""A reviewer's box drawn on one frame of a clip already redacted, made into the record: a new
manual track, or a keyframe that replaces an existing track's box from that frame. Only the
frames the box covers are looked at (the tracker carries it from its frame to its end; a box
held still needs no frame at all), and no detector runs.

Adjusting track ``N`` with a box drawn at frame ``f`` whose end is frame ``e`` (the frame shown
at or before ``until``; without it, the track's last frame, or ``f`` if the track ends before):
the track's boxes at frames ``f`` to ``e`` are replaced by the new box's (carried or held), its
boxes before ``f`` and after ``e`` are kept, and the track is accepted.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from onrecord.redaction import media, tracking
from onrecord.redaction.carry import Carrier
from onrecord.redaction.drawn import Drawn, Still
from onrecord.redaction.errors import InputError
from onrecord.redaction.geometry import Box, pixels
from onrecord.redaction.manual import Keyframe, ManualBox
from onrecord.redaction.record import FrameBox, RedactionRecord, Track
from onrecord.redaction.tracking import How


@dataclass(frozen=True)
class _Clock:
    """Which frame is shown when: each frame's timestamp, and its time from the first."""

    stamps: list[int]
    times: list[float]
    half: float
    """Half a frame, in seconds: the grace by which a time picks its frame."""

    @classmethod
    def of(cls, source: Path, record: RedactionRecord) -> _Clock:
        stamps = media.frame_times(source)
        if len(stamps) != record.video.frames:
            raise InputError(
                f"{source}: has {len(stamps)} frames where its record has {record.video.frames}"
            )
        base = Fraction(record.video.time_base)
        times = [float((s - stamps[0]) * base) for s in stamps]
        return cls(stamps, times, float(0.5 / Fraction(record.video.fps)))

    def at(self, seconds: float, what: str) -> int:
        """The first frame shown at or after ``seconds`` (half a frame's grace)."""
        i = bisect.bisect_left(self.times, seconds - self.half)
        if i >= len(self.times):
            raise InputError(
                f"{what} {seconds:g} s is past the clip's last frame (at {self.times[-1]:.2f} s)"
            )
        return i

    def until(self, seconds: float) -> int:
        """The last frame shown at or before ``seconds``."""
        return max(0, bisect.bisect_right(self.times, seconds + self.half) - 1)


def still(source: Path, record: RedactionRecord, seconds: float) -> Still:
    """The frame of ``source`` shown at ``seconds`` (decoded from the key frame before it)."""
    clock = _Clock.of(source, record)
    index = clock.at(seconds, "the time")
    with media.opened(source) as container:
        for i, frame in media.frames_from(container, source, clock.stamps, index):
            picture = np.asarray(frame.to_ndarray(format="bgr24"), dtype=np.uint8)
            ok, jpeg = cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, 90])
            if not ok:
                raise InputError(f"{source}: frame {i} cannot be made a picture")
            h, w = picture.shape[:2]
            return Still(i, clock.times[i], w, h, jpeg.tobytes())
    raise InputError(f"{source}: frame {index} cannot be decoded")


def with_box(source: Path, record: RedactionRecord, drawn: Drawn) -> RedactionRecord:
    """``record`` with ``drawn`` added as a new manual track, or as the new box of the track it
    adjusts (see the module); ``InputError`` for a box outside the frame, a time past the clip,
    an end before the start or a track the record does not have."""
    width, height = record.video.width, record.video.height
    if drawn.w < 2 or drawn.h < 2 or drawn.x < 0 or drawn.y < 0:
        raise InputError(
            f"the box at x {drawn.x}, y {drawn.y}, {drawn.w}×{drawn.h}: give x and y of 0 or more "
            "and a width and height of 2 pixels or more"
        )
    if drawn.x + drawn.w > width or drawn.y + drawn.h > height:
        raise InputError(
            f"the box at x {drawn.x}, y {drawn.y}, {drawn.w}×{drawn.h} reaches outside the "
            f"{width}×{height} frame: move it in or make it smaller"
        )
    adjusted = _track(record, drawn.track) if drawn.track is not None else None
    clock = _Clock.of(source, record)
    start = clock.at(drawn.at, "the box's time")
    if drawn.until is not None:
        if drawn.until < drawn.at:
            raise InputError(
                f"until {drawn.until:g} s is before the box's time {drawn.at:g} s: give a later "
                "time, or none"
            )
        end = max(start, clock.until(drawn.until))
    elif adjusted is not None:
        end = max([start, *(b[0] for b in adjusted.boxes)])
    else:
        end = record.video.frames - 1
    box = Box(drawn.x, drawn.y, drawn.w, drawn.h)
    if drawn.follow:
        found = _carried(source, clock.stamps, box, start, end)
    else:
        found = tracking.keyframed([(start, box)], end=end, frames=record.video.frames)
    rows = _rows(found, width, height)
    if adjusted is not None:
        kept = [b for b in adjusted.boxes if not start <= b[0] <= end]
        boxes = tuple(sorted([*kept, *rows], key=lambda b: b[0]))
        changed = adjusted.model_copy(update={"boxes": boxes, "accepted": True})
        tracks = tuple(changed if t.id == adjusted.id else t for t in record.tracks)
        return record.model_copy(update={"tracks": tracks})
    label = drawn.label or f"box at {clock.times[start]:.2f} s"
    ident = max((t.id for t in record.tracks), default=0) + 1
    track = Track(id=ident, kind="manual", label=label, boxes=rows)
    return record.model_copy(
        update={
            "tracks": (*record.tracks, track),
            "manual_boxes": (*record.manual_boxes, _manual(label, start, end, box, drawn.follow)),
        }
    )


def _track(record: RedactionRecord, ident: int) -> Track:
    for t in record.tracks:
        if t.id == ident:
            return t
    raise InputError(f"there is no track {ident} to adjust")


def _carried(
    source: Path, stamps: list[int], box: Box, start: int, end: int
) -> dict[int, tuple[Box, How]]:
    """The box from frame ``start`` to ``end``, carried by the tracker, as ``analyse`` carries
    a reviewer's single-frame box; only those frames are decoded."""
    out: dict[int, tuple[Box, How]] = {}
    carrier: Carrier | None = None
    with media.opened(source) as container:
        for i, frame in media.frames_from(container, source, stamps, start):
            grey = np.asarray(frame.to_ndarray(format="gray"), dtype=np.uint8)
            if carrier is None:
                carrier = Carrier.start(grey, box)
                out[i] = (box, How.KEYFRAME)
            else:
                out[i] = (carrier.step(grey), How.CARRIED)
            if i >= end:
                break
    return out


def _rows(found: dict[int, tuple[Box, How]], width: int, height: int) -> tuple[FrameBox, ...]:
    rows: list[FrameBox] = []
    for f, (box, how) in sorted(found.items()):
        rect = pixels(box, width, height)
        if rect is not None:
            rows.append((f, *rect, how))
    return tuple(rows)


def _manual(label: str, start: int, end: int, box: Box, follow: bool) -> ManualBox:
    """The box as a reviewer's boxes file would give it (the record keeps what was drawn)."""
    x, y, w, h = box
    if follow:
        return ManualBox(label=label, frame=start, x=x, y=y, w=w, h=h, end_frame=end)
    marks = (Keyframe(frame=start, x=x, y=y, w=w, h=h), Keyframe(frame=end, x=x, y=y, w=w, h=h))
    return ManualBox(label=label, keyframes=marks, end_frame=end)
