"""A reviewer's box on a redacted clip under review: a frame shown (the original to those who
may see it, else the redacted clip), a box drawn on it, and the clip rendered again with the
box as a new manual track or as the new box of a track from that frame
(``onrecord.redaction.edits``: only the frames the box covers are looked at, no detector runs).

Seeing a frame is a read of the footage: each one is a ``view`` entry on the source item,
naming the clip (original or redacted), the frame and its time.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from onrecord import redaction
from onrecord.redaction import INPUT_ERRORS, Drawn, RedactionRecord, Still
from onrecord.release.errors import ReleaseError
from onrecord.release.jobs import workspace
from onrecord.release.review import Edit, Reviewed, apply, ms, stored_record, under_review
from onrecord.release.service import Releases, output_names
from onrecord.vault.log import Action


def add_box(
    releases: Releases,
    request_id: str,
    job_id: int,
    drawn: Drawn,
    *,
    actor: str,
    address: str | None = None,
) -> Reviewed:
    """Add ``drawn`` to the job's redaction (or adjust the track it names) and render the clip
    again; ``ReleaseError`` with what to do for a box or time the clip does not allow."""

    def change(source: Path, record: RedactionRecord) -> RedactionRecord:
        return redaction.with_box(source, record, drawn)

    until = None if drawn.until is None else ms(drawn.until)
    review = {
        "box": {"at_ms": ms(drawn.at), "x": drawn.x, "y": drawn.y, "w": drawn.w, "h": drawn.h,
                "follow": drawn.follow, "until_ms": until, "track": drawn.track,
                "label": drawn.label},
    }  # fmt: skip
    return apply(releases, request_id, job_id, Edit(review, change), actor=actor, address=address)


def frame(
    releases: Releases,
    request_id: str,
    job_id: int,
    seconds: float,
    *,
    original: bool,
    actor: str,
    address: str | None = None,
) -> Still:
    """The frame shown at ``seconds`` in the job's original (``original``) or redacted clip, as
    a picture, logged as a ``view`` of the source item; ``ReleaseError`` for a time past the
    clip's end or a job not under review."""
    job = under_review(releases, request_id, job_id)
    record = stored_record(releases, job.record_sha256)
    sha256 = job.source_sha256 if original else job.output_sha256 or ""
    name = job.source_name if original else output_names(job.source_name)[0]
    with tempfile.TemporaryDirectory(prefix="onrecord-frame-") as tmp:
        clip, _ = workspace(releases, Path(tmp), sha256, name)
        try:
            shown = redaction.still(clip, record, seconds)
        except INPUT_ERRORS as e:
            raise ReleaseError(str(e).replace(str(clip), name)) from None
    releases.vault.record(
        Action.VIEW.value,
        actor=actor,
        address=address,
        item=job.item_id,
        details={
            "file": name, "sha256": sha256, "request": request_id, "redaction_job": job.id,
            "frame": shown.frame, "at_ms": ms(shown.seconds), "redacted": not original,
        },
    )  # fmt: skip
    return shown
