"""The redaction engine's speed: frames a second over a generated clip with moving faces, at
640×360 and 1280×720, detecting faces on every frame and on every k-th frame (the tracks fill the
frames between), with each run's face coverage of the clip's labels.

    .venv/bin/python bench/redaction_speed.py [--frames 60] [--every 1 2 3]
        [--sizes 640x360 1280x720]

Coverage is the share of labelled face boxes wholly inside the redaction's boxes, over every
frame: of their middle (a fifth off each side: the photographs' edges are hair and background),
and of the whole box. 1.0 means no tracked face is visible in any frame. ``clip_for`` makes the
labelled clip (tests/redaction_support.make_clip).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from onrecord.redaction import RedactionOptions, RedactionRecord, redact  # noqa: E402
from onrecord.redaction.engine import Detectors  # noqa: E402
from redaction_support import Clip, Face, make_clip  # noqa: E402


def clip_for(folder: Path, width: int, height: int, frames: int) -> Clip:
    """A labelled clip at ``width``×``height``: three faces of different sizes crossing it, one
    entering late and one leaving early."""
    s = height / 360
    faces = (
        Face(0, round(90 * s), (40 * s, 60 * s), (5 * s, 1 * s)),
        Face(1, round(48 * s), (520 * s, 200 * s), (-4 * s, -1 * s), first=frames // 4),
        Face(3, round(36 * s), (300 * s, 40 * s), (0, 2 * s), last=frames * 3 // 4),
    )
    return make_clip(folder / f"clip-{width}x{height}.mp4", width=width, height=height,
                     frames=frames, fps=30, faces=faces)  # fmt: skip


def coverage(
    clip: Clip, record: RedactionRecord, width: int, height: int, margin: int = 5
) -> float:
    """The share of labelled faces, over every frame, whose box less ``1/margin`` of it on each
    side (the middle; 0 for the whole box) is wholly covered."""
    at: dict[int, list[tuple[int, int, int, int]]] = {}
    for track in record.tracks:
        for f, x, y, w, h, _ in track.boxes:
            at.setdefault(f, []).append((x, y, w, h))
    seen = hidden = 0
    for frame, labels in clip.labels.items():
        mask = np.zeros((height, width), bool)
        for x, y, w, h in at.get(frame, []):
            mask[y : y + h, x : x + w] = True
        for x, y, w, h in labels:
            dx, dy = (w // margin, h // margin) if margin else (0, 0)
            core = mask[max(0, y + dy) : y + h - dy, max(0, x + dx) : x + w - dx]
            seen += 1
            hidden += bool(core.size) and bool(core.all())
    return hidden / seen if seen else 1.0


def plate_recall(widths: tuple[int, ...] = (60, 90, 120, 160, 200), turns: int = 9) -> None:
    """The plate cascade's recall on the synthetic plate (tests/redaction_support.plate) pasted
    at each width over the texture, square-on and turned by up to ±20 degrees: the share of
    placements where a detection covers the plate's middle."""
    import cv2

    from onrecord.redaction.plates import PlateCascade
    from redaction_support import background, plate

    cascade = PlateCascade()
    print(f"plate cascade recall (synthetic plate, {turns} angles from -20 to 20 degrees):")
    for width in widths:
        hits = 0
        for angle in np.linspace(-20, 20, turns):
            canvas = background(640, 360, 0)
            tile = plate(width)
            h, w = tile.shape[:2]
            turn = cv2.getRotationMatrix2D((w / 2, h / 2), float(angle), 1.0)
            turned = cv2.warpAffine(tile, turn, (w, h), borderMode=cv2.BORDER_REPLICATE)
            x, y = 200, 150
            canvas[y : y + h, x : x + w] = turned
            grey = np.asarray(cv2.cvtColor(canvas, cv2.COLOR_RGB2GRAY), dtype=np.uint8)
            cx, cy = x + w / 2, y + h / 2
            hits += any(
                d.box.x <= cx <= d.box.right and d.box.y <= cy <= d.box.bottom
                for d in cascade.detect(grey)
            )
        print(f"  {width:>4} px wide: {hits}/{turns}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--every", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--sizes", nargs="+", default=["640x360", "1280x720"])
    parser.add_argument("--plates", action="store_true", help="only the plate cascade's recall")
    args = parser.parse_args()
    if args.plates:
        plate_recall()
        return
    detectors = Detectors.for_options(RedactionOptions())
    print(f"{'size':>9} {'k':>2} {'fps':>6} {'vs k=1':>7} {'middle':>7} {'whole':>7} {'tracks':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for size in args.sizes:
            width, height = (int(v) for v in size.split("x"))
            clip = clip_for(folder, width, height, args.frames)
            base = None
            for k in args.every:
                started = time.perf_counter()
                record = redact(clip.path, folder / "out.mp4", RedactionOptions(detect_every=k),
                                detectors=detectors)  # fmt: skip
                fps = record.video.frames / (time.perf_counter() - started)
                base = base or fps
                middle = coverage(clip, record, width, height)
                whole = coverage(clip, record, width, height, margin=0)
                print(f"{size:>9} {k:>2} {fps:6.1f} {fps / base:6.2f}× "
                      f"{middle:7.3f} {whole:7.3f} {len(record.tracks):>6}")  # fmt: skip


if __name__ == "__main__":
    main()
