"""A reviewer's decision on a track of a redacted clip (``release.review``): the clip is
rendered again from its original with that track rejected (or accepted again), the job names
the new outputs, a ``redaction made`` entry says what was decided, the old outputs leave the
store, and the release carries the decided record. Refused outside review and for unknown
tracks or jobs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from onrecord.release.errors import ReleaseError
from onrecord.release.review import decide_track, record_of
from onrecord.release.service import Releases
from onrecord.release.status import Status
from onrecord.vault.verify import verify_vault
from release_support import entries
from review_support import frame0, in_review


@pytest.fixture
def review(tmp_path: Path) -> Iterator[tuple[Releases, str, int, str]]:
    made = in_review(tmp_path)
    yield made
    made[0].vault.engine.dispose()


def test_rejecting_a_track_renders_the_clip_without_it(
    review: tuple[Releases, str, int, str], tmp_path: Path
) -> None:
    releases, rid, job_id, item = review
    [track] = record_of(releases, rid, job_id).tracks
    assert (track.kind, track.accepted, track.label) == ("manual", True, "sign")
    [before] = releases.jobs(rid)
    blurred = frame0(releases, before.output_sha256 or "", tmp_path)

    made = decide_track(releases, rid, job_id, track.id, False, actor="rita", address="10.0.0.9")
    [after] = releases.jobs(rid)
    assert [t.accepted for t in made.record.tracks] == [False]
    assert [t.accepted for t in record_of(releases, rid, job_id).tracks] == [False]
    assert after.output_sha256 != before.output_sha256
    assert after.record_sha256 != before.record_sha256
    assert made.record.output is not None and made.record.output.sha256 == after.output_sha256
    # The box's region is no longer blurred: the frame differs there far more than elsewhere
    # (where only the encoder's noise differs).
    plain = frame0(releases, after.output_sha256 or "", tmp_path)
    changed = np.abs(plain - blurred) > 12
    assert changed[4:20, 4:20].mean() > 0.5 > 0.15 > changed[36:, 36:].mean()
    # Logged on the source item, by the reviewer; the old outputs are gone from the store.
    last = entries(releases.vault, item)[-1]
    assert (last["action"], last["actor"]) == ("redaction made", "rita")
    assert last["details"]["review"] == {"track": track.id, "accepted": False}
    assert last["details"]["output"]["sha256"] == after.output_sha256
    assert releases.vault.store.size(before.output_sha256 or "") is None
    assert releases.vault.store.size(before.record_sha256 or "") is None
    assert verify_vault(releases.vault.engine, releases.vault.store, tmp_path / "keys") == []

    # Accepted again: covered as at first (the same render of the same record).
    again = decide_track(releases, rid, job_id, track.id, True, actor="rita")
    assert [t.accepted for t in again.record.tracks] == [True]
    [third] = releases.jobs(rid)
    assert third.output_sha256 == before.output_sha256

    # The release carries the record as decided; after it, nothing can be decided.
    decide_track(releases, rid, job_id, track.id, False, actor="rita")
    releases.approve(rid, actor="rita")
    assert releases.request(rid).request.status is Status.RELEASED
    assert verify_vault(releases.vault.engine, releases.vault.store, tmp_path / "keys") == []
    with pytest.raises(ReleaseError, match="not the one under review"):
        decide_track(releases, rid, job_id, track.id, True, actor="rita")


def test_unknown_tracks_and_jobs_are_refused(review: tuple[Releases, str, int, str]) -> None:
    releases, rid, job_id, _ = review
    with pytest.raises(ReleaseError, match="has no track 99"):
        decide_track(releases, rid, job_id, 99, False, actor="rita")
    with pytest.raises(ReleaseError, match="no finished redaction 77"):
        decide_track(releases, rid, 77, 1, False, actor="rita")
    with pytest.raises(ReleaseError, match="no finished redaction"):
        record_of(releases, "R-2026-0999", job_id)
