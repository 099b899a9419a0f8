"""Redaction jobs on a real Redis with real workers (``onrecord worker`` processes): two workers
share the work, a worker killed mid-job leaves the job to be retried and never half-released,
lost jobs are queued again, and the local queue needs no set-up. Skipped, saying why, without
Debian's ``redis-server``."""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from rq.job import Job
from rq.serializers import JSONSerializer
from sqlalchemy import select

from onrecord.database.release import ReleaseJob
from onrecord.release import queue as jobqueue
from onrecord.release.deadline import load_rule
from onrecord.release.errors import ReleaseError
from onrecord.release.matching import Filters
from onrecord.release.redactor import RedactionChoices
from onrecord.release.service import JobView, NewRequest, Releases
from onrecord.release.status import Status
from release_support import entries, ingest_clip, make_vault, redis_server

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None,
    reason="Debian's redis-server is not installed (scripts/install-debian-packages redis-server)",
)
ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
CLI = "from onrecord.cli.app import main; main()"


@pytest.fixture
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = str(tmp_path / "onrecord.db")
    vault = make_vault(url, tmp_path)
    for i in range(4):
        ingest_clip(vault, tmp_path / "clips", officer="1234", frames=40, seed=i,
                    start=T0 + timedelta(minutes=10 * i))  # fmt: skip
    vault.engine.dispose()
    return url


def request_with_items(releases: Releases, count: int) -> str:
    start, end = T0, T0 + timedelta(minutes=10 * count - 1)
    new = NewRequest("R", date(2026, 11, 30), "stop", None, Filters(("1234",), start, end))
    rid = releases.log_request(new, load_rule("massachusetts-66-10"), actor="clerk").id
    releases.propose(rid)
    releases.take(rid, None, actor="clerk")
    return rid


