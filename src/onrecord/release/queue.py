"""Redaction jobs on a real queue: Redis as the broker, RQ for the jobs and workers.

Why RQ rather than Celery: there is one kind of job, and RQ needs nothing but Redis and one
Python package; its workers are plain processes (``onrecord worker``) that fork a child per job,
so a crash in native decoding code takes down that job, not the worker; and it already does what
the release needs: retries, a job's progress in its metadata, and jobs whose worker vanished
(the machine lost, the process killed) found by their lapsed heartbeat and run again. Celery's
brokers, result backends and canvas would add parts without adding anything a department needs
here.

Jobs carry only the redaction job's id (JSON, never pickle, so the queue cannot carry code); the
worker reads everything else from the database and the vault. A worker reports that it is alive
every ``heartbeat`` seconds while a job runs; one silent for three heartbeats and five seconds
more is taken for dead, and the next worker to tidy the queue (every worker does, at least once
a ``3 × heartbeat + 5`` seconds) retries its job, up to ``RETRIES`` times.

With no Redis given, ``local_jobs`` starts a private ``redis-server`` on a Unix socket in a
temporary folder, with local workers, for as long as it is open; without a ``redis-server``
binary it runs the jobs in this process, in threads.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from redis import Redis
from redis.exceptions import RedisError
from rq import Callback, Queue, Retry, Worker, get_current_job
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from onrecord.release import jobs
from onrecord.release.errors import ReleaseError
from onrecord.release.redactor import resolve
from onrecord.release.service import JobView, Releases

QUEUE = "onrecord-redaction"
RETRIES = 3
RETRY_AFTER = (10, 60, 300)
"""Seconds before each retry (the scheduler of some worker enqueues it again)."""
JOB_TIMEOUT = 12 * 3600
"""The longest a redaction may run before its worker stops it (an hour of HD video on a slow
machine, with room to spare)."""
HEARTBEAT = 10
PROGRESS_EVERY = 0.5
"""Seconds between updates of a running job's progress in its metadata."""


@dataclass(frozen=True)
class QueueState:
    """A job as the queue sees it: RQ's status, and the redactor's last progress report."""

    state: str
    phase: str | None = None
    done: int | None = None
    total: int | None = None


class JobQueue(Protocol):
    """Where planned redaction jobs go (``Releases.plan_redaction`` makes them)."""

    def submit(self, planned: Sequence[JobView]) -> dict[int, str]:
        """Queue each job; returns the queue's id for each (by redaction job id)."""
        ...

    def state(self, queue_job_id: str) -> QueueState | None:
        """The job's state in the queue, or None if the queue does not know it."""
        ...


def connect(url: str) -> Redis:
    """A client of the Redis at ``url`` (``redis://host:port/db`` or ``unix:///path``), checked
    to answer."""
    try:
        redis = Redis.from_url(url)
        redis.ping()
    except (RedisError, ValueError) as e:
        raise ReleaseError(
            f"cannot reach Redis at {url}: {e}; start redis-server, or leave --redis out to run "
            "the jobs with local workers"
        ) from None
    return redis


def queue_of(redis: Redis) -> Queue:
    return Queue(QUEUE, connection=redis, serializer=JSONSerializer)


def queue_id(job_id: int) -> str:
    return f"onrecord-redact-{job_id}"


class RedisQueue:
    """The jobs on an RQ queue in Redis (see the module)."""

    def __init__(
        self,
        redis: Redis,
        *,
        retries: int = RETRIES,
        retry_after: Sequence[int] = RETRY_AFTER,
        timeout: int = JOB_TIMEOUT,
    ) -> None:
        self.redis, self.queue = redis, queue_of(redis)
        self.retries, self.retry_after, self.timeout = retries, list(retry_after), timeout

    def submit(self, planned: Sequence[JobView]) -> dict[int, str]:
        ids = {}
        for job in planned:
            qid = queue_id(job.id)
            ids[job.id] = qid
            if self._live(qid):
                continue
            self.queue.enqueue(
                perform,
                job.id,
                job_id=qid,
                job_timeout=self.timeout,
                retry=Retry(max=self.retries, interval=self.retry_after),
                on_failure=Callback(on_failure),
                result_ttl=7 * 86400,
                failure_ttl=30 * 86400,
                description=f"redact {job.item_id} file {job.file_position} for {job.request_id}",
                meta={"request": job.request_id, "item": job.item_id, "run": job.run},
            )
        return ids

    def _live(self, qid: str) -> bool:
        """Whether the queue holds the job still to run (queued, scheduled, running)."""
        if not Job.exists(qid, connection=self.redis):
            return False
        status = Job.fetch(qid, connection=self.redis, serializer=JSONSerializer).get_status()
        return status not in (JobStatus.FINISHED, JobStatus.FAILED, JobStatus.STOPPED,
                              JobStatus.CANCELED)  # fmt: skip

    def state(self, queue_job_id: str) -> QueueState | None:
        if not Job.exists(queue_job_id, connection=self.redis):
            return None
        job = Job.fetch(queue_job_id, connection=self.redis, serializer=JSONSerializer)
        meta = job.get_meta()
        return QueueState(
            job.get_status().value, meta.get("phase"), meta.get("done"), meta.get("total")
        )

    def resubmit_lost(self, releases: Releases) -> int:
        """Queue again the jobs the database has waiting or running that the queue does not
        know (Redis restarted without its data, or a queue call that never happened); returns
        how many."""
        lost = [
            j
            for j in releases.jobs(active_only=True)
            if j.queue_job_id is None or not Job.exists(j.queue_job_id, connection=self.redis)
        ]
        if lost:
            releases.set_queue_ids(self.submit(lost))
        return len(lost)


