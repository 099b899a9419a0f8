"""Labelled synthetic clips for the redaction engine's tests and benchmark: a textured moving
background, real face photographs (scikit-image's astronaut and LFW faces) pasted and moving
across it, optionally a licence plate, a tone on the audio track and a display rotation
(the faces stored turned so that they show upright). ``make_clip`` returns where each face
truly is at each frame (the labels)."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import cast

import av
import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]


@cache
def face_images() -> tuple[Image, ...]:
    """Face crops as RGB: the astronaut's head, and a few LFW faces (grey, made RGB)."""
    from skimage import data

    astronaut = data.astronaut()[30:200, 160:290]
    lfw = data.lfw_subset()[:3]
    others = [np.repeat((f * 255).astype(np.uint8)[..., None], 3, axis=2) for f in lfw]
    return (np.ascontiguousarray(astronaut), *others)


@dataclass
class Face:
    """A face of ``size`` pixels high moving from ``start`` by ``velocity`` pixels a frame,
    shown from frame ``first`` to ``last`` (inclusive)."""

    image: int
    size: int
    start: tuple[float, float]
    velocity: tuple[float, float] = (0.0, 0.0)
    first: int = 0
    last: int = 10**9

    def box(self, frame: int, turns: int = 0) -> tuple[int, int, int, int]:
        """Where the face is stored at ``frame``; ``turns`` quarter turns of display rotation
        store it turned back, so that it shows upright."""
        crop = face_images()[self.image]
        w = round(self.size * crop.shape[1] / crop.shape[0])
        x = round(self.start[0] + self.velocity[0] * frame)
        y = round(self.start[1] + self.velocity[1] * frame)
        return (x, y, self.size, w) if turns % 2 else (x, y, w, self.size)


@dataclass
class Clip:
    path: Path
    labels: dict[int, list[tuple[int, int, int, int]]] = field(default_factory=dict)
    """Frame -> each face's true box (x, y, w, h), where it is on the picture."""


def background(width: int, height: int, frame: int) -> Image:
    """A smooth texture drifting a pixel a frame (so encoded frames differ)."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    x += frame
    r = 110 + 60 * np.sin(x / 23) * np.cos(y / 31)
    g = 120 + 50 * np.sin((x + y) / 41)
    b = 100 + 70 * np.cos(x / 17 - y / 29)
    return np.stack([r, g, b], axis=2).astype(np.uint8)


def plate(width: int = 120) -> Image:
    """A white plate with a dark border and black characters."""
    height = width * 2 // 9
    img = np.full((height, width, 3), 235, np.uint8)
    cv2.rectangle(img, (1, 1), (width - 2, height - 2), (20, 20, 20), 2)
    cv2.putText(img, "A123BC77", (6, height - 7), cv2.FONT_HERSHEY_SIMPLEX,
                width / 230, (10, 10, 10), 2)  # fmt: skip
    return img


def paste(canvas: Image, image: Image, box: tuple[int, int, int, int]) -> None:
    x, y, w, h = box
    scaled = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(canvas.shape[1], x + w), min(canvas.shape[0], y + h)
    if x1 > x0 and y1 > y0:
        canvas[y0:y1, x0:x1] = scaled[y0 - y : y1 - y, x0 - x : x1 - x]


def make_clip(
    path: Path,
    *,
    width: int = 320,
    height: int = 180,
    frames: int = 24,
    fps: int = 12,
    faces: tuple[Face, ...] = (),
    plate_at: tuple[int, int] | None = None,
    audio: bool = True,
    rotation: int = 0,
    codec: str = "libx264",
    keyint: int | None = None,
) -> Clip:
    """Write the clip (MP4) and return it with its labels; ``keyint``: a key frame every so
    many frames (else the encoder's choice)."""
    clip = Clip(path)
    turns = (rotation // 90) % 4
    with av.open(str(path), "w", format="mp4") as out:
        video = cast(av.VideoStream, out.add_stream(codec, rate=fps))
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        if codec == "libx264":
            video.options = {"preset": "ultrafast", "crf": "18"}
            if keyint:
                video.options |= {"g": str(keyint), "keyint_min": str(keyint)}
        if rotation:
            video.set_display_rotation(rotation)
        sound = out.add_stream("aac", rate=16000) if audio else None
        if sound is not None:
            sound.layout = "mono"
        for i in range(frames):
            canvas = background(width, height, i)
            if plate_at is not None:
                paste(canvas, plate(), (*plate_at, 120, 26))
            shown = []
            for face in faces:
                if face.first <= i <= face.last:
                    box = face.box(i, turns)
                    paste(canvas, np.rot90(face_images()[face.image], -turns), box)
                    shown.append(box)
            clip.labels[i] = shown
            out.mux(video.encode(av.VideoFrame.from_ndarray(canvas, format="rgb24")))
        out.mux(video.encode(None))
        if sound is not None:
            samples = round(frames / fps * 16000)
            t = np.arange(samples) / 16000
            tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None]
            for start in range(0, samples, 1024):
                chunk = av.AudioFrame.from_ndarray(
                    np.ascontiguousarray(tone[:, start : start + 1024]), format="flt", layout="mono"
                )
                chunk.sample_rate, chunk.pts = 16000, start
                chunk.time_base = Fraction(1, 16000)
                out.mux(sound.encode(chunk))
            out.mux(sound.encode(None))
    return clip