def worker(redis: str, db: str, log: Path, *more: str, redactor: str = "slow_copy",
           frame: float = 0.05) -> subprocess.Popen[bytes]:  # fmt: skip
    """``onrecord worker`` in a process of its own session (so all of it can be killed)."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT / 'tests'}",
           "ONRECORD_TEST_SLOW_FRAME": str(frame)}  # fmt: skip
    cmd = [sys.executable, "-c", CLI, "worker", "--redis", redis, "--db", db,
           "--redactor", f"release_support:{redactor}", "--heartbeat", "1", *more]  # fmt: skip
    with log.open("ab") as out:
        return subprocess.Popen(cmd, env=env, stdout=out, stderr=out, start_new_session=True)


def kill_session(sid: int) -> None:
    """SIGKILL every process of session ``sid``: a worker, its job's child and its scheduler,
    as when the machine running them dies."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getsid(int(entry.name)) == sid:
                    os.kill(int(entry.name), signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        kill_session(p.pid)
        p.wait(10)


def wait_for(what: str, check: object, seconds: float = 90, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            pytest.fail(f"timed out waiting for {what}\n{tail}")
        time.sleep(0.2)


def submit(releases: Releases, rid: str, redis: str, **options: object) -> list[JobView]:
    planned = releases.plan_redaction(rid, RedactionChoices(), actor="clerk")
    queue = jobqueue.RedisQueue(jobqueue.connect(redis), **options)  # type: ignore[arg-type]
    releases.set_queue_ids(queue.submit(planned))
    return planned


def test_two_workers_share_the_jobs(redis_url: str, db: str, tmp_path: Path) -> None:
    releases = Releases.open(db)
    rid = request_with_items(releases, 4)
    log = tmp_path / "workers.log"
    procs = [worker(redis_url, db, log) for _ in range(2)]
    try:
        submit(releases, rid, redis_url)
        wait_for("the four jobs", lambda: releases.request(rid).request.status is Status.REVIEW,
                 log=log)  # fmt: skip
    finally:
        stop(procs)
    done = releases.jobs(rid)
    assert [j.status for j in done] == ["done"] * 4
    assert len({j.worker for j in done}) == 2  # both workers took jobs
    with releases.vault.readers() as s:
        spans = [(j.started_at, j.finished_at) for j in s.scalars(select(ReleaseJob))]
    # Some two jobs ran at the same time.
    assert any(a[0] < b[1] and b[0] < a[1] for a, b in itertools.combinations(spans, 2)), spans
    assert releases.vault.verify() == []


@pytest.mark.parametrize("killed", ["the worker", "the job's process"])
def test_a_worker_killed_mid_job_leaves_it_to_be_retried(
    redis_url: str, db: str, tmp_path: Path, killed: str
) -> None:
    releases = Releases.open(db)
    rid = request_with_items(releases, 1)
    log = tmp_path / "workers.log"
    first = worker(redis_url, db, log, frame=0.1)  # 40 frames: four seconds
    procs = [first]
    try:
        [planned] = submit(releases, rid, redis_url, retry_after=(0,))
        redis = jobqueue.connect(redis_url)

        def midway() -> bool:
            meta = Job.fetch(jobqueue.queue_id(planned.id), connection=redis,
                             serializer=JSONSerializer).get_meta()  # fmt: skip
            return 5 <= meta.get("done", 0) < 30

        wait_for("the job to be under way", midway, log=log)
        meta = Job.fetch(jobqueue.queue_id(planned.id), connection=redis,
                         serializer=JSONSerializer).get_meta()  # fmt: skip
        if killed == "the worker":
            kill_session(first.pid)
            first.wait(10)
        else:
            os.kill(meta["pid"], signal.SIGKILL)
        # Nothing of the interrupted run is released or even offered for review.
        [job] = releases.jobs(rid)
        assert (job.status, job.attempts, job.output_sha256) == ("running", 1, None)
        assert releases.request(rid).request.status is Status.REDACTING
        if killed == "the worker":
            procs.append(worker(redis_url, db, log, frame=0.01))
        wait_for("the retry", lambda: releases.request(rid).request.status is Status.REVIEW,
                 log=log)  # fmt: skip
    finally:
        stop(procs)
    [job] = releases.jobs(rid)
    assert (job.status, job.attempts) == ("done", 2)
    made = [e for e in entries(releases.vault, planned.item_id) if e["action"] == "redaction made"]
    assert [(e["outcome"], e["details"]["attempt"]) for e in made] == [("success", 2)]  # type: ignore[index]
    assert releases.vault.verify() == []
    released = releases.approve(rid, actor="rao")
    assert len(released.items) == 1


def test_a_starting_worker_queues_lost_jobs_again(redis_url: str, db: str, tmp_path: Path) -> None:
    """Jobs planned but never queued (or lost with a Redis that kept no data) are found in the
    database by the next worker to start."""
    releases = Releases.open(db)
    rid = request_with_items(releases, 2)
    releases.plan_redaction(rid, RedactionChoices(), actor="clerk")
    log = tmp_path / "worker.log"
    burst = worker(redis_url, db, log, "--burst", redactor="copy_frames")
    assert burst.wait(120) == 0, log.read_text()
    assert [j.status for j in releases.jobs(rid)] == ["done", "done"]
    assert all(j.queue_job_id for j in releases.jobs(rid))


def test_local_jobs_need_no_set_up(db: str) -> None:
    releases = Releases.open(db)
    rid = request_with_items(releases, 2)
    with jobqueue.local_jobs(db, "release_support:copy_frames", workers=2, heartbeat=1) as queue:
        planned = releases.plan_redaction(rid, RedactionChoices(), actor="clerk")
        releases.set_queue_ids(queue.submit(planned))
        wait_for("the local workers", lambda: releases.request(rid).request.status is Status.REVIEW)
        state = queue.state(jobqueue.queue_id(planned[0].id))
        assert state is not None and state.state == "finished"
        assert (state.phase, state.done) == ("writing", state.total)
    assert [j.status for j in releases.jobs(rid)] == ["done", "done"]


def test_an_unreachable_redis_is_a_plain_error() -> None:
    with pytest.raises(ReleaseError, match=r"cannot reach Redis at redis://127\.0\.0\.1:1/0"):
        jobqueue.connect("redis://127.0.0.1:1/0")
