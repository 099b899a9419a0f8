"""Detections on the frames looked at, joined into tracks, and each track's box at every frame
it covers: detected, interpolated through misses and between looks, extended before the first
and after the last detection, and padded. Pure computation: no frames, no models.

Looking back and ahead is what keeps a face covered where the detector missed it for a frame or
two, and where it was not looked at (detection on every k-th frame): the box at such a frame is
the straight line between the detections on either side. Before the first and after the last
detection a track is held for ``extend`` frames, widened towards where its motion would take it
by at most half its size (``REACH_SHARE``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise

from onrecord.redaction.geometry import Box, centre_in, iou, lerp, one_to_one, pad, shifted, union

MIN_IOU = 0.1
"""Boxes that overlap this much (or one's centre inside the other) are taken for one object."""


def reach(every: int) -> int:
    """Frames a track's extension and its longest gap grow by when detection looks at every
    ``every``-th frame only: 2·every − 1 (none when it looks at every frame), enough to bridge
    frames not looked at and one look at which the detector missed."""
    return 0 if every == 1 else 2 * every - 1


REACH_SHARE = 0.5
"""The most an extended box is widened along the track's motion, as a share of its size."""


class How(StrEnum):
    """How a track's box at a frame was found."""

    DETECTED = "detected"
    INTERPOLATED = "interpolated"  # between two detections (a miss, or a frame not looked at)
    EXTENDED = "extended"  # before the first or after the last detection
    KEYFRAME = "keyframe"  # a reviewer's mark
    CARRIED = "carried"  # a reviewer's mark carried by the tracker


@dataclass(frozen=True)
class Detection:
    box: Box
    score: float


@dataclass
class Chain:
    """Detections joined into one object's track: frame -> detection, in frame order."""

    hits: dict[int, Detection] = field(default_factory=dict)

    def last(self) -> tuple[int, Box]:
        f = max(self.hits)
        return f, self.hits[f].box

    def predict(self, frame: int) -> Box:
        """Where the object would be at ``frame`` moving as between its two detections nearest
        that end of the chain (its last two, or for a frame before it its first two)."""
        hits = sorted(self.hits)
        near, other = (hits[0], hits[1:2]) if frame < hits[0] else (hits[-1], hits[-2:-1])
        box = self.hits[near].box
        if not other:
            return box
        was = self.hits[other[0]].box
        t = (frame - near) / (near - other[0])
        return shifted(box, (box.x - was.x) * t, (box.y - was.y) * t)


def associate(
    looks: Sequence[tuple[int, Sequence[Detection]]], *, max_gap: int, min_iou: float = MIN_IOU
) -> list[Chain]:
    """Join detections on the frames looked at (in frame order) into chains: each detection goes
    to the open chain whose predicted box overlaps it most (IoU at least ``min_iou``, or the
    detection's centre inside the prediction), best pairs first; a chain closes when it has had
    no detection for more than ``max_gap`` frames."""
    done: list[Chain] = []
    open_: list[Chain] = []
    for frame, dets in looks:
        still = [c for c in open_ if frame - c.last()[0] <= max_gap + 1]
        done.extend(c for c in open_ if frame - c.last()[0] > max_gap + 1)
        open_ = still
        pairs = []
        for ci, chain in enumerate(open_):
            guess = chain.predict(frame)
            for di, d in enumerate(dets):
                score = iou(guess, d.box)
                inside = centre_in(d.box, guess)
                if score >= min_iou or inside:
                    pairs.append((score + inside, ci, di))
        taken_d: set[int] = set()
        for ci, di in one_to_one(pairs):
            open_[ci].hits[frame] = dets[di]
            taken_d.add(di)
        open_.extend(Chain({frame: d}) for di, d in enumerate(dets) if di not in taken_d)
    return done + open_


def fill(chain: Chain, *, frames: int, extend: int, padding: float) -> dict[int, tuple[Box, How]]:
    """The chain's padded box at every frame it covers, within ``0 .. frames - 1``."""
    hits = sorted(chain.hits)
    out: dict[int, tuple[Box, How]] = {}
    for f0, f1 in pairwise(hits):
        b0, b1 = chain.hits[f0].box, chain.hits[f1].box
        for f in range(f0 + 1, f1):
            out[f] = (lerp(b0, b1, (f - f0) / (f1 - f0)), How.INTERPOLATED)
    for f in hits:
        out[f] = (chain.hits[f].box, How.DETECTED)
    first, last = hits[0], hits[-1]
    for f in range(max(0, first - extend), first):
        out[f] = (_held(chain.hits[first].box, chain.predict(f)), How.EXTENDED)
    for f in range(last + 1, min(frames, last + extend + 1)):
        out[f] = (_held(chain.hits[last].box, chain.predict(f)), How.EXTENDED)
    return {f: (pad(b, padding), how) for f, (b, how) in sorted(out.items()) if 0 <= f < frames}


def _held(box: Box, guess: Box) -> Box:
    """``box`` widened towards ``guess`` (where the motion would take it), by at most
    ``REACH_SHARE`` of its width and of its height: the motion measured between two detections
    is noisy (a face half out of the frame, turning, behind a pole), and followed for several
    frames it grew boxes many times a face's size."""
    cx, cy = box.w * REACH_SHARE, box.h * REACH_SHARE
    dx = min(max(guess.x - box.x, -cx), cx)
    dy = min(max(guess.y - box.y, -cy), cy)
    return union(box, shifted(box, dx, dy))


def keyframed(
    marks: Sequence[tuple[int, Box]], *, end: int | None, frames: int
) -> dict[int, tuple[Box, How]]:
    """A reviewer's region marked at several frames: the marks themselves, the straight line
    between consecutive marks, and the last mark held until ``end`` (a frame) when given."""
    marks = sorted(marks)
    out: dict[int, tuple[Box, How]] = {}
    for (f0, b0), (f1, b1) in pairwise(marks):
        for f in range(f0 + 1, f1):
            out[f] = (lerp(b0, b1, (f - f0) / (f1 - f0)), How.INTERPOLATED)
    for f, b in marks:
        out[f] = (b, How.KEYFRAME)
    last, box = marks[-1]
    for f in range(last + 1, (end if end is not None else last) + 1):
        out[f] = (box, How.EXTENDED)
    return {f: v for f, v in sorted(out.items()) if 0 <= f < frames}
