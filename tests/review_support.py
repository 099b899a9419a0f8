"""A request in review whose one clip the engine redacted with a reviewer's box, for the tests
of ``release.review`` and its edits."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import av
import numpy as np

from onrecord.release import jobs
from onrecord.release.deadline import load_rule
from onrecord.release.matching import Filters
from onrecord.release.queue import InProcessQueue
from onrecord.release.redactor import DEFAULT_REDACTOR, RedactionChoices, resolve
from onrecord.release.service import NewRequest, Releases
from redaction_support import make_clip
from release_support import ingest_clip, make_vault

T0 = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
BOXES = """boxes:
  - label: sign
    keyframes:
      - {frame: 0, x: 4, y: 4, w: 16, h: 16}
      - {frame: 19, x: 24, y: 24, w: 16, h: 16}
"""


def in_review(tmp_path: Path, audio: bool = False) -> tuple[Releases, str, int, str]:
    """A request in review whose one clip (48×48, 20 frames at 10 a second; with ``audio``,
    64×48 with a tone) was redacted by the engine with one reviewer's box (a manual track);
    returns the releases, the request, the job and the source item."""
    vault = make_vault(f"sqlite:///{tmp_path / 'v.db'}", tmp_path)
    if audio:
        (tmp_path / "clips").mkdir()
        clip = make_clip(tmp_path / "clips" / "tone.mp4", width=64, height=48, frames=20, fps=10)
        [done] = vault.ingest_files(
            [clip.path], officer="1234", camera="CAM-1", start=T0,
            end=T0 + timedelta(minutes=5), actor="clerk",
        )  # fmt: skip
        item = done.item_id
    else:
        item = ingest_clip(vault, tmp_path / "clips", officer="1234", start=T0, seed=1)
    releases = Releases(vault)
    rid = releases.log_request(
        NewRequest("Jane Roe", date(2026, 11, 30), "the stop", None, Filters(("1234",))),
        load_rule("massachusetts-66-10"),
        actor="clerk",
    ).id
    releases.propose(rid)
    releases.take(rid, None, actor="clerk")
    choices = RedactionChoices(faces=False, boxes=BOXES)
    planned = releases.plan_redaction(rid, choices, actor="clerk")
    queue = InProcessQueue(jobs.Setup(releases, resolve(DEFAULT_REDACTOR), "test"), 1)
    releases.set_queue_ids(queue.submit(planned))
    queue.close()
    [job] = releases.jobs(rid)
    assert job.status == "done", job.error
    return releases, rid, job.id, item


def frame0(releases: Releases, sha256: str, tmp_path: Path) -> np.ndarray:
    path = tmp_path / f"{sha256}.mp4"
    path.write_bytes(b"".join(releases.vault.store.read(sha256)))
    with av.open(str(path)) as media:
        first = next(media.decode(video=0))
        return np.asarray(first.to_ndarray(format="gray"), dtype=np.int16)
