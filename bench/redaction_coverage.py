"""What the face model's precision, detection size and looking at fewer frames cost in coverage:
the engine (its API, one process, the model loaded once) on labelled videos
(``tests/labelled_videos.py``), judged by their pixels (``tests/redaction_metrics.py``, solid
fill), for each precision, detection size and detection step asked.

    .venv/bin/python bench/redaction_coverage.py [--precision float int8] [--sizes 1280 960 640]
        [--detect 1 2 2r 3r]

A detection step is k (``detect_every``), with ``r`` for the refinement rule (``refine``).

Videos: the quality test's walk (480 × 270, seed 11, 3 s), the benchmark's three (walk 640 × 360
and 1280 × 720, crowd 1280 × 720, seed 1, 4 s) and three more (walk 640 × 360 seed 5, crowd
640 × 360 seed 1, crowd 480 × 270 seed 7); a detection size is tried only on videos larger than
it. Written to ``bench/out/coverage/`` on the first run and reused.
"""

from __future__ import annotations

import argparse
import sys
import time
from itertools import product
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from labelled_videos import load_labels, read_frames, write_video  # noqa: E402
from onrecord.redaction import RedactionOptions, Style, redact  # noqa: E402
from onrecord.redaction.engine import Detectors  # noqa: E402
from onrecord.redaction.prepared import Precision  # noqa: E402
from redaction_metrics import Judge, score_video  # noqa: E402

OUT = ROOT / "bench" / "out" / "coverage"
VIDEOS = (
    ("walk", 480, 270, 3.0, 11), ("walk", 640, 360, 4.0, 1), ("walk", 1280, 720, 4.0, 1),
    ("crowd", 1280, 720, 4.0, 1), ("walk", 640, 360, 4.0, 5), ("crowd", 640, 360, 4.0, 1),
    ("crowd", 480, 270, 3.0, 7),
)  # fmt: skip


def video(scene: str, width: int, height: int, seconds: float, seed: int) -> Path:
    path = OUT / f"{scene}-{width}x{height}-{seconds:g}s-seed{seed}.mp4"
    if not path.exists() or not path.with_name(path.stem + ".labels.json").exists():
        write_video(path, scene, width, height, fps=25, seconds=seconds, seed=seed)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precision", nargs="+", default=["float", "int8"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[1280])
    parser.add_argument("--detect", nargs="+", default=["1"], help="steps: 1, 2, 2r, 3r...")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    print("| video | precision | detect size | detect | face recall | frames with a face visible "
          "| pixels changed outside | CPU s | CPU s/frame |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for precision in map(Precision, args.precision):
        detectors = Detectors.for_options(RedactionOptions(precision=precision))
        for size in args.sizes:
            for (scene, width, height, seconds, seed), step in product(VIDEOS, args.detect):
                if size < 1280 and max(width, height) <= size:
                    continue
                source = video(scene, width, height, seconds, seed)
                target = OUT / f"{source.stem}.{precision}.{size}.{step}.mp4"
                options = RedactionOptions(
                    style=Style.SOLID, detect_size=size, precision=precision,
                    detect_every=int(step.rstrip("r")), refine=step.endswith("r"),
                )  # fmt: skip
                started = time.process_time()
                redact(source, target, options, detectors=detectors)
                cpu = time.process_time() - started
                labels = load_labels(source)
                scores = score_video(labels, read_frames(source), read_frames(target), Judge())
                shown = ", ".join(map(str, scores.visible_frames)) or "none"
                print(f"| {source.stem} | {precision} | {size} | {step} | {scores.recall:.3f} "
                      f"| {len(scores.visible_frames)} ({shown}) "
                      f"| {scores.changed_fraction:.2%} | {cpu:.1f} "
                      f"| {cpu / len(labels.frames):.3f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
