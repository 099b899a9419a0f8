"""Labelled test videos for judging a redactor: faces and licence plates moving over a textured
background, with the truth of every frame written beside the video.

Faces come from images that ship inside scikit-image (the astronaut's portrait and the faces of
``lfw_subset``, upscaled), so nothing is downloaded; plates are rendered text. Each object
follows a path of key poses (position, height, turn as a horizontal squash, small rotation), so
faces move, turn, shrink, pass behind occluders (a pole, a sign) and leave and re-enter the
frame. The background (brick over gravel) drifts a few pixels, as a hand-held camera's does.

The labels give, per frame and per object, the bounding box of the object's labelled pixels
inside the frame (before anything hides them) and a mask of the pixels that are visible (after
occluders, objects drawn in front and the frame's edges). A face's labelled pixels are an
ellipse over the face itself (not hair or neck); a plate's are its whole rectangle. The audio is
a steady tone, so silence and its absence can be measured. Everything follows from the seed.

    python tests/labelled_videos.py walk out.mp4 --size 640x360 --seconds 10
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage
from skimage import data as skdata

Frame = npt.NDArray[np.uint8]
"""An RGB frame, height × width × 3."""
Mask = npt.NDArray[np.bool_]

SCENES = ("walk", "crowd", "plates")
AUDIO_RATE = 48_000
TONE_HZ = 440.0
TONE_AMPLITUDE = 0.25


@dataclass(frozen=True)
class Sprite:
    """An image to paste: colours, opacity, and which of its pixels are labelled."""

    rgb: npt.NDArray[np.float32]  # h × w × 3, 0–255
    alpha: npt.NDArray[np.float32]  # h × w, 0–1
    mask: Mask  # h × w: the labelled pixels (the face, or the whole plate)


@dataclass(frozen=True)
class Key:
    """A key pose at time ``t`` (0–1 through the clip); positions and height are fractions of
    the frame's width and height, so a scene looks the same at every size."""

    t: float
    x: float
    y: float
    height: float
    squash: float = 1.0  # horizontal scale: below 1 the face is turned away
    angle: float = 0.0  # degrees


@dataclass(frozen=True)
class Actor:
    id: str
    kind: str  # "face" | "plate" | "prop" (props are drawn but not labelled)
    sprite: Sprite
    path: tuple[Key, ...]


@dataclass(frozen=True)
class Box:
    x0: int
    y0: int
    x1: int  # exclusive
    y1: int  # exclusive

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0


@dataclass(frozen=True)
class Seen:
    """One object in one frame: its labelled pixels' box in the frame and which are visible."""

    id: str
    kind: str
    box: Box
    visible: Mask  # box.height × box.width
    labelled: int  # how many labelled pixels lie in the frame, hidden or not

    def full_mask(self, height: int, width: int) -> Mask:
        out = np.zeros((height, width), dtype=bool)
        out[self.box.y0 : self.box.y1, self.box.x0 : self.box.x1] = self.visible
        return out


@dataclass(frozen=True)
class Labels:
    scene: str
    seed: int
    width: int
    height: int
    fps: int
    frames: tuple[tuple[Seen, ...], ...]
    tone_hz: float = TONE_HZ
    audio_rate: int = AUDIO_RATE

    def to_json(self) -> dict[str, object]:
        return {
            "scene": self.scene, "seed": self.seed, "width": self.width, "height": self.height,
            "fps": self.fps, "audio": {"rate": self.audio_rate, "tone_hz": self.tone_hz},
            "frames": [[_seen_json(s) for s in frame] for frame in self.frames],
        }  # fmt: skip

    @staticmethod
    def from_json(doc: dict[str, object]) -> Labels:
        audio = doc["audio"]
        frames = doc["frames"]
        assert isinstance(audio, dict) and isinstance(frames, list)
        return Labels(
            scene=str(doc["scene"]), seed=int(str(doc["seed"])), width=int(str(doc["width"])),
            height=int(str(doc["height"])), fps=int(str(doc["fps"])),
            frames=tuple(tuple(_seen_from(s) for s in frame) for frame in frames),
            tone_hz=float(audio["tone_hz"]), audio_rate=int(audio["rate"]),
        )  # fmt: skip


def _seen_json(seen: Seen) -> dict[str, object]:
    b = seen.box
    bits = base64.b64encode(np.packbits(seen.visible, axis=None).tobytes()).decode("ascii")
    return {"id": seen.id, "kind": seen.kind, "box": [b.x0, b.y0, b.x1, b.y1],
            "labelled": seen.labelled, "visible": bits}  # fmt: skip


