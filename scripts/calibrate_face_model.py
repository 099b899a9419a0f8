"""Measure the face model's activation ranges for its int8 copy and write them to
``src/onrecord/redaction/centerface-ranges.json`` (``redaction.prepared`` quantizes with them).

    .venv/bin/python scripts/calibrate_face_model.py

The pictures are scikit-image's sample pictures (a development dependency), each scaled to the
network's 640 × 384: the cameraman, the coffee cup, the cat, the rocket, the horse, the coins,
the Hubble field and the rest, but not the astronaut, the LFW faces, the brick or the gravel,
from which ``tests/labelled_videos.py`` makes the videos the quality tests and the benchmark
judge, so those judge the int8 model on pictures it was not calibrated on. Run it again only
when the source model or the quantizer's settings change; commit the result.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import skimage.data
from onnxruntime.quantization import CalibrationDataReader

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from onrecord.redaction import faces, prepared  # noqa: E402

SIZE = (640, 384)
JUDGED = {"astronaut", "lfw_subset", "brick", "gravel"}
"""Pictures the labelled videos are made from: left out."""
SKIPPED = {"logo"}  # a transparent logo on nothing: no picture at all


def pictures() -> Iterator[tuple[str, npt.NDArray[np.uint8]]]:
    """The sample pictures shipped inside scikit-image, as RGB, in name order."""
    folder = Path(skimage.data.__file__).parent
    for path in sorted([*folder.glob("*.png"), *folder.glob("*.jpg")]):
        if path.stem in JUDGED | SKIPPED:
            continue
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is not None:
            yield path.stem, np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB), dtype=np.uint8)


class Pictures(CalibrationDataReader):  # type: ignore[misc]
    """The network's inputs, one picture at a time."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.blobs: list[npt.NDArray[np.float32]] = []
        for name, rgb in pictures():
            small = cv2.resize(rgb, SIZE, interpolation=cv2.INTER_AREA)
            self.names.append(name)
            self.blobs.append(np.ascontiguousarray(small.transpose(2, 0, 1)[None], np.float32))
        self.left = iter(self.blobs)

    def get_next(self) -> dict[str, npt.NDArray[np.float32]] | None:
        blob = next(self.left, None)
        return None if blob is None else {prepared.INPUT: blob}

    def rewind(self) -> None:
        self.left = iter(self.blobs)


def main() -> None:
    reader = Pictures()
    print(f"Calibrating on {len(reader.names)} pictures: {', '.join(reader.names)}")
    prepared.RANGES.unlink(missing_ok=True)  # else quantize_static reads it instead of measuring
    prepared.quantized(prepared.free_sized(faces.model_path()), prepared.RANGES, reader)
    ranges = json.loads(prepared.RANGES.read_text(encoding="utf-8"))  # one line: made readable
    prepared.RANGES.write_text(json.dumps(ranges, indent=1, sort_keys=True) + "\n", "utf-8")
    print(f"Wrote {prepared.RANGES.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
