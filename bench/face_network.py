"""The face network alone: seconds per frame of ``CenterFace.detect`` (the NCHW copy, the
network, the decoding) with the float model and its int8 copy, at the sizes the network sees
for 640 × 360 and 1280 × 720 clips, with 1 and 2 intra-op threads; and the time to load each
copy (from the model cache: onnxruntime's session alone).

    .venv/bin/python bench/face_network.py [--runs 15]

The configurations take turns, run by run, so a shared machine's load falls on all of them
alike; medians of wall and CPU (user + system of this process) seconds. The picture is frame 40
of the labelled walk (``tests/labelled_videos.py``) scaled to each size.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from labelled_videos import read_frames, write_video  # noqa: E402
from onrecord.redaction.faces import CenterFace, detection_size  # noqa: E402
from onrecord.redaction.prepared import Precision  # noqa: E402

CLIPS = ((640, 360), (1280, 720))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "walk.mp4"
        write_video(path, "walk", 1280, 720, fps=25, seconds=2.0, seed=1)
        frame = next(f for i, f in enumerate(read_frames(path)) if i == 40)
    pictures = {}
    for w, h in CLIPS:
        size = detection_size(w, h, 1280)
        small = cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA)
        pictures[w, h] = np.ascontiguousarray(cv2.resize(small, size), dtype=np.uint8)
    print(f"Machine: {os.cpu_count()} cores, load {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    for precision in Precision:
        model = CenterFace(precision=precision)
        model.prepared  # noqa: B018 (made into the cache before the load is timed)
        started = time.perf_counter()
        model.session  # noqa: B018
        print(f"{precision}: session made in {time.perf_counter() - started:.2f} s")
    detectors = {(p, t): CenterFace(precision=p, threads=t) for p in Precision for t in (1, 2)}
    for d in detectors.values():
        for picture in pictures.values():
            d.detect(picture)  # the first run of a size allocates
    wall: dict[tuple[Precision, int, tuple[int, int]], list[float]] = {}
    cpu: dict[tuple[Precision, int, tuple[int, int]], list[float]] = {}
    for _ in range(args.runs):
        for (precision, threads), d in detectors.items():
            for clip, picture in pictures.items():
                key = (precision, threads, clip)
                w0, c0 = time.perf_counter(), time.process_time()
                d.detect(picture)
                wall.setdefault(key, []).append(time.perf_counter() - w0)
                cpu.setdefault(key, []).append(time.process_time() - c0)
    print(f"load after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print()
    print("| clip | network input | threads | float wall s | int8 wall s | float CPU s "
          "| int8 CPU s | CPU float ÷ int8 |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for clip, picture in pictures.items():
        for threads in (1, 2):
            f, q = (Precision.FLOAT, threads, clip), (Precision.INT8, threads, clip)
            print(f"| {clip[0]} × {clip[1]} | {picture.shape[1]} × {picture.shape[0]} | {threads} "
                  f"| {median(wall[f]):.3f} | {median(wall[q]):.3f} | {median(cpu[f]):.3f} "
                  f"| {median(cpu[q]):.3f} | {median(cpu[f]) / median(cpu[q]):.2f}× |")  # fmt: skip


if __name__ == "__main__":
    main()
