"""A reviewer's mutes on a clip under review (``release.review_audio``): the waveform's peaks
from the original (or the redacted clip), the mutes set anew with the clip's video packets
copied (the frames as they were) and only its audio encoded again, a ``redaction made`` entry
naming the ranges; ranges that overlap or pass the clip's end, and a clip without audio, are
refused with what to do."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from onrecord.release.errors import ReleaseError
from onrecord.release.review import record_of
from onrecord.release.review_audio import set_mutes, waveform
from onrecord.vault.verify import verify_vault
from release_support import entries
from review_support import in_review


def _video_packets(data: bytes, tmp_path: Path) -> list[bytes]:
    path = tmp_path / "clip.mp4"
    path.write_bytes(data)
    with av.open(str(path)) as media:
        return [bytes(p) for p in media.demux(video=0) if p.size]


def test_mutes_set_on_the_waveform(tmp_path: Path) -> None:
    releases, rid, job_id, item = in_review(tmp_path, audio=True)
    shown = waveform(releases, rid, job_id, original=True)
    assert shown is not None and len(shown.peaks) == 400 and max(shown.peaks) > 0.25
    [before] = releases.jobs(rid)
    read = releases.vault.store.read
    old = _video_packets(b"".join(read(before.output_sha256 or "")), tmp_path)
    made = set_mutes(releases, rid, job_id, ((1.0, 1.5), (0.2, 0.4)), actor="rita")
    assert made.record.mutes == ((0.2, 0.4), (1.0, 1.5))
    assert record_of(releases, rid, job_id).mutes == made.record.mutes
    [after] = releases.jobs(rid)
    new = _video_packets(b"".join(read(after.output_sha256 or "")), tmp_path)
    assert old == new and after.output_sha256 != before.output_sha256
    redacted = waveform(releases, rid, job_id, original=False)
    assert redacted is not None  # muted: the redacted clip's peaks are flat there
    part = redacted.seconds / len(redacted.peaks)
    assert max(redacted.peaks[round(0.25 / part) : round(0.35 / part)]) < 0.01
    last = entries(releases.vault, item)[-1]
    assert last["details"]["review"] == {"mutes_ms": [[200, 400], [1000, 1500]]}
    assert verify_vault(releases.vault.engine, releases.vault.store, tmp_path / "keys") == []
    with pytest.raises(ReleaseError, match="overlap: make them one range"):
        set_mutes(releases, rid, job_id, ((0.2, 0.6), (0.5, 0.9)), actor="rita")
    with pytest.raises(ReleaseError, match="ends after the clip"):
        set_mutes(releases, rid, job_id, ((1.0, 9.0),), actor="rita")
    releases.vault.engine.dispose()


def test_a_clip_without_audio_has_no_waveform(tmp_path: Path) -> None:
    releases, rid, job_id, _ = in_review(tmp_path)
    assert waveform(releases, rid, job_id, original=True) is None
    with pytest.raises(ReleaseError, match="no audio track: there is nothing to mute"):
        set_mutes(releases, rid, job_id, ((0.2, 0.4),), actor="rita")
    releases.vault.engine.dispose()
