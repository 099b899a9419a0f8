"""A reviewer's decisions on a redacted clip's tracks: each track the engine found (a face, a
plate, a reviewer's box) is accepted or rejected, and the clip is rendered again from its
original with the edited record (``onrecord.redaction.render``: no detector runs, only the
accepted tracks are covered).

The render runs synchronously, in the caller: without detection it is a decode and an encode of
one clip, about as long as the clip plays or less, and a reviewer waits for it to see the
result. A job row then names the new clip and record in place of the old, in one transaction
with a ``redaction made`` entry on the source item that says which track was decided and how;
the old outputs are deleted from the store once no row names them. Only a request in review, and
its newest run's finished jobs, can be changed; a second reviewer's change made meanwhile is
refused rather than overwritten.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from onrecord import redaction
from onrecord.database.release import ReleaseJob, ReleaseRequest
from onrecord.redaction import (
    INPUT_ERRORS,
    RedactionError,
    RedactionRecord,
    Track,
    record_path,
)
from onrecord.release.errors import ReleaseError
from onrecord.release.jobs import chunks, describe, workspace
from onrecord.release.service import Releases, output_names
from onrecord.release.status import Status
from onrecord.vault.log import Action


@dataclass(frozen=True)
class Reviewed:
    """A job's redaction after a decision: its record (with the tracks as now decided)."""

    job_id: int
    record: RedactionRecord


def record_of(releases: Releases, request_id: str, job_id: int) -> RedactionRecord:
    """The redaction record of a finished job of the request (its tracks and their state)."""
    job = _job(releases, request_id, job_id)
    return _read(releases, job.record_sha256)


def decide_track(
    releases: Releases,
    request_id: str,
    job_id: int,
    track_id: int,
    accepted: bool,
    *,
    actor: str,
    address: str | None = None,
) -> Reviewed:
    """Accept or reject one track of a job's redaction and render the clip again (see the
    module); ``ReleaseError`` when the request is not in review, the job or the track is not
    there, or the clip cannot be rendered."""
    job = _job(releases, request_id, job_id)
    status = releases.request(request_id).request.status
    if status is not Status.REVIEW:
        raise ReleaseError(
            f"request {request_id} is {status.value}; tracks are decided while it is in review"
        )
    record = _read(releases, job.record_sha256)
    if not any(t.id == track_id for t in record.tracks):
        raise ReleaseError(f"the redaction of job {job_id} has no track {track_id}")
    tracks = tuple(_set(t, accepted) if t.id == track_id else t for t in record.tracks)
    edited = record.model_copy(update={"tracks": tracks, "output": None})
    clip_name, record_name = output_names(job.source_name)
    with tempfile.TemporaryDirectory(prefix="onrecord-review-") as tmp:
        folder = Path(tmp)
        source, target = workspace(releases, folder, job.source_sha256, job.source_name)
        refused: tuple[type[Exception], ...] = (*INPUT_ERRORS, RedactionError)
        try:
            done = redaction.render(source, edited, target)  # the engine loads on first use
        except refused as e:
            raise ReleaseError(f"the clip of job {job_id} cannot be rendered again: {e}") from None
        record_file = record_path(target)
        outputs = {
            "output": describe(target, clip_name),
            "record": describe(record_file, record_name),
        }
        for path in (target, record_file):
            releases.vault.store.put(chunks(path))
    old = (job.output_sha256, job.record_sha256)
    try:
        _commit(releases, job, old, outputs, track_id, accepted, actor, address)
    except BaseException:
        releases.discard_outputs([o["sha256"] for o in outputs.values()])
        raise
    releases.discard_outputs([h for h in old if h])
    return Reviewed(job.id, done)


def _set(track: Track, accepted: bool) -> Track:
    return track.model_copy(update={"accepted": accepted})


def _job(releases: Releases, request_id: str, job_id: int) -> ReleaseJob:
    with releases.vault.readers() as s:
        job = s.get(ReleaseJob, job_id)
        newest = s.scalar(
            select(func.max(ReleaseJob.run)).where(ReleaseJob.request_id == request_id)
        )
        if job is None or job.request_id != request_id or job.status != "done":
            raise ReleaseError(f"request {request_id} has no finished redaction {job_id}")
        if job.run != newest or job.record_sha256 is None or job.release_item_id is not None:
            raise ReleaseError(
                f"redaction {job_id} of request {request_id} is not the one under review"
            )
        s.expunge(job)
        return job


def _read(releases: Releases, sha256: str | None) -> RedactionRecord:
    text = b"".join(releases.vault.store.read(sha256 or ""))
    try:
        return RedactionRecord.model_validate_json(text)
    except ValueError:
        raise ReleaseError(
            "this redaction's record is not one of OnRecord's redaction engine (another "
            "redactor made it): its tracks cannot be decided here"
        ) from None


def _commit(
    releases: Releases,
    job: ReleaseJob,
    old: tuple[str | None, str | None],
    outputs: dict[str, dict[str, Any]],
    track_id: int,
    accepted: bool,
    actor: str,
    address: str | None,
) -> None:
    with releases.vault.writing() as log:
        s = log.session
        row = s.scalar(select(ReleaseJob).where(ReleaseJob.id == job.id).with_for_update())
        request = s.get(ReleaseRequest, job.request_id)
        if row is None or (row.output_sha256, row.record_sha256) != old or row.status != "done":
            raise ReleaseError(
                f"redaction {job.id} changed while its clip was rendered (another reviewer?); "
                "reload the request's page and decide again"
            )
        if request is None or request.status != Status.REVIEW.value:
            raise ReleaseError(f"request {job.request_id} left review while the clip was rendered")
        row.output_sha256, row.output_size = outputs["output"]["sha256"], outputs["output"]["size"]
        row.record_sha256, row.record_size = outputs["record"]["sha256"], outputs["record"]["size"]
        log.append(
            Action.REDACTION_MADE,
            actor=actor,
            item=job.item_id,
            details={
                "request": job.request_id,
                "job": job.id,
                "run": job.run,
                "review": {"track": track_id, "accepted": accepted},
                "file": {"name": job.source_name, "sha256": job.source_sha256},
                "replaces": {"output": old[0], "record": old[1]},
                **outputs,
            },
            source=address,
        )
