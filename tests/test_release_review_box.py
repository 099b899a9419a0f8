"""A reviewer's box on a clip under review (``release.review_box``): the clip is rendered again
with it covered, the job names the new outputs and a ``redaction made`` entry says what was
drawn; a frame shown for drawing is a ``view`` entry of the source item; a box or a time the
clip does not allow is refused with what to do."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from onrecord.redaction import Drawn
from onrecord.release.errors import ReleaseError
from onrecord.release.review import record_of, under_review
from onrecord.release.review_box import add_box, frame
from onrecord.release.service import Releases, output_names
from onrecord.vault.verify import verify_vault
from release_support import entries
from review_support import frame0, in_review


@pytest.fixture
def review(tmp_path: Path) -> Iterator[tuple[Releases, str, int, str]]:
    made = in_review(tmp_path)
    yield made
    made[0].vault.engine.dispose()


def test_a_drawn_box_is_covered_and_logged(
    review: tuple[Releases, str, int, str], tmp_path: Path
) -> None:
    releases, rid, job_id, item = review
    [before] = releases.jobs(rid)
    plain = frame0(releases, before.output_sha256 or "", tmp_path)
    drawn = Drawn(0.0, 28, 28, 16, 16, follow=False, until=0.5, label="screen")
    made = add_box(releases, rid, job_id, drawn, actor="rita", address="10.0.0.9")
    sign, screen = made.record.tracks
    assert sign.label == "sign"
    assert (screen.id, screen.label, [b[0] for b in screen.boxes]) == (2, "screen", list(range(6)))
    assert record_of(releases, rid, job_id).tracks == made.record.tracks
    [after] = releases.jobs(rid)
    covered = frame0(releases, after.output_sha256 or "", tmp_path)
    changed = np.abs(covered - plain) > 12
    assert changed[28:44, 28:44].mean() > 0.5 > 0.15 > changed[:24, 24:].mean()
    last = entries(releases.vault, item)[-1]
    assert (last["action"], last["actor"]) == ("redaction made", "rita")
    assert last["details"]["review"]["box"] == {
        "at_ms": 0, "x": 28, "y": 28, "w": 16, "h": 16, "follow": False, "until_ms": 500,
        "track": None, "label": "screen",
    }  # fmt: skip
    assert verify_vault(releases.vault.engine, releases.vault.store, tmp_path / "keys") == []


def test_a_frame_shown_is_a_view_of_the_item(review: tuple[Releases, str, int, str]) -> None:
    releases, rid, job_id, item = review
    [job] = releases.jobs(rid)
    shown = frame(releases, rid, job_id, 0.3, original=False, actor="rita", address="10.0.0.9")
    assert (shown.frame, shown.width, shown.height) == (3, 48, 48)
    seen = entries(releases.vault, item)[-1]
    assert (seen["action"], seen["actor"]) == ("view", "rita")
    assert seen["details"] == {
        "file": output_names(job.source_name)[0], "sha256": job.output_sha256,
        "request": rid, "redaction_job": job_id, "frame": 3, "at_ms": 300, "redacted": True,
    }  # fmt: skip
    original = frame(releases, rid, job_id, 0.3, original=True, actor="rita")
    assert original.frame == 3
    seen = entries(releases.vault, item)[-1]
    source = under_review(releases, rid, job_id).source_sha256
    assert (seen["details"]["sha256"], seen["details"]["redacted"]) == (source, False)


@pytest.mark.parametrize(
    ("drawn", "message"),
    [
        (Drawn(0.0, 40, 40, 16, 16, follow=True), "reaches outside the 48×48 frame"),
        (Drawn(9.0, 0, 0, 16, 16, follow=True), "9 s is past the clip's last frame"),
    ],
)
def test_a_box_the_clip_does_not_allow_is_refused(
    review: tuple[Releases, str, int, str], drawn: Drawn, message: str
) -> None:
    releases, rid, job_id, _ = review
    with pytest.raises(ReleaseError, match=message):
        add_box(releases, rid, job_id, drawn, actor="rita")
    with pytest.raises(ReleaseError, match="past the clip's last frame"):
        frame(releases, rid, job_id, 2.5, original=False, actor="rita")