# -- in the worker --------------------------------------------------------------------------

_SETUP: list[jobs.Setup] = []
"""The worker process's setup (one), installed by ``run_worker`` before it forks for jobs."""


def perform(job_id: int) -> str:
    """The queue's job: run redaction job ``job_id`` with this worker's setup, its progress in
    the queue job's metadata."""
    if not _SETUP:
        raise RuntimeError("this worker has no OnRecord setup; start it with `onrecord worker`")
    setup = _SETUP[0]
    # A forked child must not reuse its parent's database connections.
    setup.releases.vault.engine.dispose(close=False)
    current = get_current_job()
    if current is not None:  # which process runs it, for whoever must stop it
        current.meta.update({"worker": setup.name, "pid": os.getpid()})
        current.save_meta()  # type: ignore[no-untyped-call]  # rq's save_meta has no annotations
    sent: dict[str, Any] = {"at": 0.0, "phase": ""}

    def report(phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        recent = now - sent["at"] < PROGRESS_EVERY
        if current is None or (phase == sent["phase"] and recent and done < total):
            return
        sent.update(at=now, phase=phase)
        current.meta.update({"phase": phase, "done": done, "total": total})
        current.save_meta()  # type: ignore[no-untyped-call]  # rq's save_meta has no annotations

    return jobs.run(job_id, setup, report)


def on_failure(job: Job, connection: Redis, kind: type, value: BaseException, tb: Any) -> None:
    """RQ's failure callback: once a job has no retries left, its row is marked failed."""
    if job.retries_left or not _SETUP:
        return
    job_id = job.args[0] if job.args else None
    if isinstance(job_id, int):
        jobs.give_up(job_id, _SETUP[0], f"{kind.__name__}: {value}")


def _horse_killed(job: Job, pid: int, status: int, rusage: Any) -> None:
    """A job's child process died (killed, out of memory): RQ retries it if it may; if not,
    its row is marked failed, as ``on_failure`` does for a job that raised."""
    if job.retries_left or not _SETUP:
        return
    job_id = job.args[0] if job.args else None
    if isinstance(job_id, int):
        jobs.give_up(job_id, _SETUP[0], f"its process ended with status {status}")


class RedactionWorker(Worker):
    """An RQ worker whose jobs' heartbeats lapse after three missed beats (RQ's own default
    waits a minute more), so a lost worker's job is retried sooner."""

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        return int(3 * self.job_monitoring_interval + 5)


def run_worker(
    redis_url: str,
    db_url: str,
    redactor: str,
    *,
    keys: Path | None = None,
    name: str | None = None,
    burst: bool = False,
    heartbeat: int = HEARTBEAT,
    scratch: Path | None = None,
) -> None:
    """Work on the redaction queue at ``redis_url`` until stopped (``burst``: until it is
    empty), with the vault in ``db_url`` and the redactor ``module:function``."""
    if not 1 <= heartbeat <= 300:
        raise ReleaseError(f"--heartbeat {heartbeat}: give 1 to 300 seconds")
    setup = jobs.Setup(
        Releases.open(db_url, keys=keys), resolve(redactor), name or jobs.worker_name(), scratch
    )
    redis = connect(redis_url)
    _SETUP[:] = [setup]
    RedisQueue(redis).resubmit_lost(setup.releases)
    setup.releases.vault.engine.dispose()
    tidy = 3 * heartbeat + 5
    worker = RedactionWorker(
        [queue_of(redis)],
        connection=redis,
        name=f"{setup.name}:{int(time.time() * 1000) % 100000}",
        serializer=JSONSerializer,
        job_monitoring_interval=heartbeat,
        maintenance_interval=tidy,
        worker_ttl=tidy + 15,  # RQ waits worker_ttl - 15 s for a job before tidying again
        work_horse_killed_handler=_horse_killed,
    )
    worker.work(burst=burst, with_scheduler=True, logging_level="WARNING")


# -- with no Redis given --------------------------------------------------------------------


@contextmanager
def private_redis(folder: Path | None = None) -> Iterator[str]:
    """A ``redis-server`` of our own on a Unix socket (mode 700) in a new temporary folder, no
    TCP port and no persistence, for as long as the block runs; yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise ReleaseError("redis-server is not installed (Debian: apt-get install redis-server)")
    root = Path(tempfile.mkdtemp(prefix="onrecord-redis-", dir=folder))
    sock = root / "redis.sock"
    server = subprocess.Popen(
        [binary, "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700",
         "--dir", str(root), "--save", "", "--appendonly", "no", "--daemonize", "no",
         "--loglevel", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        url = f"unix://{sock}"
        deadline = time.monotonic() + 10
        while True:
            if server.poll() is not None:
                raise ReleaseError(
                    "redis-server stopped at start: "
                    + (server.stderr.read().decode(errors="replace") if server.stderr else "")
                )
            if sock.exists():
                with suppress(ReleaseError):
                    connect(url).close()
                    break
            if time.monotonic() > deadline:
                raise ReleaseError(f"redis-server did not answer on {sock} within 10 seconds")
            time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(root, ignore_errors=True)


class InProcessQueue:
    """Jobs run in threads of this process, when there is no Redis at all."""

    def __init__(self, setup: jobs.Setup, workers: int) -> None:
        self.setup = setup
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="redact")
        self.states: dict[str, QueueState] = {}
        self.lock = threading.Lock()

    def submit(self, planned: Sequence[JobView]) -> dict[int, str]:
        ids = {}
        for job in planned:
            qid = f"in-process-{job.id}"
            ids[job.id] = qid
            with self.lock:
                self.states[qid] = QueueState("queued")
            self.pool.submit(self._run, job.id, qid)
        return ids

    def _run(self, job_id: int, qid: str) -> None:
        def report(phase: str, done: int, total: int) -> None:
            with self.lock:
                self.states[qid] = QueueState("started", phase, done, total)

        final = "failed"
        for attempt in range(RETRIES + 1):
            try:
                jobs.run(job_id, self.setup, report)
                final = "finished"
                break
            except Exception as e:
                if attempt == RETRIES:
                    jobs.give_up(job_id, self.setup, f"{type(e).__name__}: {e}")
        with self.lock:
            self.states[qid] = QueueState(final)

    def state(self, queue_job_id: str) -> QueueState | None:
        with self.lock:
            return self.states.get(queue_job_id)

    def close(self, *, cancel: bool = False) -> None:
        """Wait for the jobs (only the one under way in each thread, with ``cancel``)."""
        self.pool.shutdown(wait=True, cancel_futures=cancel)


@contextmanager
def local_jobs(
    db_url: str,
    redactor: str,
    *,
    workers: int = 1,
    keys: Path | None = None,
    heartbeat: int = HEARTBEAT,
) -> Iterator[JobQueue]:
    """A queue with ``workers`` local workers and no set-up, for as long as the block runs: a
    private Redis and worker processes when ``redis-server`` is installed, else threads of this
    process (see the module). Leaving the block stops the workers; jobs not finished by then
    stay queued in the database and are queued again by the next worker to start."""
    if not 1 <= workers <= 64:
        raise ReleaseError(f"--workers {workers}: give 1 to 64")
    resolve(redactor)
    if shutil.which("redis-server") is None:
        setup = jobs.Setup(Releases.open(db_url, keys=keys), resolve(redactor), jobs.worker_name())
        queue = InProcessQueue(setup, workers)
        try:
            yield queue
        finally:
            queue.close(cancel=True)
        return
    context = multiprocessing.get_context("spawn")
    with private_redis() as url:
        procs = [
            context.Process(
                target=run_worker,
                args=(url, db_url, redactor),
                kwargs={"keys": keys, "heartbeat": heartbeat},
            )
            for _ in range(workers)
        ]
        for p in procs:
            p.start()
        try:
            yield RedisQueue(connect(url))
        finally:
            _stop(procs)


def _stop(procs: Sequence[multiprocessing.process.BaseProcess]) -> None:
    """Stop local workers: a SIGTERM lets an idle one go at once; a second, a second and more
    later (RQ ignores a repeat within one), is RQ's cold shutdown, which takes a job's child
    process down with its worker."""
    for _ in range(2):
        for p in procs:
            if p.pid is not None and p.is_alive():
                with suppress(ProcessLookupError):
                    os.kill(p.pid, signal.SIGTERM)
        deadline = time.monotonic() + 1.5
        for p in procs:
            p.join(max(0.0, deadline - time.monotonic()))
    for p in procs:
        p.join(10)
        if p.is_alive():
            p.kill()
            p.join()
