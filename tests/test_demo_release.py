"""``scripts/demo_release.py`` (``make demo``): one demo clip requested, redacted by the real
engine and released, with the released item, its redaction record and custody entries in the
vault; a second run changes nothing."""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import select

from onrecord.database.vault import VaultFile, VaultItem
from onrecord.redaction import RedactionRecord
from onrecord.release.deadline import load_rule
from onrecord.release.service import Releases
from onrecord.release.status import Status
from onrecord.vault.verify import verify_vault
from release_support import entries, ingest_clip, make_vault

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "demo_release.py"
T0 = datetime(2020, 3, 2, 14, 0, tzinfo=UTC)


def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo_release", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["demo_release"] = module
    spec.loader.exec_module(module)
    return module


def test_the_demo_releases_one_redacted_clip(tmp_path: Path, capsys: Any) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    vault = make_vault(url, tmp_path)
    clips = tmp_path / "clips"
    first = ingest_clip(vault, clips, officer="1001", start=T0, seed=1)
    ingest_clip(vault, clips, officer="1001", start=T0 + timedelta(hours=2), seed=2)
    ingest_clip(vault, clips, officer="1002", start=T0, camera="CAM-2", seed=3)

    assert script().main(["--db", url, "--keys", str(tmp_path / "keys")]) == 0
    said = capsys.readouterr().out
    releases = Releases(vault)
    [request] = releases.requests()
    assert request.id in said and f"/requests/{request.id}" in said
    assert request.status is Status.RELEASED and request.rule_name == "massachusetts-66-10"
    detail = releases.request(request.id)
    assert [c.item_id for c in detail.candidates if c.taken] == [first]  # that clip alone
    [job] = detail.jobs
    assert (job.status, job.item_id) == ("done", first) and job.release_item_id

    with vault.readers() as s:
        released = s.get(VaultItem, job.release_item_id)
        assert released is not None and released.source == "release"
        assert (released.officer_id, released.source_metadata["source_item"]) == ("1001", first)
        files = s.scalars(select(VaultFile).where(VaultFile.item_id == released.id)).all()
    record_file = next(f for f in files if f.name.endswith(".redaction.json"))
    assert record_file.sha256 == job.record_sha256
    record = RedactionRecord.model_validate_json(b"".join(vault.store.read(record_file.sha256)))
    clip = next(f for f in files if f.name.endswith(".redacted.mp4"))
    assert record.output is not None and record.output.sha256 == clip.sha256
    assert record.detectors and "centerface" in record.detectors[0].name.lower()
    actions = [e["action"] for e in entries(vault, first)]
    assert "redaction made" in actions and "release published" in actions
    assert [e["action"] for e in entries(vault, released.id)][:1] == ["ingest"]
    assert verify_vault(vault.engine, vault.store, tmp_path / "keys") == []

    # Again: the released request is found, nothing new is made.
    again = script().release_demo(vault)
    assert (again.request_id, again.release_item, again.already) == (
        request.id,
        job.release_item_id,
        True,
    )
    assert len(releases.requests()) == 1


def test_received_today_or_in_the_last_year_the_rule_covers() -> None:
    rule = load_rule("massachusetts-66-10")
    module = script()
    assert module.received_on(rule, datetime(2026, 12, 2, 3, 0, tzinfo=UTC)) == date(2026, 12, 1)
    last = max(rule.holiday_years)
    late = datetime(last + 3, 6, 1, 12, 0, tzinfo=UTC)
    assert module.received_on(rule, late) == date(last, 12, 1)


def test_an_empty_vault_is_a_message(tmp_path: Path, capsys: Any) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    make_vault(url, tmp_path)
    assert script().main(["--db", url, "--keys", str(tmp_path / "keys")]) == 2
    assert "holds no clip; run scripts/demo_vault.py first" in json.dumps(capsys.readouterr().err)
