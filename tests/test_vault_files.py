"""Ingesting local files (a dock or upload folder): recording times read from the media with
PyAV, one item per file, a refused file logged, a repeated file giving its item."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from onrecord.database.vault import VaultFile, VaultItem
from onrecord.vault.errors import VaultError
from onrecord.vault.media import MediaError, read_times, recording_span
from onrecord.vault.service import Vault
from vault_service_support import make_clip

CREATED = datetime(2026, 12, 1, 14, 3, 7, tzinfo=UTC)


def test_times_from_the_media(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "a.mp4", "2026-12-01T14:03:07Z", frames=15)
    assert read_times(clip) == (CREATED, timedelta(seconds=1.5))
    assert recording_span(clip, None, None) == (CREATED, CREATED + timedelta(seconds=1.5))
    later = CREATED + timedelta(hours=1)
    assert recording_span(clip, later, None) == (later, later + timedelta(seconds=1.5))
    assert recording_span(clip, None, later) == (CREATED, later)


def test_media_without_times_and_files_that_are_not_media(tmp_path: Path) -> None:
    for created in (None, "1970-01-01T00:00:00Z", "1904-01-01T00:00:00Z"):
        clip = make_clip(tmp_path / "b.mp4", created)
        assert read_times(clip)[0] is None
        with pytest.raises(MediaError, match="gives no recording time; give --start"):
            recording_span(clip, None, None)
    text = tmp_path / "notes.txt"
    text.write_text("not a video")
    with pytest.raises(MediaError, match="not readable as audio or video"):
        recording_span(text, None, None)
    given = (CREATED, CREATED + timedelta(minutes=1))
    assert recording_span(text, *given) == given  # given times need no media


def test_ingest_files_one_item_each_then_a_checkpoint(vault: Vault, tmp_path: Path) -> None:
    a = make_clip(tmp_path / "a.mp4", "2026-12-01T14:03:07Z")
    b = make_clip(tmp_path / "b.mp4", "2026-12-01T15:00:00Z", frames=20)
    results = vault.ingest_files(
        [a, b], officer="1234", camera="CAM-9", categories=["traffic stop"], actor="clerk"
    )
    assert [(r.item_id, r.created) for r in results] == [
        ("V-2026-000001", True),
        ("V-2026-000002", True),
    ]
    with vault.readers() as s:
        items = s.execute(
            select(VaultItem.source, VaultItem.external_key, VaultItem.start, VaultItem.end)
        ).all()
        files = s.execute(select(VaultFile.name, VaultFile.media_type, VaultFile.sha256)).all()
    sha_a = hashlib.sha256(a.read_bytes()).hexdigest()
    assert items[0] == ("folder", f"CAM-9/{sha_a}", CREATED, CREATED + timedelta(seconds=1.5))
    assert files[0] == ("a.mp4", "video/mp4", sha_a)
    assert vault.latest_checkpoint().size == 3  # one checkpoint after the batch
    again = vault.ingest_files([a], officer="1234", camera="CAM-9", actor="clerk")
    assert (again[0].item_id, again[0].created) == ("V-2026-000001", False)
    assert vault.verify() == []


def test_a_file_without_times_is_refused_logged_and_nothing_is_ingested(
    vault: Vault, tmp_path: Path
) -> None:
    good = make_clip(tmp_path / "good.mp4")
    bad = make_clip(tmp_path / "bad.mp4", None)
    with pytest.raises(VaultError, match=r"bad\.mp4: its media gives no recording time"):
        vault.ingest_files([good, bad], officer="1", camera="C", actor="clerk")
    entries = [json.loads(e.body) for e in vault.entries()]
    assert [(e["action"], e["outcome"]) for e in entries] == [
        ("vault created", "success"),
        ("ingest", "failure"),
    ]
    assert entries[1]["details"]["file"] == "bad.mp4"
    start = datetime(2026, 12, 1, 9, tzinfo=UTC)
    done = vault.ingest_files(
        [bad], officer="1", camera="C", start=start, end=start + timedelta(minutes=2), actor="c"
    )
    assert done[0].created


def test_ingest_files_bad_requests(vault: Vault, tmp_path: Path) -> None:
    a, b = make_clip(tmp_path / "a.mp4"), make_clip(tmp_path / "b.mp4")
    with pytest.raises(VaultError, match="--start and --end describe one recording"):
        vault.ingest_files([a, b], officer="1", camera="C", start=CREATED, actor="c")
    with pytest.raises(VaultError, match=r"missing\.mp4: no such file"):
        vault.ingest_files([tmp_path / "missing.mp4"], officer="1", camera="C", actor="c")
    assert len(vault.entries()) == 1
