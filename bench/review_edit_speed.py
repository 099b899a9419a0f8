"""A review edit against a whole redaction of the same clip: a generated clip (three moving
faces, a tone; 10 s at 30 frames a second, 1280×720) redacted with faces found on every frame
(the baseline), then edited as a reviewer does in the console: a box held still for a tenth of
the clip, a box followed for two tenths (carried by the tracker), a track adjusted from a frame
in the middle to its end, and
(``--mutes``) the mutes changed. Each edit is what ``release.review.apply`` runs on the clip:
the record changed (``redaction.edits``) and the clip rendered again; the store and the
database are left out (the same for every edit, and small).

    .venv/bin/python bench/review_edit_speed.py [--seconds 10] [--size 1280x720] [--repeat 1]

Prints the wall and CPU seconds of each (CPU: user and system, all threads: what the work costs
on a machine shared with others) and their ratios to the whole redaction, measured in the same
run, and the load average.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests"), str(ROOT / "bench")]

from onrecord.redaction import (  # noqa: E402
    Drawn,
    RedactionOptions,
    RedactionRecord,
    redact,
    remute,
    render,
)
from onrecord.redaction.edits import with_box  # noqa: E402
from onrecord.redaction.engine import Detectors  # noqa: E402
from redaction_speed import clip_for  # noqa: E402


def timed(work: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of ``work``."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def muted(record: RedactionRecord, at: float, length: float) -> RedactionRecord:
    return record.model_copy(update={"mutes": ((at, at + length),), "output": None})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    detectors = Detectors.for_options(RedactionOptions())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = clip_for(folder, width, height, args.seconds * 30).path
        out = folder / "out"
        out.mkdir()
        made: list[RedactionRecord] = []

        def whole() -> None:
            made.append(redact(source, out / "whole.mp4", RedactionOptions(), detectors=detectors))

        def edit(drawn: Drawn) -> Callable[[], object]:
            return lambda: render(source, with_box(source, made[0], drawn), out / "edit.mp4")

        w, h, at, tenth = width // 8, height // 8, args.seconds * 0.4, args.seconds / 10
        edits: dict[str, Callable[[], object]] = {
            "box held 1/10": edit(Drawn(at, w, h, w, h, follow=False, until=at + tenth)),
            "box followed 2/10": edit(Drawn(at, w, h, w, h, follow=True, until=at + 2 * tenth)),
            "track 1 adjusted": edit(Drawn(at, w, h, w, h, follow=False, track=1)),
            "mutes, video copied": lambda: remute(
                source, out / "whole.mp4", muted(made[0], at, tenth), out / "mute.mp4"
            ),
            "mutes, whole render": lambda: render(
                source, muted(made[0], at, tenth), out / "mute-whole.mp4"
            ),
        }
        times: dict[str, list[tuple[float, float]]] = {"whole redaction": []}
        for _ in range(args.repeat):
            times["whole redaction"].append(timed(whole))
            for name, work in edits.items():
                times.setdefault(name, []).append(timed(work))
        base_wall = median(t[0] for t in times["whole redaction"])
        base_cpu = median(t[1] for t in times["whole redaction"])
        print(f"{args.seconds} s at {args.size}, {made[0].video.frames} frames, "
              f"{len(made[0].tracks)} tracks; load average {os.getloadavg()[0]:.1f}")  # fmt: skip
        print(f"{'':>20} {'wall s':>7} {'cpu s':>7} {'wall ×':>7} {'cpu ×':>7}")
        for name, runs in times.items():
            wall, cpu = median(t[0] for t in runs), median(t[1] for t in runs)
            print(f"{name:>20} {wall:7.1f} {cpu:7.1f} {wall / base_wall:7.3f} "
                  f"{cpu / base_cpu:7.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
