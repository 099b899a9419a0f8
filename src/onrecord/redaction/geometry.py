"""Boxes on a frame: overlap, padding, interpolation and the pixel rectangle a style covers.

A box is ``(x, y, w, h)`` in floats, in the coded frame's pixels (before any display rotation),
so that detections at a reduced resolution, tracks and a reviewer's boxes share one space.
"""

from __future__ import annotations

import math
from typing import NamedTuple


class Box(NamedTuple):
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h


def centre_in(a: Box, b: Box) -> bool:
    """Whether ``a``'s centre lies inside ``b`` (edges included)."""
    cx, cy = a.x + a.w / 2, a.y + a.h / 2
    return b.x <= cx <= b.right and b.y <= cy <= b.bottom


def one_to_one(pairs: list[tuple[float, int, int]]) -> list[tuple[int, int]]:
    """Pairs ``(score, i, j)`` taken best score first, each ``i`` and each ``j`` once: the
    greedy one-to-one pairing detections and tracks are joined by."""
    taken_i: set[int] = set()
    taken_j: set[int] = set()
    chosen = []
    for _, i, j in sorted(pairs, reverse=True):
        if i not in taken_i and j not in taken_j:
            taken_i.add(i)
            taken_j.add(j)
            chosen.append((i, j))
    return chosen


def iou(a: Box, b: Box) -> float:
    """Intersection over union; 0 for boxes that do not overlap or have no area."""
    iw = min(a.right, b.right) - max(a.x, b.x)
    ih = min(a.bottom, b.bottom) - max(a.y, b.y)
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    union = a.w * a.h + b.w * b.h - inter
    return inter / union if union > 0 else 0.0


def pad(box: Box, fraction: float) -> Box:
    """``box`` grown by ``fraction`` of its width on the left and on the right, and of its
    height above and below (0.3 makes a 10×10 box 16×16 about the same centre)."""
    dx, dy = box.w * fraction, box.h * fraction
    return Box(box.x - dx, box.y - dy, box.w + 2 * dx, box.h + 2 * dy)


def lerp(a: Box, b: Box, t: float) -> Box:
    """The box a fraction ``t`` of the way from ``a`` to ``b`` (each side linearly)."""
    return Box(*(p + (q - p) * t for p, q in zip(a, b, strict=True)))


def union(a: Box, b: Box) -> Box:
    """The smallest box holding both."""
    x, y = min(a.x, b.x), min(a.y, b.y)
    return Box(x, y, max(a.right, b.right) - x, max(a.bottom, b.bottom) - y)


def shifted(box: Box, dx: float, dy: float) -> Box:
    return Box(box.x + dx, box.y + dy, box.w, box.h)


def pixels(box: Box, width: int, height: int) -> tuple[int, int, int, int] | None:
    """The whole-pixel rectangle ``(x, y, w, h)`` that ``box`` covers, rounded outwards to even
    coordinates (so the half-resolution colour planes of 4:2:0 video are covered exactly) and
    clipped to the frame; ``None`` when nothing of it is on the frame."""
    x0 = max(0, 2 * math.floor(box.x / 2))
    y0 = max(0, 2 * math.floor(box.y / 2))
    x1 = min(width, 2 * math.ceil(box.right / 2))
    y1 = min(height, 2 * math.ceil(box.bottom / 2))
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1 - x0, y1 - y0


def unrotate(box: Box, turns: int, width: int, height: int) -> Box:
    """A box found in the picture as shown — the stored ``width``×``height`` picture turned
    ``turns`` quarter turns counter-clockwise (``numpy.rot90``) — in the stored picture's
    pixels. Detectors look at the picture upright, as a display rotation shows it."""
    x, y, w, h = box
    match turns % 4:
        case 1:  # shown (x', y') = (y, width - x)
            return Box(width - y - h, x, h, w)
        case 2:  # shown (x', y') = (width - x, height - y)
            return Box(width - x - w, height - y - h, w, h)
        case 3:  # shown (x', y') = (height - y, x)
            return Box(y, height - x - w, h, w)
    return box
