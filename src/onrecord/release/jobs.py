"""One redaction job, as a worker runs it: read the clip from the vault, redact it, store the
outputs, and record that the redaction was made.

What makes it safe to kill at any moment and to run again:

- A run **claims** the job (its attempt number, in the database) before doing anything; a job
  already done, failed or cancelled is skipped, so a retry of a finished job does nothing.
- The redactor writes into a private scratch folder; nothing leaves it until the redactor has
  returned and both files (the clip and its record) exist. Their hashes are then written to the
  job's row (status ``storing``) *before* their bytes go into the store, whose puts are atomic,
  so every blob a job adds is named by a row (``verify`` knows them) and a killed run leaves at
  most bytes a later run replaces and deletes.
- The job becomes ``done`` in one transaction with its ``redaction made`` entry on the source
  item (and the request's move to review when it was the last), only if no later attempt has
  claimed it meanwhile; a stale attempt's work is discarded.

Nothing here releases anything: a redaction waits for a person's approval (``service``).
"""

from __future__ import annotations

import hashlib
import os
import socket
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onrecord.database.release import ReleaseJob
from onrecord.release.redactor import Progress, RedactionChoices, Redactor, UnusableInput
from onrecord.release.service import Releases, output_names
from onrecord.vault.log import Action

CHUNK = 1 << 20
CHECK_EVERY = 2.0
"""Seconds between a running job's looks at whether it was cancelled."""


