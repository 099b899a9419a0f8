"""A reviewer's edits of a redacted clip under review: a track the engine found (a face, a
plate, a reviewer's box) accepted or rejected here, a box added (``review_box``), the mutes
changed (``review_audio``). Each edit changes the redaction record, and the clip is rendered
again from its original with it (no detector runs).

Every edit goes through ``apply``: the render runs synchronously, in the caller (a reviewer
waits for it to see the result), its outputs are named before their bytes are stored, and a job
row then names them in place of the old, in one transaction with a ``redaction made`` entry on
the source item that says what was edited; the old outputs are deleted from the store once no
row names them. Only a request in review, and its newest run's finished jobs, can be changed; a
second reviewer's change made meanwhile is refused rather than overwritten.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from onrecord import redaction
from onrecord.database.release import ReleaseEdit, ReleaseJob, ReleaseRequest
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


def ms(seconds: float) -> int:
    """A time as the custody log holds it: whole milliseconds (entries hold no floats)."""
    return round(seconds * 1000)


def record_of(releases: Releases, request_id: str, job_id: int) -> RedactionRecord:
    """The redaction record of a finished job of the request (its tracks and their state)."""
    job = under_review(releases, request_id, job_id)
    return stored_record(releases, job.record_sha256)


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

    def change(_: Path, record: RedactionRecord) -> RedactionRecord:
        if not any(t.id == track_id for t in record.tracks):
            raise ReleaseError(f"the redaction of job {job_id} has no track {track_id}")
        tracks = tuple(_set(t, accepted) if t.id == track_id else t for t in record.tracks)
        return record.model_copy(update={"tracks": tracks})

    edit = Edit({"track": track_id, "accepted": accepted}, change)
    return apply(releases, request_id, job_id, edit, actor=actor, address=address)


@dataclass(frozen=True)
class Edit:
    """One review edit: what the ``redaction made`` entry says was done (``review``), and how
    it changes the job's record, given the source clip (``ReleaseError`` or the engine's
    ``InputError`` for a change that cannot be made). The clip is then written by the engine's
    ``render``, or by ``render`` when given: called with the source, the changed record, the
    target and the job's current redacted clip, so that it can copy what the edit leaves as it
    was."""

    review: dict[str, Any]
    change: Callable[[Path, RedactionRecord], RedactionRecord]
    render: Callable[[Path, RedactionRecord, Path, Path], RedactionRecord] | None = None


def apply(
    releases: Releases,
    request_id: str,
    job_id: int,
    edit: Edit,
    *,
    actor: str,
    address: str | None = None,
) -> Reviewed:
    """Make one review edit of a job under review: the record changed, the clip rendered
    again, and the job made to name them with a ``redaction made`` entry, so that a crash at
    any point leaves nothing in the store that no row names:

    1. the clip and record are rendered in a private scratch folder;
    2. their hashes are written as a ``release_edits`` row (the edit being stored);
    3. their bytes go into the store (each put atomic);
    4. one transaction points the job at them, logs the entry, and makes the edit's row name
       the old outputs instead;
    5. the old outputs are deleted from the store unless something else names them, then the
       edit's row, then the job's other edit rows (``_sweep``).

    An error before 4 deletes what the edit stored and its row; a kill leaves the row, which
    ``verify`` reads as an edit cut short (its bytes are named, not stray) until the job's next
    edit sweeps it."""
    job = under_review(releases, request_id, job_id)
    _in_review(releases, request_id)
    record = stored_record(releases, job.record_sha256)
    clip_name, record_name = output_names(job.source_name)
    with tempfile.TemporaryDirectory(prefix="onrecord-review-") as tmp:
        folder = Path(tmp)
        source, target = workspace(releases, folder, job.source_sha256, job.source_name)
        refused: tuple[type[Exception], ...] = (*INPUT_ERRORS, RedactionError)
        try:
            edited = edit.change(source, record).model_copy(update={"output": None})
        except refused as e:  # said with the clip's name, not the scratch copy's path
            raise ReleaseError(str(e).replace(str(source), job.source_name)) from None
        try:
            if edit.render is None:
                done = redaction.render(source, edited, target)  # the engine loads on first use
            else:
                previous = folder / "previous.mp4"
                with previous.open("wb") as f:
                    for chunk in releases.vault.store.read(job.output_sha256 or ""):
                        f.write(chunk)
                done = edit.render(source, edited, target, previous)
        except refused as e:
            said = str(e).replace(str(source), job.source_name)
            raise ReleaseError(
                f"the clip of job {job_id} cannot be rendered again: {said}"
            ) from None
        record_file = record_path(target)
        outputs = {
            "output": describe(target, clip_name),
            "record": describe(record_file, record_name),
        }
        old = (job.output_sha256, job.record_sha256)
        edit_id = _storing(releases, job, old, outputs, actor)
        try:
            for path in (target, record_file):
                releases.vault.store.put(chunks(path))
            _commit(releases, job, edit_id, old, outputs, edit.review, actor, address)
        except Exception:
            releases.discard_outputs([o["sha256"] for o in outputs.values()], but_edits=[edit_id])
            _forget(releases, edit_id)
            raise
    releases.discard_outputs([h for h in old if h], but_edits=[edit_id])
    _forget(releases, edit_id)
    _sweep(releases, job.id)
    return Reviewed(job.id, done)


def _set(track: Track, accepted: bool) -> Track:
    return track.model_copy(update={"accepted": accepted})


def under_review(releases: Releases, request_id: str, job_id: int) -> ReleaseJob:
    """The job's row (detached) if it is a finished redaction of the request's newest run, not
    yet released; ``ReleaseError`` otherwise."""
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


def stored_record(releases: Releases, sha256: str | None) -> RedactionRecord:
    """The redaction record stored as ``sha256``, if OnRecord's engine made it."""
    text = b"".join(releases.vault.store.read(sha256 or ""))
    try:
        return RedactionRecord.model_validate_json(text)
    except ValueError:
        raise ReleaseError(
            "this redaction's record is not one of OnRecord's redaction engine (another "
            "redactor made it): its tracks cannot be decided here"
        ) from None


