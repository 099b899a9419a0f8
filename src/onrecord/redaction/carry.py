"""Carrying a reviewer's region from the frame it was marked at: the region's look at that frame
is searched for near where it was last, frame after frame (normalised cross-correlation in the
grey picture), and where the match is poor the box stays put rather than wander."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from onrecord.redaction.geometry import Box

MIN_MATCH = 0.5
"""The correlation below which the region is taken as not found (the box then stays)."""


@dataclass
class Carrier:
    """One region carried forward; ``step`` takes each following grey frame in turn."""

    box: Box
    template: npt.NDArray[np.uint8] = field(repr=False)

    @classmethod
    def start(cls, grey: npt.NDArray[np.uint8], box: Box) -> Carrier:
        x0, y0 = max(0, round(box.x)), max(0, round(box.y))
        x1 = min(grey.shape[1], round(box.right))
        y1 = min(grey.shape[0], round(box.bottom))
        return cls(box, grey[y0:y1, x0:x1].copy())

    def step(self, grey: npt.NDArray[np.uint8]) -> Box:
        """The region's box in ``grey`` (the next frame)."""
        th, tw = self.template.shape
        if th < 4 or tw < 4:
            return self.box
        margin = max(8, round(max(self.box.w, self.box.h) * 0.5))
        x0, y0 = max(0, round(self.box.x) - margin), max(0, round(self.box.y) - margin)
        x1 = min(grey.shape[1], round(self.box.right) + margin)
        y1 = min(grey.shape[0], round(self.box.bottom) + margin)
        window = grey[y0:y1, x0:x1]
        if window.shape[0] < th or window.shape[1] < tw:
            return self.box
        scores = cv2.matchTemplate(window, self.template, cv2.TM_CCOEFF_NORMED)
        _, best, _, (bx, by) = cv2.minMaxLoc(np.nan_to_num(scores, nan=-1.0))
        if best >= MIN_MATCH:
            self.box = Box(float(x0 + bx), float(y0 + by), self.box.w, self.box.h)
        return self.box