def _seen_from(doc: dict[str, object]) -> Seen:
    box_doc = doc["box"]
    assert isinstance(box_doc, list)
    box = Box(*(int(v) for v in box_doc))
    packed = np.frombuffer(base64.b64decode(str(doc["visible"])), dtype=np.uint8)
    count = box.width * box.height
    visible = np.unpackbits(packed, count=count).astype(bool).reshape(box.height, box.width)
    return Seen(str(doc["id"]), str(doc["kind"]), box, visible, int(str(doc["labelled"])))


def labels_path(video: Path) -> Path:
    """Where a video's labels are kept: beside it, ``NAME.labels.json``."""
    return video.with_name(video.stem + ".labels.json")


def load_labels(video: Path) -> Labels:
    return Labels.from_json(json.loads(labels_path(video).read_text(encoding="utf-8")))


# --- sprites -------------------------------------------------------------------------------


def _ellipse(h: int, w: int, cy: float, cx: float, ry: float, rx: float) -> Mask:
    """Pixels of an h × w grid whose centres lie in the ellipse (fractions of h and w)."""
    yy, xx = np.mgrid[0:h, 0:w]
    return (((yy + 0.5) / h - cy) / ry) ** 2 + (((xx + 0.5) / w - cx) / rx) ** 2 <= 1.0


def _feather(h: int, w: int, ry: float, rx: float) -> npt.NDArray[np.float32]:
    """An opacity falling smoothly to 0 outside an ellipse centred in the image, so a pasted
    head has no hard rectangular border for a detector to latch onto."""
    yy, xx = np.mgrid[0:h, 0:w]
    r = np.sqrt((((yy + 0.5) / h - 0.5) / ry) ** 2 + (((xx + 0.5) / w - 0.5) / rx) ** 2)
    return np.clip((1.08 - r) / 0.08, 0.0, 1.0).astype(np.float32)


@cache
def astronaut() -> Sprite:
    """Eileen Collins's head from ``skimage.data.astronaut()``, hair included; the label is
    the ellipse over her face (forehead to chin, cheek to cheek)."""
    crop = skdata.astronaut()[5:215, 135:315].astype(np.float32)
    h, w = crop.shape[:2]
    face = _ellipse(h, w, cy=115 / h, cx=90 / w, ry=62 / h, rx=46 / w)
    return Sprite(crop, _feather(h, w, 0.5, 0.5), face)


@cache
def lfw_faces() -> tuple[Sprite, ...]:
    """The 100 faces of ``skimage.data.lfw_subset()`` (25 × 25 greyscale, cropped tight to
    the face), upscaled eight times and tinted towards a skin tone; the label is the central
    ellipse (the crops leave little but face)."""
    out = []
    tints = np.array([[1.0, 0.86, 0.74], [0.95, 0.78, 0.62], [0.80, 0.62, 0.48]], np.float32)
    for i, grey in enumerate(skdata.lfw_subset()[:100]):
        big = ndimage.zoom(grey.astype(np.float32), 8, order=3).clip(0, 1) * 255
        rgb = big[:, :, None] * tints[i % len(tints)][None, None, :]
        h, w = big.shape
        face = _ellipse(h, w, cy=0.54, cx=0.5, ry=0.40, rx=0.34)
        out.append(Sprite(rgb.astype(np.float32), _feather(h, w, 0.55, 0.55), face))
    return tuple(out)


def plate(text: str) -> Sprite:
    """A white licence plate with a dark border and ``text`` in black; labelled whole."""
    w, h = 520, 130
    image = Image.new("RGB", (w, h), (245, 245, 238))
    draw = ImageDraw.Draw(image)
    draw.rectangle((3, 3, w - 4, h - 4), outline=(20, 30, 90), width=6)
    font = ImageFont.load_default(size=96)
    draw.text((w / 2, h / 2 + 4), text, fill=(10, 10, 10), font=font, anchor="mm")
    rgb = np.asarray(image, dtype=np.float32)
    return Sprite(rgb, np.ones((h, w), np.float32), np.ones((h, w), bool))


