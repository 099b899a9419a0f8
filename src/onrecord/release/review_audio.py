"""A reviewer's mutes on a redacted clip under review: the clip's audio drawn as a waveform
(peaks computed from the original for those who may see it, else from the redacted clip, whose
muted ranges are then flat), and the mutes set anew. The clip is then written with its video
packets copied from the current redacted clip (the covered frames do not change) and only the
audio encoded again (``onrecord.redaction.remute``: the same file a whole render gives).
"""

from __future__ import annotations

import tempfile
import threading
from collections import OrderedDict
from fractions import Fraction
from pathlib import Path

from onrecord import redaction
from onrecord.redaction import INPUT_ERRORS, RedactionRecord, Waveform
from onrecord.release.errors import ReleaseError
from onrecord.release.jobs import workspace
from onrecord.release.review import Edit, Reviewed, apply, ms, under_review
from onrecord.release.service import Releases

PARTS = 400
"""How many peaks a waveform has: about one for each pixel it is drawn with."""


def waveform(
    releases: Releases, request_id: str, job_id: int, *, original: bool
) -> Waveform | None:
    """The job's audio as peaks (``PARTS`` of them), from its original (``original``) or its
    redacted clip; None for a clip without audio."""
    job = under_review(releases, request_id, job_id)
    sha256 = job.source_sha256 if original else job.output_sha256 or ""
    return _peaks(releases, sha256, job.source_name)


_KEPT: OrderedDict[str, Waveform | None] = OrderedDict()
_KEEPING = threading.Lock()  # the console's pages run in threads
KEEP = 32
"""How many clips' peaks are kept in memory."""


def _peaks(releases: Releases, sha256: str, name: str) -> Waveform | None:
    """Peaks by the clip's SHA-256 (its bytes never change): computed once, not at every page."""
    with _KEEPING:
        if sha256 in _KEPT:
            _KEPT.move_to_end(sha256)
            return _KEPT[sha256]
    with tempfile.TemporaryDirectory(prefix="onrecord-waveform-") as tmp:
        clip, _ = workspace(releases, Path(tmp), sha256, name)
        try:
            found = redaction.loudness(clip, PARTS)
        except INPUT_ERRORS as e:
            raise ReleaseError(str(e).replace(str(clip), name)) from None
    with _KEEPING:
        _KEPT[sha256] = found
        while len(_KEPT) > KEEP:
            _KEPT.popitem(last=False)
    return found


def set_mutes(
    releases: Releases,
    request_id: str,
    job_id: int,
    mutes: tuple[tuple[float, float], ...],
    *,
    actor: str,
    address: str | None = None,
) -> Reviewed:
    """Silence ``mutes`` (seconds, in place of the ranges muted before) in the job's clip;
    ``ReleaseError`` for a clip without audio, ranges that overlap or end after the clip."""

    def change(_: Path, record: RedactionRecord) -> RedactionRecord:
        if not record.video.audio:
            raise ReleaseError("this clip has no audio track: there is nothing to mute")
        seconds = float(record.video.frames / Fraction(record.video.fps))
        return record.model_copy(update={"mutes": redaction.check_mutes(mutes, seconds)})

    def render(
        source: Path, record: RedactionRecord, target: Path, previous: Path
    ) -> RedactionRecord:
        return redaction.remute(source, previous, record, target)

    review = {"mutes_ms": [[ms(a), ms(b)] for a, b in sorted(mutes)]}
    return apply(
        releases, request_id, job_id, Edit(review, change, render), actor=actor, address=address
    )
