"""How redaction throughput grows with workers: the same batch of clips redacted through the
queue (a private Redis, ``onrecord worker`` processes) by 1, 2 and 4 workers, against the floor
of the same redactor run on the same clips one after another in one process, with no queue and
no vault.

The redactor is the tests' stand-in (``tests/release_support.copy_frames``: every frame decoded
and encoded again as H.264 with PyAV), so the figures are of the queue and the jobs around a
CPU-bound redaction, not of the redaction engine's own speed.

    .venv/bin/python bench/release_workers.py [--clips 8] [--frames 300] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from statistics import median

from redis import Redis
from rq import Worker

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from onrecord.release import queue as jobqueue  # noqa: E402
from onrecord.release.deadline import load_rule  # noqa: E402
from onrecord.release.matching import Filters  # noqa: E402
from onrecord.release.redactor import RedactionChoices  # noqa: E402
from onrecord.release.service import NewRequest, Releases  # noqa: E402
from onrecord.release.status import Status  # noqa: E402
from release_support import copy_frames, make_clip, make_vault  # noqa: E402

T0 = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
CLI = "from onrecord.cli.app import main; main()"


def floor(clips: list[Path], out: Path) -> float:
    """The stand-in redactor over every clip in turn, in this process."""
    started = time.perf_counter()
    for i, clip in enumerate(clips):
        copy_frames(clip, out / f"floor-{i}.mp4", RedactionChoices(), lambda *_: None)
    return time.perf_counter() - started


def through_queue(db: str, redis_url: str, workers: int, count: int, round_: int) -> float:
    """Submit one request's clips and time them to the last one done, ``workers`` workers
    already waiting."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT / 'tests'}"}
    cmd = [sys.executable, "-c", CLI, "worker", "--redis", redis_url, "--db", db,
           "--redactor", "release_support:copy_frames"]  # fmt: skip
    quiet = subprocess.DEVNULL
    procs = [subprocess.Popen(cmd, env=env, stdout=quiet, stderr=quiet) for _ in range(workers)]
    redis = Redis.from_url(redis_url)
    try:
        while len(Worker.all(connection=redis)) < workers:
            time.sleep(0.1)
        releases = Releases.open(db)
        span = (T0 - timedelta(days=1), T0 + timedelta(days=1))
        new = NewRequest(f"bench {workers}/{round_}", date(2026, 11, 30), "all", None,
                         Filters(("1234",), *span))  # fmt: skip
        rid = releases.log_request(new, load_rule("massachusetts-66-10"), actor="bench").id
        releases.propose(rid)
        releases.take(rid, None, actor="bench")
        queue = jobqueue.RedisQueue(redis)
        started = time.perf_counter()
        planned = releases.plan_redaction(rid, RedactionChoices(), actor="bench")
        releases.set_queue_ids(queue.submit(planned))
        assert len(planned) == count
        while releases.request(rid).request.status is not Status.REVIEW:
            time.sleep(0.05)
        took = time.perf_counter() - started
        releases.vault.engine.dispose()
        return took
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(30)
        redis.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=8)
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="onrecord-bench-") as tmp:
        root = Path(tmp)
        db = str(root / "onrecord.db")
        vault = make_vault(db, root)
        folder = root / "clips"
        folder.mkdir()
        clips = []
        for i in range(args.clips):
            clip = make_clip(folder / f"clip-{i}.mp4", frames=args.frames, size=360, seed=i)
            clips.append(clip)
            start = T0 + timedelta(minutes=10 * i)
            vault.ingest_files([clip], officer="1234", camera="CAM-1", start=start,
                               end=start + timedelta(minutes=5), actor="bench")  # fmt: skip
        vault.engine.dispose()
        rows: dict[str, list[float]] = {"floor": []}
        with jobqueue.private_redis() as redis_url:
            for round_ in range(args.repeats):
                rows["floor"].append(floor(clips, root))
                for n in args.workers:
                    took = through_queue(db, redis_url, n, args.clips, round_)
                    rows.setdefault(f"{n} worker(s)", []).append(took)
        base = median(rows["floor"])
        one = median(rows.get("1 worker(s)", rows["floor"]))
        print(f"{args.clips} clips of {args.frames} frames at 360x360, {args.repeats} repeat(s), "
              f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")  # fmt: skip
        print("| run | wall (median) | clips/min | ratio to floor | speed-up on 1 worker |")
        print("|---|---|---|---|---|")
        for name, times in rows.items():
            t = median(times)
            print(f"| {name} | {t:.1f} s | {60 * args.clips / t:.1f} | {t / base:.2f}x | "
                  f"{one / t:.2f}x |")  # fmt: skip


if __name__ == "__main__":
    main()