def block(height: int, width: int, colour: tuple[int, int, int], seed: int) -> Sprite:
    """A flat-coloured, lightly textured rectangle: an occluder, or a car's body."""
    rng = np.random.default_rng(seed)
    rgb = np.empty((height, width, 3), np.float32)
    rgb[:] = colour
    rgb += rng.normal(0, 6, (height, width, 1)).astype(np.float32)
    return Sprite(
        rgb.clip(0, 255), np.ones((height, width), np.float32), np.zeros((height, width), bool)
    )


# --- scenes --------------------------------------------------------------------------------


def scene_actors(scene: str, seed: int) -> list[Actor]:
    """The objects of ``scene`` in drawing order (later ones in front)."""
    rng = np.random.default_rng(seed)
    faces = lfw_faces()

    def jitter(v: float, by: float = 0.02) -> float:
        return v + float(rng.uniform(-by, by))

    pole = Actor("pole", "prop", block(400, 40, (110, 96, 80), seed), (Key(0, 0.62, 0.5, 1.1),))
    if scene == "walk":
        return [
            # Walks right, turning, leaves the frame on the right and comes back past the pole.
            Actor("face-1", "face", astronaut(), (
                Key(0.00, jitter(0.25), 0.42, 0.42, 1.0, 0),
                Key(0.25, jitter(0.55), 0.40, 0.40, 0.6, 8),
                Key(0.40, 1.12, 0.42, 0.40, 0.8, 0),
                Key(0.55, 1.12, 0.42, 0.40, 0.8, 0),
                Key(0.75, jitter(0.62), 0.45, 0.38, 1.0, -6),
                Key(1.00, jitter(0.30), 0.40, 0.36, 0.7, 0),
            )),
            # Walks away: shrinks from near to far, passing behind the pole.
            Actor("face-2", "face", faces[int(rng.integers(0, 100))], (
                Key(0.00, jitter(0.80), 0.55, 0.36, 1.0, 0),
                Key(0.50, jitter(0.62), 0.45, 0.20, 0.85, -5),
                Key(1.00, jitter(0.45), 0.40, 0.12, 1.0, 5),
            )),
            pole,
        ]  # fmt: skip
    if scene == "crowd":
        actors = []
        for i in range(7):
            x0, y0 = 0.08 + 0.13 * i, jitter(0.35 + 0.25 * (i % 2), 0.04)
            dx = float(rng.uniform(-0.15, 0.15))
            size = float(rng.uniform(0.10, 0.17))
            squash = float(rng.uniform(0.65, 1.0))
            sprite = astronaut() if i == 3 else faces[int(rng.integers(0, 100))]
            path = (
                Key(0.0, x0, y0, size, 1.0, 0),
                Key(0.5, x0 + dx / 2, y0 + 0.03, size * 0.9, squash, float(rng.uniform(-8, 8))),
                Key(1.0, x0 + dx, y0, size * 0.8, 1.0, 0),
            )
            actors.append(Actor(f"face-{i + 1}", "face", sprite, path))
        sign = Actor(
            "sign", "prop", block(60, 200, (40, 90, 50), seed + 1), (Key(0, 0.3, 0.7, 0.16),)
        )
        return [*actors, pole, sign]
    if scene == "plates":
        letters = "".join(chr(65 + int(c)) for c in rng.integers(0, 26, 3))
        digits = "".join(str(int(d)) for d in rng.integers(0, 10, 4))
        car = block(200, 420, (30, 40, 120), seed + 2)
        drive = (Key(0.0, -0.10, 0.62, 0.42), Key(0.6, 0.55, 0.55, 0.30), Key(1.0, 0.75, 0.52, 0.2))
        on_car = tuple(Key(k.t, k.x, k.y + k.height * 0.18, k.height * 0.28) for k in drive)
        parked = (Key(0.0, 0.25, 0.80, 0.09, 1.0, 0), Key(1.0, 0.25, 0.80, 0.09, 0.9, 3))
        return [
            Actor("car", "prop", car, drive),
            Actor("plate-1", "plate", plate(f"{letters} {digits}"), on_car),
            Actor("plate-2", "plate", plate(f"{digits[::-1]} {letters[::-1]}"), parked),
            Actor("face-1", "face", faces[int(rng.integers(0, 100))], (
                Key(0.0, 0.85, 0.30, 0.22), Key(1.0, 0.45, 0.32, 0.18, 0.8, 4))),
            pole,
        ]  # fmt: skip
    raise ValueError(f"unknown scene {scene!r}: choose one of {', '.join(SCENES)}")


