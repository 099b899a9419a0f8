"""Disposition over the vault (issue 14, point 4): the schedule in force, a dry run that changes
nothing, and a run that deletes only what no hold, open case or kept file protects, each file's
``dispose`` entry keeping its SHA-256 so that ``verify`` still holds."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from memory_store import MemoryStore
from onrecord.cli.app import app
from onrecord.database.vault import VaultEntry, VaultFile, VaultHold
from onrecord.vault import disposition
from onrecord.vault.canonical import parse_entry
from onrecord.vault.errors import VaultError
from onrecord.vault.log import Action
from onrecord.vault.retention import load_schedule
from onrecord.vault.service import Vault
from vault_service_support import START, make_clip, make_vault, new_item

MINNESOTA = load_schedule("minnesota-13.825")  # 90 days by default, a year for a firearm discharge
LATER = START + timedelta(days=120)


def _hold(vault: Vault, item: str, reason: str = "litigation hold") -> None:
    """A legal hold on ``item`` as the console places one: its entry and its row together."""
    with vault.writing() as log:
        idx = log.append(
            Action.HOLD_PLACED,
            actor="custodian",
            item=item,
            source=None,
            details={"reason": reason},
        )
        log.session.add(
            VaultHold(
                item_id=item,
                reason=reason,
                placed_by="custodian",
                placed_at=START,
                placed_entry=idx,
            )
        )


@pytest.fixture
def items(fleet_url: str, tmp_path: Path) -> tuple[Vault, MemoryStore, dict[str, str]]:
    """Six items ended on 1 December 2026: plain, plain sharing its bytes with a held one, a
    firearm discharge, held, in an open case, and the held twin."""
    store = MemoryStore()
    vault = make_vault(fleet_url, tmp_path / "keys", store)
    made = {
        name: vault.ingest(new_item(store, data, key=name, **more), actor="a", address=None).item_id
        for name, data, more in (
            ("plain", b"plain bytes", {}),
            ("shared", b"twin bytes", {}),
            ("firearm", b"firearm bytes", {"categories": ("firearm_discharge",)}),
            ("held", b"held bytes", {}),
            ("case", b"case bytes", {"case_ids": ("C-2026-17",)}),
            ("twin", b"twin bytes", {}),
        )
    }
    _hold(vault, made["held"])
    _hold(vault, made["twin"])
    disposition.use_schedule(vault, MINNESOTA, actor="custodian", address=None)
    return vault, store, made


def test_no_schedule_in_force_is_a_clear_error(vault: Vault) -> None:
    with pytest.raises(VaultError, match="vault retention use"):
        disposition.schedule_in_force(vault)


def test_the_schedule_in_force_is_its_text_with_an_entry(items: tuple) -> None:
    vault, _, _ = items
    assert disposition.schedule_in_force(vault).text == MINNESOTA.text
    with vault.readers() as s:
        last = s.scalars(select(VaultEntry).order_by(VaultEntry.idx.desc())).first()
    assert last is not None and last.action == "retention changed"
    assert parse_entry(last.body)["details"]["schedule"] == "minnesota-13.825"


def test_a_dry_run_decides_and_changes_nothing(items: tuple) -> None:
    vault, store, made = items
    size = _last_entry(vault)
    run = disposition.dispose(
        vault, MINNESOTA, actor="custodian", address=None, now=LATER, dry_run=True
    )
    assert sorted(d.item_id for d in run.eligible) == sorted([made["plain"], made["shared"]])
    assert run.disposed_files == 0 and len(store.blobs) == 5  # the twins share one blob
    assert _last_entry(vault) == size


def test_before_ninety_days_nothing_goes(items: tuple) -> None:
    vault, _, _ = items
    run = disposition.dispose(
        vault, MINNESOTA, actor="c", address=None, now=START + timedelta(days=80)
    )
    assert run.eligible == [] and run.disposed_files == 0


def test_disposition_deletes_only_what_nothing_protects(items: tuple) -> None:
    vault, store, made = items
    run = disposition.dispose(vault, MINNESOTA, actor="custodian", address=None, now=LATER)
    assert run.disposed_files == 2
    assert run.deleted_blobs == 1  # "shared"'s bytes stay: the held twin keeps them
    plain_sha = _files(vault, made["plain"])[0].sha256
    assert store.size(plain_sha) is None
    assert store.size(_files(vault, made["shared"])[0].sha256) is not None
    for name in ("firearm", "held", "case", "twin"):
        assert not any(f.disposed for f in _files(vault, made[name])), name
    # each dispose entry keeps the file's name, SHA-256 and size; the file row points at it
    f = _files(vault, made["plain"])[0]
    with vault.readers() as s:
        entry = parse_entry(s.get(VaultEntry, f.disposed_entry).body)
    assert entry["action"] == "dispose" and entry["item"] == made["plain"]
    assert entry["details"]["sha256"] == plain_sha and entry["details"]["size"] == 11
    assert vault.verify() == []
    # a second run finds nothing more to do
    again = disposition.dispose(vault, MINNESOTA, actor="custodian", address=None, now=LATER)
    assert again.disposed_files == 0 and again.deleted_blobs == 0


def test_a_year_later_the_firearm_clip_goes_but_never_the_held_one(items: tuple) -> None:
    vault, _, made = items
    run = disposition.dispose(
        vault, MINNESOTA, actor="c", address=None, now=datetime(2028, 1, 1, tzinfo=START.tzinfo)
    )
    gone = {d.item_id for d in run.eligible}
    assert made["firearm"] in gone
    assert not gone & {made["held"], made["twin"], made["case"]}
    assert vault.verify() == []


def test_bytes_left_by_a_stopped_run_are_deleted_by_the_next(items: tuple) -> None:
    vault, store, made = items
    sha = _files(vault, made["plain"])[0].sha256
    original = disposition._delete_unkept
    disposition._delete_unkept = lambda vault, hashes: 0  # stopped before deleting bytes
    try:
        disposition.dispose(vault, MINNESOTA, actor="c", address=None, now=LATER)
    finally:
        disposition._delete_unkept = original
    assert store.size(sha) is not None
    assert any("disposed kept" in p or sha in p for p in vault.verify())
    run = disposition.dispose(vault, MINNESOTA, actor="c", address=None, now=LATER)
    assert run.disposed_files == 0 and run.deleted_blobs == 1 and store.size(sha) is None
    assert vault.verify() == []


def _last_entry(vault: Vault) -> int | None:
    with vault.readers() as s:
        return s.scalar(select(VaultEntry.idx).order_by(VaultEntry.idx.desc()))


def _files(vault: Vault, item: str) -> list[VaultFile]:
    with vault.readers() as s:
        return list(s.scalars(select(VaultFile).where(VaultFile.item_id == item)))


def test_the_commands_on_a_real_folder_store(tmp_path: Path) -> None:
    """init, ingest, verify, retention use, dispose --dry-run, rotate-keys and bundle through
    the command line, with the encrypted folder store and key files on disk."""
    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 'v.db'}"
    clip = make_clip(tmp_path / "a.mp4")

    def run(*args: str) -> str:
        result = runner.invoke(app, ["vault", *args], terminal_width=200)
        assert result.exit_code == 0, result.output
        return result.output

    keys, store = tmp_path / "keys", tmp_path / "store"
    run("init", "--db", url, "--store", str(store), "--origin", "v.test/x", "--keys", str(keys))
    assert "ingested as V-2026-000001" in run("ingest", "--db", url, str(clip), "--officer", "7",
                                              "--camera", "C1")  # fmt: skip
    assert clip.read_bytes() not in b"".join(
        p.read_bytes() for p in store.rglob("*") if p.is_file()
    )
    assert "verifies" in run("verify", "--db", url)
    run("retention", "use", "minnesota-13.825", "--db", url)
    assert "would be disposed of" in run("dispose", "--db", url, "--dry-run")
    assert "rewrapped" in run("rotate-keys", "--db", url)
    assert "verifies" in run("verify", "--db", url)
    run("bundle", "--db", url, "V-2026-000001", "--out", str(tmp_path / "bundle"))
    assert (tmp_path / "bundle" / "files").is_dir()
    missing = runner.invoke(app, ["vault", "dispose", "--db", f"sqlite:///{tmp_path / 'no.db'}"])
    assert missing.exit_code == 2 and "Traceback" not in missing.output