def _in_review(releases: Releases, request_id: str) -> None:
    status = releases.request(request_id).request.status
    if status is not Status.REVIEW:
        raise ReleaseError(
            f"request {request_id} is {status.value}; its redactions are edited while it is in "
            "review"
        )


def _current(
    s: Session, job: ReleaseJob, old: tuple[str | None, str | None], when: str
) -> ReleaseJob:
    """The job's row, locked, if it still names ``old`` and its request is in review."""
    row = s.scalar(select(ReleaseJob).where(ReleaseJob.id == job.id).with_for_update())
    request = s.get(ReleaseRequest, job.request_id)
    if row is None or (row.output_sha256, row.record_sha256) != old or row.status != "done":
        raise ReleaseError(
            f"redaction {job.id} changed {when} (another reviewer?); reload the request's page "
            "and edit again"
        )
    if request is None or request.status != Status.REVIEW.value:
        raise ReleaseError(f"request {job.request_id} left review {when}")
    return row


def _storing(
    releases: Releases,
    job: ReleaseJob,
    old: tuple[str | None, str | None],
    outputs: dict[str, dict[str, Any]],
    actor: str,
) -> int:
    """Name the edit's outputs (a ``release_edits`` row) before their bytes are stored."""
    with releases.vault.sessions.begin() as s:
        _current(s, job, old, "while its clip was rendered")
        row = ReleaseEdit(
            job_id=job.id, actor=actor, started_at=releases.now(),
            output_sha256=outputs["output"]["sha256"], output_size=outputs["output"]["size"],
            record_sha256=outputs["record"]["sha256"], record_size=outputs["record"]["size"],
        )  # fmt: skip
        s.add(row)
        s.flush()
        return row.id


def _sweep(releases: Releases, job_id: int) -> None:
    """Delete the job's other edit rows, and the bytes only they name: once an edit has
    committed, every other edit row of the job is stale. One left by a kill is swept here; one
    whose edit still runs was rendered from the outputs just replaced, so its commit will be
    refused and it deletes what it stored itself (its row gone meanwhile is no matter)."""
    with releases.vault.readers() as s:
        left = s.execute(
            select(ReleaseEdit.id, ReleaseEdit.output_sha256, ReleaseEdit.record_sha256).where(
                ReleaseEdit.job_id == job_id
            )
        ).all()
    if not left:
        return
    ids = [row[0] for row in left]
    releases.discard_outputs([h for row in left for h in row[1:]], but_edits=ids)
    with releases.vault.sessions.begin() as s:
        s.execute(delete(ReleaseEdit).where(ReleaseEdit.id.in_(ids)))


def _forget(releases: Releases, edit_id: int) -> None:
    with releases.vault.sessions.begin() as s:
        s.execute(delete(ReleaseEdit).where(ReleaseEdit.id == edit_id))


def _commit(
    releases: Releases,
    job: ReleaseJob,
    edit_id: int,
    old: tuple[str | None, str | None],
    outputs: dict[str, dict[str, Any]],
    review: dict[str, Any],
    actor: str,
    address: str | None,
) -> None:
    with releases.vault.writing() as log:
        s = log.session
        row = _current(s, job, old, "while its clip was rendered")
        row.output_sha256, row.output_size = outputs["output"]["sha256"], outputs["output"]["size"]
        row.record_sha256, row.record_size = outputs["record"]["sha256"], outputs["record"]["size"]
        s.execute(
            update(ReleaseEdit)
            .where(ReleaseEdit.id == edit_id)
            .values(
                output_sha256=old[0], output_size=job.output_size,
                record_sha256=old[1], record_size=job.record_size,
            )
        )  # fmt: skip
        log.append(
            Action.REDACTION_MADE,
            actor=actor,
            item=job.item_id,
            details={
                "request": job.request_id,
                "job": job.id,
                "run": job.run,
                "review": review,
                "file": {"name": job.source_name, "sha256": job.source_sha256},
                "replaces": {"output": old[0], "record": old[1]},
                **outputs,
            },
            source=address,
        )