def pose_at(path: Sequence[Key], t: float) -> Key:
    """The pose at ``t``, interpolated linearly between the key poses around it."""
    if t <= path[0].t:
        return path[0]
    for a, b in itertools.pairwise(path):
        if t <= b.t:
            f = (t - a.t) / (b.t - a.t)
            mix = [getattr(a, n) + f * (getattr(b, n) - getattr(a, n)) for n in Key.__annotations__]
            return Key(*mix)
    return path[-1]


@cache
def _texture(height: int, width: int, seed: int) -> Frame:
    """A brick wall over gravel, tinted, a little larger than the frame so it can drift."""
    rng = np.random.default_rng(seed)
    brick = skdata.brick().astype(np.float32)
    gravel = skdata.gravel().astype(np.float32)
    h, w = height + 32, width + 32
    reps = (math.ceil(h / 512), math.ceil(w / 512))
    wall = np.tile(brick, reps)[:h, :w]
    ground = np.tile(gravel, reps)[:h, :w]
    split = int(h * 0.62)
    grey = np.concatenate([wall[:split], ground[split:]])
    tint_wall = np.array([1.0, 0.7, 0.55]) * float(rng.uniform(0.8, 1.0))
    tint_ground = np.array([0.8, 0.8, 0.75])
    tint = np.where(np.arange(h)[:, None, None] < split, tint_wall, tint_ground)
    return (grey[:, :, None] * tint).clip(0, 255).astype(np.uint8)


def _paste(
    frame: npt.NDArray[np.float32], sprite: Sprite, pose: Key
) -> tuple[Box, Mask, Mask] | None:
    """Draw ``sprite`` at ``pose`` into ``frame``; return the box it covers in the frame, the
    pixels it makes opaque there and the labelled pixels there (None if wholly outside)."""
    fh, fw = frame.shape[:2]
    ah, aw = sprite.alpha.shape
    scale = pose.height * fh / ah
    sx, sy = scale * pose.squash, scale
    th = math.radians(pose.angle)
    cos, sin = math.cos(th), math.sin(th)
    cx, cy = pose.x * fw, pose.y * fh
    corners = [(u - aw / 2, v - ah / 2) for u in (0, aw) for v in (0, ah)]
    xs = [cx + cos * sx * u - sin * sy * v for u, v in corners]
    ys = [cy + sin * sx * u + cos * sy * v for u, v in corners]
    box = Box(max(0, math.floor(min(xs))), max(0, math.floor(min(ys))),
              min(fw, math.ceil(max(xs))), min(fh, math.ceil(max(ys))))  # fmt: skip
    if box.width <= 0 or box.height <= 0:
        return None
    yy, xx = np.mgrid[box.y0 : box.y1, box.x0 : box.x1].astype(np.float32)
    dx, dy = xx + 0.5 - cx, yy + 0.5 - cy
    u = (cos * dx + sin * dy) / sx + aw / 2 - 0.5
    v = (-sin * dx + cos * dy) / sy + ah / 2 - 0.5
    alpha = ndimage.map_coordinates(sprite.alpha, [v, u], order=1, cval=0.0)
    rgb = np.stack(
        [ndimage.map_coordinates(sprite.rgb[:, :, c], [v, u], order=1) for c in range(3)], axis=2
    )
    region = frame[box.y0 : box.y1, box.x0 : box.x1]
    region[:] = region * (1 - alpha[:, :, None]) + rgb * alpha[:, :, None]
    labelled = ndimage.map_coordinates(sprite.mask.astype(np.float32), [v, u], order=0) > 0.5
    return box, alpha > 0.5, labelled


def render(
    scene: str, width: int, height: int, fps: int, seconds: float, seed: int = 0
) -> Iterator[tuple[Frame, tuple[Seen, ...]]]:
    """The frames of ``scene`` with each frame's labels."""
    actors = scene_actors(scene, seed)
    texture = _texture(height, width, seed)
    count = round(fps * seconds)
    for i in range(count):
        t = i / max(1, count - 1)
        ox = 16 + round(10 * math.sin(2 * math.pi * t))
        oy = 16 + round(6 * math.sin(2 * math.pi * 1.5 * t))
        frame = texture[oy : oy + height, ox : ox + width].astype(np.float32)
        drawn: list[tuple[Actor, Mask, Mask]] = []  # labelled objects: labelled, visible
        for actor in actors:
            pasted = _paste(frame, actor.sprite, pose_at(actor.path, t))
            if pasted is None:
                continue
            box, opaque, labelled = pasted
            for _, _, visible in drawn:  # what this actor hides of those behind it
                visible[box.y0 : box.y1, box.x0 : box.x1] &= ~opaque
            if actor.kind != "prop" and labelled.any():
                full = np.zeros((height, width), bool)
                full[box.y0 : box.y1, box.x0 : box.x1] = labelled
                drawn.append((actor, full, full.copy()))
        seen = tuple(_seen(actor, labelled, visible) for actor, labelled, visible in drawn)
        yield frame.round().clip(0, 255).astype(np.uint8), seen


