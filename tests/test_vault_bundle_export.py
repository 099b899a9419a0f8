"""Bundles written by the vault: exactly the contract's folder, accepted by the standalone
verifier (as a script too), carrying the record of their own export; a tampered bundle is
refused; bad requests change nothing but the log of the failure."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import update

from memory_store import MemoryStore
from onrecord.database.vault import VaultFile
from onrecord.vault import verify_bundle
from onrecord.vault.checkpoint import verify_checkpoint
from onrecord.vault.errors import VaultError
from onrecord.vault.items import FileRole
from onrecord.vault.log import Action
from onrecord.vault.service import Vault
from vault_service_support import make_vault, new_item, put

CLIP_A, TRACK_A, CLIP_B = b"clip A: video bytes", b"gnss track of A", b"clip B"
VERIFIER = Path(verify_bundle.__file__)


@pytest.fixture
def busy(vault: Vault) -> Vault:
    """Entries 0-5: vault created, ingest A (clip and track), a view of A, ingest B, a refused
    download of A, a view of B."""
    store = vault.store
    files = (put(store, CLIP_A, "clip-1.mp4"), put(store, TRACK_A, "t.gpx", FileRole.GNSS))
    vault.ingest(new_item(store, CLIP_A, key="a", files=files), actor="axis", address=None)
    vault.record("view", actor="sgt.ruiz", address="10.1.2.3", item="V-2026-000001", details={})
    vault.ingest(new_item(store, CLIP_B, key="b"), actor="axis", address=None)
    vault.record_failure(
        "download", actor="ofc.lee", address="10.1.2.4", item="V-2026-000001", details={}
    )
    vault.record("view", actor="sgt.ruiz", address="10.1.2.3", item="V-2026-000002", details={})
    return vault


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\n")[:-1]


def test_a_bundle_of_one_item(busy: Vault, tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    written = busy.bundle(["V-2026-000001"], out, actor="clerk", address="10.9.9.9")
    assert sorted(p.name for p in out.iterdir()) == [
        "README", "checkpoint", "entries.jsonl", "files", "proofs.jsonl", "vkey",
    ]  # fmt: skip
    assert verify_bundle.verify(out) == []
    entries = [json.loads(line) for line in lines(out / "entries.jsonl")]
    assert [(e["index"], e["action"]) for e in entries] == [
        (1, "ingest"), (2, "view"), (4, "download"), (6, "bundle exported"),
    ]  # fmt: skip
    assert entries[-1]["details"] == {"items": ["V-2026-000001"], "files": 2}
    assert (entries[-1]["actor"], entries[-1]["source"]) == ("clerk", "10.9.9.9")
    checkpoint = verify_checkpoint((out / "checkpoint").read_text(), busy.vkey)
    assert checkpoint.size == 7 == written.tree_size  # the export's own entry is inside
    proofs = [json.loads(line) for line in lines(out / "proofs.jsonl")]
    assert [p["index"] for p in proofs] == [1, 2, 4, 6]
    assert all(p["tree_size"] == 7 for p in proofs)
    assert proofs[0]["inclusion"] == [base64.b64encode(h).decode() for h in busy.prove(1).inclusion]
    assert (out / "vkey").read_text() == busy.vkey + "\n"
    assert sorted(p.name for p in (out / "files").iterdir()) == sorted(
        f.sha256 for f in (put(busy.store, CLIP_A), put(busy.store, TRACK_A))
    )
    readme = (out / "README").read_text()
    assert "V-2026-000001: officer 1234, camera B8A44F000001" in readme
    assert busy.vkey in readme and "python verify_bundle.py THIS_FOLDER" in readme
    assert (written.entries, written.files) == (4, 2)
    script = subprocess.run(
        [sys.executable, str(VERIFIER), str(out)], capture_output=True, text=True
    )
    assert script.returncode == 0, script.stdout
    assert busy.verify() == []


def test_a_bundle_of_two_items_and_a_disposed_file(busy: Vault, tmp_path: Path) -> None:
    store: MemoryStore = busy.store  # type: ignore[assignment]
    track = put(store, TRACK_A).sha256
    with busy.writing() as log:
        index = log.append(
            Action.DISPOSE,
            actor="custodian",
            item="V-2026-000001",
            details={"name": "t.gpx", "sha256": track, "size": len(TRACK_A)},
            source=None,
        )
        log.session.execute(
            update(VaultFile)
            .where(VaultFile.sha256 == track)
            .values(disposed=True, disposed_entry=index)
        )
    del store.blobs[track]
    out = tmp_path / "b2"
    written = busy.bundle(["V-2026-000002", "V-2026-000001", "V-2026-000002"], out, actor="c")
    assert written.items == ["V-2026-000002", "V-2026-000001"]
    assert verify_bundle.verify(out) == []
    indexes = [json.loads(line)["index"] for line in lines(out / "entries.jsonl")]
    assert indexes == [1, 2, 3, 4, 5, 6, 7, 8]  # everything but vault created
    assert len(list((out / "files").iterdir())) == 2
    assert "t.gpx  15 bytes" in (out / "README").read_text()
    assert "(deleted by disposition: not included)" in (out / "README").read_text()


@pytest.mark.parametrize("damage", ["file byte", "entry edited", "lines swapped", "checkpoint"])
def test_a_tampered_bundle_fails_the_standalone_verifier(
    busy: Vault, tmp_path: Path, damage: str
) -> None:
    out = tmp_path / "bundle"
    busy.bundle(["V-2026-000001"], out, actor="clerk")
    if damage == "file byte":
        target = next((out / "files").iterdir())
        data = bytearray(target.read_bytes())
        data[0] ^= 0x20
        target.write_bytes(bytes(data))
    elif damage == "entry edited":
        text = (out / "entries.jsonl").read_bytes().replace(b"sgt.ruiz", b"sgt.rulz")
        (out / "entries.jsonl").write_bytes(text)
    elif damage == "lines swapped":
        entries = lines(out / "entries.jsonl")
        entries[1], entries[2] = entries[2], entries[1]
        (out / "entries.jsonl").write_bytes(b"".join(e + b"\n" for e in entries))
    else:
        other = make_vault(f"sqlite:///{tmp_path / 'o.db'}", tmp_path / "other-keys")
        (out / "checkpoint").write_text(other.latest_checkpoint().note)
    problems = verify_bundle.verify(out)
    assert problems
    script = subprocess.run([sys.executable, str(VERIFIER), str(out)], capture_output=True)
    assert script.returncode == 1


def test_bad_requests_and_a_damaged_blob(busy: Vault, tmp_path: Path) -> None:
    with pytest.raises(VaultError, match="no item V-2026-000009 in this vault"):
        busy.bundle(["V-2026-000001", "V-2026-000009"], tmp_path / "x", actor="c")
    (tmp_path / "taken").mkdir()
    with pytest.raises(VaultError, match="already exists; give a new folder"):
        busy.bundle(["V-2026-000001"], tmp_path / "taken", actor="c")
    size = busy.entries(limit=100)[-1].index + 1
    store: MemoryStore = busy.store  # type: ignore[assignment]
    sha = put(store, CLIP_B).sha256
    store.blobs[sha] = b"not clip B"
    with pytest.raises(VaultError, match=f"blob {sha} in the store no longer has that SHA-256"):
        busy.bundle(["V-2026-000002"], tmp_path / "y", actor="c")
    assert not (tmp_path / "y").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no work folder
    failure = json.loads(busy.entries(start=size)[0].body)
    assert (failure["action"], failure["outcome"], failure["index"]) == (
        "bundle exported",
        "failure",
        size,
    )
    assert "no longer has that SHA-256" in failure["details"]["reason"]
