"""Which frames to look at when detection looks at every k-th frame and refines at the changes:
the looks on the frames 0, k, 2k, … (the regular looks) decide which frames between them are
looked at too, so that a track's first and last frames are found as when looking at every frame
and only frames between two looks that agree are inferred (interpolated by ``tracking.fill``).

The rule. Two consecutive regular looks *agree* when they have as many detections of each kind
(faces, plates) and these pair one to one with overlapping ones (``overlaps``). When two
consecutive regular looks p and p + k disagree, the frames between them are looked at, and so
are the frames between p − k and p and between p + k and p + 2k: one of the two looks may have
missed an object, and what it missed may begin or end on the far side of it. After the clip's
last frame an empty look is counted, so that a track seen at the last regular look has the
frames after it looked at.

Each run of frames between two regular looks is settled once the look two after it is made, so
the engine keeps the 2k − 2 frames of the last two runs, not looked at yet, in a buffer.
Nothing here reads frames or runs a model.
"""

from __future__ import annotations

from collections.abc import Sequence

from onrecord.redaction.geometry import Box, centre_in, iou, one_to_one
from onrecord.redaction.tracking import MIN_IOU, Detection

Look = Sequence[Sequence[Detection]]
"""A look's detections, one list for each kind looked for (faces, plates)."""


def overlaps(a: Box, b: Box) -> bool:
    """One object at both: IoU at least ``MIN_IOU``, or either box's centre inside the other."""
    return iou(a, b) >= MIN_IOU or centre_in(a, b) or centre_in(b, a)


def agree(a: Look, b: Look) -> bool:
    """As many detections of each kind at either look, paired one to one with overlapping ones
    (best overlap first; a pairing that order misses counts as a disagreement, which only
    looks at more frames): two faces at one look and one at the other disagree even when it
    overlaps both, as when a face passes behind another."""
    return all(_paired(xs, ys) for xs, ys in zip(a, b, strict=True))


def _paired(xs: Sequence[Detection], ys: Sequence[Detection]) -> bool:
    if len(xs) != len(ys):
        return False
    pairs = [(iou(d.box, e.box), i, j) for i, d in enumerate(xs) for j, e in enumerate(ys)
             if overlaps(d.box, e.box)]  # fmt: skip
    return len(one_to_one(pairs)) == len(xs)


class Refiner:
    """The rule above, fed the regular looks in frame order (``regular``) and the clip's end
    (``end``); each answers the frames between regular looks settled to be looked at."""

    def __init__(self, every: int) -> None:
        self.every = every
        self.last: Look | None = None
        self.marked: set[int] = set()
        """Regular looks p whose following run (p + 1 … p + k − 1) is to be looked at."""

    def regular(self, frame: int, found: Look) -> list[int]:
        """The regular look at ``frame`` (a multiple of k) found ``found``: the frames of the
        run now settled (the one before the previous look) that are to be looked at."""
        k = self.every
        if self.last is not None and not agree(self.last, found):
            self.marked |= {frame - 2 * k, frame - k, frame}
        self.last = found
        return self._run(frame - 2 * k, frame)

    def end(self, frames: int) -> list[int]:
        """The clip has ``frames`` frames: the frames of the last two runs to be looked at."""
        k = self.every
        last = (frames - 1) // k * k
        if self.last is not None and not agree(self.last, [[] for _ in self.last]):
            self.marked |= {last - k, last}
        return self._run(last - k, frames) + self._run(last, frames)

    def _run(self, start: int, frames: int) -> list[int]:
        if start < 0 or start not in self.marked:
            return []
        self.marked.discard(start)
        return list(range(start + 1, min(start + self.every, frames)))
