"""The console's redaction queue: where the records-request pages send the jobs they plan, with
no set-up beyond ``onrecord serve``.

Which queue, by the settings:

- ``redis_url`` given: that Redis's queue, worked by the department's ``onrecord worker``s
  (the console only submits and reads progress);
- otherwise local workers the console starts when first needed (at its start when jobs are
  waiting) and stops at shutdown
  (``release.queue.local_jobs``: a private ``redis-server`` with worker processes, or threads
  where there is none);
- but when the app was given its blob store as an object (``create_app(vault_store=…)``, an
  in-memory store in tests) another process could not open it, so the jobs run in threads of the
  console over the console's own vault.

The redactor is ``settings.redactor``, else ``release.redactor.DEFAULT_REDACTOR``; with neither,
:meth:`RedactionJobs.missing` says so and the pages show it instead of a redaction form.
"""

from __future__ import annotations

import logging
import threading
from contextlib import ExitStack

from redis.exceptions import RedisError

from onrecord.release import jobs
from onrecord.release import queue as jobqueue
from onrecord.release import redactor as redactors
from onrecord.release.errors import ReleaseError
from onrecord.release.queue import JobQueue, QueueState
from onrecord.release.service import Releases
from onrecord.vault.service import Vault
from onrecord.web.settings import Settings

log = logging.getLogger("onrecord.web")


class RedactionJobs:
    """The queue of one console (see the module); :meth:`close` at shutdown stops its local
    workers (jobs not finished stay queued in the database and are queued again at the next
    start)."""

    def __init__(self, settings: Settings, *, own_store: bool) -> None:
        self.settings = settings
        self.own_store = own_store
        self._queue: JobQueue | None = None
        self._stack = ExitStack()
        self._lock = threading.Lock()

    @property
    def redactor(self) -> str | None:
        """The redactor's ``module:function``, or None when none is installed or named."""
        return self.settings.redactor or redactors.DEFAULT_REDACTOR

    def missing(self) -> str | None:
        """Why redaction cannot run from the console, or None when it can."""
        name = self.redactor
        if name is None:
            return (
                "no redactor is installed: install the redaction engine, or start the console "
                "with `onrecord serve --redactor module:function`"
            )
        try:
            redactors.resolve(name)
        except ReleaseError as e:
            return str(e)
        return None

    def queue(self, vault: Vault) -> JobQueue:
        """The queue, its local workers started on the first call; raises ``ReleaseError``
        when no redactor can run or the Redis cannot be reached."""
        with self._lock:
            if self._queue is None:
                self._queue = self._start(vault)
            return self._queue

    def _start(self, vault: Vault) -> JobQueue:
        problem = self.missing()
        if problem is not None:
            raise ReleaseError(problem)
        name = self.redactor
        assert name is not None  # missing() said so
        s = self.settings
        if s.redis_url:
            return jobqueue.RedisQueue(jobqueue.connect(s.redis_url))
        if self.own_store:
            releases = Releases(vault)
            setup = jobs.Setup(releases, redactors.resolve(name), jobs.worker_name())
            local = jobqueue.InProcessQueue(setup, s.redaction_workers)
            self._stack.callback(local.close, cancel=True)
            lost = releases.jobs(active_only=True)  # left queued by a console stopped earlier
            if lost:
                releases.set_queue_ids(local.submit(lost))
            return local
        return self._stack.enter_context(
            jobqueue.local_jobs(s.db_url, name, workers=s.redaction_workers, keys=s.vault_keys)
        )

    def resume(self, vault: Vault | None) -> None:
        """At the console's start: when jobs are waiting in the database (left by a console
        stopped before they ran), start the local workers now rather than at the next
        redaction asked for. Nothing to do with a Redis given (its workers find them) or no
        vault; a redactor that cannot run is logged, and the pages say why."""
        if vault is None or self.settings.redis_url:
            return
        if not Releases(vault).jobs(active_only=True):
            return
        try:
            self.queue(vault)
        except (ReleaseError, RedisError, OSError) as e:
            log.warning("jobs are waiting, but the local workers cannot start: %s", e)

    def state(self, queue_job_id: str | None) -> QueueState | None:
        """A job's progress as its queue knows it (None before the queue started)."""
        if queue_job_id is None or self._queue is None:
            return None
        try:
            return self._queue.state(queue_job_id)
        except RedisError:  # a Redis gone away: the page shows the database's status alone
            return None

    def close(self) -> None:
        with self._lock:
            self._queue = None
            self._stack.close()
