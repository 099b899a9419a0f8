"""Licence plates by OpenCV's Haar cascade for number plates (``haarcascade_russian_plate_number``,
shipped in opencv-python-headless): the best detector available offline, and a weak one. It was
trained on one country's plates, finds plates seen square-on and large enough, and misses many
others; plates it finds are tracked like faces, and a reviewer's boxes cover the rest."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from onrecord.redaction.geometry import Box
from onrecord.redaction.tracking import Detection

CASCADE = "haarcascade_russian_plate_number.xml"


def cascade_path() -> Path:
    return Path(cv2.data.haarcascades) / CASCADE  # type: ignore[attr-defined]


@dataclass
class PlateCascade:
    """The plate detector; ``detect`` takes a grey image."""

    min_neighbors: int = 3
    scale_factor: float = 1.1

    @cached_property
    def classifier(self) -> Any:
        return cv2.CascadeClassifier(str(cascade_path()))

    def detect(self, grey: npt.NDArray[np.uint8]) -> list[Detection]:
        found = self.classifier.detectMultiScale(
            grey, scaleFactor=self.scale_factor, minNeighbors=self.min_neighbors, minSize=(24, 8)
        )
        return [Detection(Box(float(x), float(y), float(w), float(h)), 1.0) for x, y, w, h in found]