def worker_name() -> str:
    """How a worker names itself in job rows and entries: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Setup:
    """What a worker process runs jobs with: the releases over its vault, the redactor, its
    name, and where scratch files go (the system's temporary folder if None)."""

    releases: Releases
    redactor: Redactor
    name: str
    scratch: Path | None = None


class Cancelled(Exception):
    """The job was cancelled while it ran (a denial or a new choice of items)."""


class Superseded(Exception):
    """A later attempt claimed the job while this one ran."""


@dataclass(frozen=True)
class _Claim:
    id: int
    attempt: int
    request_id: str
    item_id: str
    run: int
    source_sha256: str
    source_name: str
    options: dict[str, Any]
    previous: tuple[str, ...]


def run(job_id: int, setup: Setup, report: Progress | None = None) -> str:
    """Run redaction job ``job_id`` (see the module); returns what became of it: ``done``,
    ``skipped`` (already ended), ``failed`` (unusable input), ``cancelled`` or ``superseded``.
    Any other exception leaves the job to be retried."""
    claim = _claim(job_id, setup)
    if claim is None:
        return "skipped"
    releases = setup.releases
    choices = RedactionChoices.model_validate(claim.options)
    clip_name, record_name = output_names(claim.source_name)
    with tempfile.TemporaryDirectory(prefix="onrecord-redact-", dir=setup.scratch) as tmp:
        folder = Path(tmp)
        source, target = workspace(releases, folder, claim.source_sha256, claim.source_name)
        try:
            record = setup.redactor(source, target, choices, _watch(claim, setup, report))
            source.unlink()
            if not target.is_file() or not record.is_file():
                missing = "its record" if target.is_file() else "the clip"
                raise UnusableInput(f"the redactor returned without writing {missing}")
        except UnusableInput as e:
            _fail(claim, setup, str(e))
            return "failed"
        except (Cancelled, Superseded) as e:
            return "cancelled" if isinstance(e, Cancelled) else "superseded"
        outputs = {"output": describe(target, clip_name), "record": describe(record, record_name)}
        try:
            _storing(claim, setup, outputs)
        except (Cancelled, Superseded) as e:
            return "cancelled" if isinstance(e, Cancelled) else "superseded"
        for path in (target, record):
            releases.vault.store.put(chunks(path))
        try:
            _done(claim, setup, outputs)
        except (Cancelled, Superseded) as e:
            releases.discard_outputs([o["sha256"] for o in outputs.values()])
            return "cancelled" if isinstance(e, Cancelled) else "superseded"
    stale = [h for h in claim.previous if h not in {o["sha256"] for o in outputs.values()}]
    if stale:
        releases.discard_outputs(stale)
    return "done"


def workspace(releases: Releases, folder: Path, sha256: str, name: str) -> tuple[Path, Path]:
    """The source clip copied out of the vault into ``folder`` (the engine reads files), and
    where its redacted output is to be written (``out/``, made here)."""
    source = folder / ("source" + (Path(name).suffix or ".mp4"))
    with source.open("wb") as f:
        for chunk in releases.vault.store.read(sha256):
            f.write(chunk)
    target = folder / "out" / output_names(name)[0]
    target.parent.mkdir()
    return source, target


def chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            yield chunk


def describe(path: Path, name: str) -> dict[str, Any]:
    digest = hashlib.sha256()
    size = 0
    for chunk in chunks(path):
        digest.update(chunk)
        size += len(chunk)
    return {"name": name, "sha256": digest.hexdigest(), "size": size}


def _row(s: Session, job_id: int) -> ReleaseJob:
    row = s.scalar(select(ReleaseJob).where(ReleaseJob.id == job_id).with_for_update())
    if row is None:
        raise LookupError(f"there is no redaction job {job_id}")
    return row


def _claim(job_id: int, setup: Setup) -> _Claim | None:
    with setup.releases.vault.sessions.begin() as s:
        row = _row(s, job_id)
        if row.status in ("done", "failed", "cancelled"):
            return None
        row.attempts += 1
        row.status, row.worker, row.error = "running", setup.name, None
        row.started_at = setup.releases.now()
        previous = tuple(h for h in (row.output_sha256, row.record_sha256) if h)
        return _Claim(row.id, row.attempts, row.request_id, row.item_id, row.run,
                      row.source_sha256, row.source_name, dict(row.options), previous)  # fmt: skip


def _check_current(row: ReleaseJob, claim: _Claim) -> None:
    if row.status == "cancelled":
        raise Cancelled
    if row.attempts != claim.attempt:
        raise Superseded


def _watch(claim: _Claim, setup: Setup, report: Progress | None) -> Progress:
    """The redactor's progress callback: passes progress on, and every ``CHECK_EVERY`` seconds
    looks whether the job was cancelled or taken over by a later attempt; either stops the
    redactor (``Cancelled``, ``Superseded`` raised through it)."""
    last = [0.0]

    def progress(phase: str, done: int, total: int) -> None:
        if report is not None:
            report(phase, done, total)
        now = time.monotonic()
        if now - last[0] < CHECK_EVERY:
            return
        last[0] = now
        with setup.releases.vault.readers() as s:
            row = s.get(ReleaseJob, claim.id)
            if row is not None:
                _check_current(row, claim)

    return progress


def _storing(claim: _Claim, setup: Setup, outputs: dict[str, dict[str, Any]]) -> None:
    with setup.releases.vault.sessions.begin() as s:
        row = _row(s, claim.id)
        _check_current(row, claim)
        row.status = "storing"
        row.output_sha256, row.output_size = outputs["output"]["sha256"], outputs["output"]["size"]
        row.record_sha256, row.record_size = outputs["record"]["sha256"], outputs["record"]["size"]


def _done(claim: _Claim, setup: Setup, outputs: dict[str, dict[str, Any]]) -> None:
    releases = setup.releases
    with releases.vault.writing() as log:
        row = _row(log.session, claim.id)
        _check_current(row, claim)
        now: datetime = releases.now()
        row.status, row.finished_at = "done", now
        log.append(
            Action.REDACTION_MADE,
            actor="system",
            item=claim.item_id,
            details={
                "request": claim.request_id,
                "job": claim.id,
                "run": claim.run,
                "attempt": claim.attempt,
                "worker": setup.name,
                "file": {"name": claim.source_name, "sha256": claim.source_sha256},
                **outputs,
            },
            source=None,
        )
        releases.finish_redacting(log, claim.request_id)


def _fail(claim: _Claim, setup: Setup, reason: str) -> None:
    """Mark the job failed (input the redactor cannot use) and log the failed redaction."""
    releases = setup.releases
    with releases.vault.writing() as log:
        row = _row(log.session, claim.id)
        if row.attempts != claim.attempt or row.status == "cancelled":
            return
        row.status, row.error, row.finished_at = "failed", reason, releases.now()
        log.append(
            Action.REDACTION_MADE,
            actor="system",
            item=claim.item_id,
            details={"request": claim.request_id, "job": claim.id, "run": claim.run,
                     "attempt": claim.attempt, "worker": setup.name, "reason": reason},
            source=None,
            outcome="failure",
        )  # fmt: skip


def give_up(job_id: int, setup: Setup, reason: str) -> None:
    """Mark a job failed whose retries are spent (a crash each time, or a worker lost each
    time): the queue will not run it again, so its row must not wait as running."""
    with setup.releases.vault.writing() as log:
        row = _row(log.session, job_id)
        if row.status in ("done", "failed", "cancelled"):
            return
        row.status, row.finished_at = "failed", setup.releases.now()
        row.error = f"gave up after {row.attempts} attempt(s): {reason}"
        log.append(
            Action.REDACTION_MADE,
            actor="system",
            item=row.item_id,
            details={"request": row.request_id, "job": row.id, "run": row.run,
                     "attempt": row.attempts, "reason": row.error},
            source=None,
            outcome="failure",
        )  # fmt: skip