def _seen(actor: Actor, labelled: Mask, visible: Mask) -> Seen:
    """The label of one object: the box of its labelled pixels in the frame (hidden or not),
    and which of them are visible."""
    ys, xs = np.nonzero(labelled)
    box = Box(int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    visible_in_box = visible[box.y0 : box.y1, box.x0 : box.x1].copy()
    return Seen(actor.id, actor.kind, box, visible_in_box, int(ys.size))


# --- files ---------------------------------------------------------------------------------


def write_video(
    path: Path, scene: str, width: int, height: int, fps: int = 25, seconds: float = 10.0,
    seed: int = 0,
) -> Labels:  # fmt: skip
    """Write ``scene`` as an MP4 (H.264, yuv420p, near-lossless so the input is what was drawn;
    AAC audio carrying a steady tone) and its labels beside it; returns the labels."""
    if width % 2 or height % 2:
        raise ValueError(f"{width}x{height}: yuv420p needs an even width and height")
    path.parent.mkdir(parents=True, exist_ok=True)
    frames: list[tuple[Seen, ...]] = []
    with av.open(str(path), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"crf": "12", "preset": "veryfast"}
        audio = out.add_stream("aac", rate=AUDIO_RATE, layout="mono")
        samples_per_frame = Fraction(AUDIO_RATE, fps)
        written = 0
        for i, (image, seen) in enumerate(render(scene, width, height, fps, seconds, seed)):
            frames.append(seen)
            out.mux(video.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
            upto = int(samples_per_frame * (i + 1))
            if upto > written:
                out.mux(audio.encode(_tone_frame(written, upto)))
                written = upto
        out.mux(video.encode(None))
        out.mux(audio.encode(None))
    labels = Labels(scene, seed, width, height, fps, tuple(frames))
    labels_path(path).write_text(json.dumps(labels.to_json()), encoding="utf-8")
    return labels


def tone(start: int, stop: int, rate: int = AUDIO_RATE) -> npt.NDArray[np.float32]:
    """Samples ``start`` to ``stop`` of the test tone."""
    n = np.arange(start, stop, dtype=np.float64)
    return (TONE_AMPLITUDE * np.sin(2 * np.pi * TONE_HZ * n / rate)).astype(np.float32)


def _tone_frame(start: int, stop: int) -> av.AudioFrame:
    frame = av.AudioFrame.from_ndarray(tone(start, stop)[None, :], format="fltp", layout="mono")
    frame.sample_rate, frame.pts = AUDIO_RATE, start
    return frame


def read_frames(path: Path) -> Iterator[Frame]:
    """The decoded RGB frames of a video, in order."""
    with av.open(str(path)) as container:
        for frame in container.decode(container.streams.video[0]):
            yield np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)


def read_audio(path: Path) -> tuple[npt.NDArray[np.float32], int]:
    """A video's first audio stream as mono float samples from its start, and their rate.

    Samples before the stream's first timestamp (an encoder's priming) are dropped and gaps are
    not filled, which is what a player does; the metrics allow for a small shift."""
    with av.open(str(path)) as container:
        if not container.streams.audio:
            raise ValueError(f"{path}: has no audio stream")
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="fltp", layout="mono", rate=stream.rate)
        chunks = [
            out.to_ndarray()[0]
            for frame in container.decode(stream)
            for out in resampler.resample(frame)
        ]
        chunks += [out.to_ndarray()[0] for out in resampler.resample(None)]
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    return samples.astype(np.float32), int(stream.rate)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a labelled test video.")
    parser.add_argument("scene", choices=SCENES)
    parser.add_argument("out", type=Path)
    parser.add_argument("--size", default="640x360", help="WIDTHxHEIGHT")
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.split("x"))
    write_video(args.out, args.scene, width, height, args.fps, args.seconds, args.seed)


if __name__ == "__main__":
    main()
