"""The vault's custody log in the database, worked by hand: what ``init`` and an ingest write
(entry bytes, leaves, stored subtrees, signed checkpoints), idempotent retries, vault ids,
failures, checkpoints on demand and proofs; each on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest
from sqlalchemy import func, select

from memory_store import MemoryStore
from onrecord.database.vault import (
    VaultCase,
    VaultCheckpoint,
    VaultEntry,
    VaultFile,
    VaultItem,
    VaultItemCase,
    VaultItemCategory,
    VaultLogHead,
    VaultNode,
)
from onrecord.vault import setup
from onrecord.vault.checkpoint import verify_checkpoint
from onrecord.vault.errors import IngestConflict, VaultError
from onrecord.vault.log import LogWriter
from onrecord.vault.merkle import (
    MerkleTree,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from onrecord.vault.service import Vault
from onrecord.vault.signing import SIGNING_KEY, VKEY
from vault_service_support import ORIGIN, START, Clock, make_vault, new_item, store_wired


def bodies(vault: Vault) -> list[bytes]:
    with vault.readers() as s:
        return list(s.scalars(select(VaultEntry.body).order_by(VaultEntry.idx)))


def count(vault: Vault, table: type) -> int:
    with vault.readers() as s:
        return s.scalar(select(func.count()).select_from(table)) or 0


def test_init_and_an_ingest_by_hand(fleet_url: str, tmp_path: Path) -> None:
    store = MemoryStore()
    vault = make_vault(fleet_url, tmp_path / "keys", store, clock=lambda: START)
    first = (
        '{"action":"vault created","actor":"system","details":{"origin":"vault.example.org/test",'
        f'"store":"memory:","vkey":"{vault.vkey}"}},"index":0,"item":null,"outcome":"success",'
        '"source":null,"time":"2026-12-01T14:00:00.000000Z"}'
    ).encode()
    assert bodies(vault) == [first]
    assert vault.latest_checkpoint().size == 1

    item = new_item(store, b"twenty-two bytes of it", key="rec-1", categories=("use of force",))
    result = vault.ingest(item, actor="axis:system-1", address="10.0.0.5")
    assert (result.item_id, result.created) == ("V-2026-000001", True)
    sha = hashlib.sha256(b"twenty-two bytes of it").hexdigest()
    second = (
        '{"action":"ingest","actor":"axis:system-1","details":{"camera":"B8A44F000001",'
        '"cases":[],"categories":["use of force"],"end":"2026-12-01T14:05:00.000000Z",'
        '"external_key":"rec-1","files":[{"name":"clip-1.mp4","sha256":"' + sha + '","size":22}],'
        '"metadata":{},"officer":"1234","received_via":"axis",'
        '"start":"2026-12-01T14:00:00.000000Z","time_zone":null,"trigger_off":null,'
        '"trigger_on":null},"index":1,"item":"V-2026-000001","outcome":"success",'
        '"source":"10.0.0.5","time":"2026-12-01T14:00:00.000000Z"}'
    ).encode()
    assert bodies(vault) == [first, second]

    l0, l1 = hashlib.sha256(b"\x00" + first).digest(), hashlib.sha256(b"\x00" + second).digest()
    root = hashlib.sha256(b"\x01" + l0 + l1).digest()
    with vault.readers() as s:
        assert list(s.scalars(select(VaultEntry.leaf).order_by(VaultEntry.idx))) == [l0, l1]
        assert s.execute(select(VaultNode.level, VaultNode.position, VaultNode.hash)).all() == [
            (1, 0, root)
        ]
        assert s.scalar(select(VaultLogHead.size)) == 2
        cps = s.execute(select(VaultCheckpoint.size, VaultCheckpoint.root)).all()
        row = s.get(VaultItem, "V-2026-000001")
        assert row is not None
        assert (row.officer_id, row.start, row.ingest_entry) == ("1234", START, 1)
        assert s.execute(select(VaultFile.name, VaultFile.sha256, VaultFile.size)).all() == [
            ("clip-1.mp4", sha, 22)
        ]
        assert s.scalars(select(VaultItemCategory.category)).all() == ["use of force"]
    assert cps == [(1, l0), (2, root)]
    cp = vault.latest_checkpoint()
    assert verify_checkpoint(cp.note, vault.vkey).root == root
    assert cp.note.startswith(f"{ORIGIN}\n2\n")


def test_the_stored_nodes_are_every_complete_subtree(vault: Vault) -> None:
    for i in range(12):
        vault.record("view", actor="sgt.ruiz", address=None, item=None, details={"n": i})
    leaves = [leaf_hash(b) for b in bodies(vault)]
    tree = MerkleTree(leaves)
    expected = {
        (level, p, tree._stored(level, p))
        for level in range(1, 5)
        for p in range(len(leaves) >> level)
    }
    with vault.readers() as s:
        rows = s.execute(select(VaultNode.level, VaultNode.position, VaultNode.hash))
        stored = {(level, p, h) for level, p, h in rows}
    assert len(leaves) == 13 and stored == expected
    assert vault.checkpoint().root == tree.root()


def test_a_retry_returns_the_item_and_writes_nothing(vault: Vault) -> None:
    item = new_item(vault.store, b"clip", key="rec-7")
    first = vault.ingest(item, actor="axis", address=None)
    again = vault.ingest(item, actor="axis", address=None)
    assert first.created and not again.created and again.item_id == first.item_id
    assert count(vault, VaultItem) == 1 and count(vault, VaultEntry) == 2
    # the same files listed in another order are the same recording
    two = new_item(vault.store, b"a", b"b", key="rec-8")
    made = vault.ingest(two, actor="axis", address=None)
    swapped = new_item(vault.store, b"a", b"b", key="rec-8", files=two.files[::-1])
    assert vault.ingest(swapped, actor="axis", address=None) == made.__class__(made.item_id, False)
    # no key: every ingest is a new item
    loose = new_item(vault.store, b"clip")
    assert vault.ingest(loose, actor="u", address=None).item_id != first.item_id


def test_a_key_reused_with_other_files_is_a_conflict(vault: Vault) -> None:
    vault.ingest(new_item(vault.store, b"clip", key="rec-7"), actor="axis", address=None)
    other = new_item(vault.store, b"another clip", key="rec-7")
    with pytest.raises(
        IngestConflict, match="axis recording 'rec-7' is already item V-2026-000001"
    ):
        vault.ingest(other, actor="axis", address=None)
    assert count(vault, VaultItem) == 1 and count(vault, VaultEntry) == 2


def test_vault_ids_count_each_year_from_one(fleet_url: str, tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 12, 31, 23, 59, 50, tzinfo=UTC))
    vault = make_vault(fleet_url, tmp_path / "keys", clock=clock)
    ids = [vault.ingest(new_item(vault.store, b"x"), actor="u", address=None).item_id]
    ids.append(vault.ingest(new_item(vault.store, b"y"), actor="u", address=None).item_id)
    clock.now = datetime(2027, 1, 1, tzinfo=UTC)
    ids.append(vault.ingest(new_item(vault.store, b"z"), actor="u", address=None).item_id)
    assert ids == ["V-2026-000001", "V-2026-000002", "V-2027-000001"]


def test_an_ingest_is_all_or_nothing(vault: Vault) -> None:
    item = new_item(vault.store, b"clip", key="rec-1", case_ids=("CASE-9",))
    with (
        mock.patch.object(LogWriter, "checkpoint", side_effect=RuntimeError("power cut")),
        pytest.raises(RuntimeError),
    ):
        vault.ingest(item, actor="axis", address=None)
    assert [count(vault, t) for t in (VaultItem, VaultFile, VaultCase, VaultEntry)] == [0, 0, 0, 1]
    with vault.readers() as s:
        assert s.scalar(select(VaultLogHead.size)) == 1
    assert vault.ingest(item, actor="axis", address=None).created  # the retry completes it
    with vault.readers() as s:
        assert s.execute(select(VaultItemCase.case_id, VaultCase.status).join(VaultCase)).all() == [
            ("CASE-9", "open")
        ]


def test_items_that_cannot_be_recorded_are_refused_and_nothing_is_written(vault: Vault) -> None:
    item = new_item(vault.store, b"clip")
    del vault.store.blobs[item.files[0].sha256]  # type: ignore[attr-defined]
    with pytest.raises(VaultError, match="is not in the blob store; store its bytes"):
        vault.ingest(item, actor="u", address=None)
    bad = [
        (new_item(vault.store, b"c", officer_id=""), "officer id ''"),
        (new_item(vault.store, b"c", end=START - timedelta(seconds=1)), "ends .* before it starts"),
        (new_item(vault.store, b"c", start=START.replace(tzinfo=None)), "no time zone"),
        (new_item(vault.store, b"c", categories=("x" * 101,)), "category"),
    ]
    for wrong, message in bad:
        with pytest.raises(VaultError, match=message):
            vault.ingest(wrong, actor="u", address=None)
    assert count(vault, VaultEntry) == 1


def test_failures_are_entries_and_actions_come_from_the_vocabulary(vault: Vault) -> None:
    index = vault.record_failure(
        "ingest", actor="axis", address="10.0.0.9", item=None, details={"reason": "unknown user"}
    )
    assert index == 1
    assert b'"outcome":"failure"' in bodies(vault)[1]
    with pytest.raises(VaultError, match="'peek' is not a custody-log action; the actions are"):
        vault.record_failure("peek", actor="x", address=None, item=None, details={})
    with pytest.raises(VaultError, match="floating-point"):
        vault.record("view", actor="x", address=None, item=None, details={"seconds": 1.5})
    assert count(vault, VaultEntry) == 2


def test_a_checkpoint_on_demand_only_when_the_log_grew(vault: Vault) -> None:
    latest = vault.latest_checkpoint()
    again = vault.checkpoint()
    assert (again.size, again.new, again.note) == (latest.size, False, latest.note)
    vault.record("view", actor="x", address=None, item=None, details={})
    made = vault.checkpoint()
    assert made.new and made.size == 2 and count(vault, VaultCheckpoint) == 2


def test_proofs_come_from_the_stored_tree(vault: Vault) -> None:
    for i in range(20):
        vault.record("view", actor="x", address=None, item=None, details={"n": i})
    cp = vault.checkpoint()
    tree = MerkleTree(leaf_hash(b) for b in bodies(vault))
    proof = vault.prove(13, from_size=7)
    assert proof.inclusion == tree.inclusion_proof(13) and proof.tree_size == 21
    assert proof.consistency == tree.consistency_proof(7) and proof.old_root == tree.root(7)
    assert verify_inclusion(leaf_hash(proof.entry), 13, 21, proof.inclusion, cp.root)
    assert verify_consistency(7, 21, tree.root(7), cp.root, proof.consistency)
    vault.record("view", actor="x", address=None, item=None, details={})
    with pytest.raises(VaultError, match="entry 21 is not in the latest checkpoint"):
        vault.prove(21)
    with pytest.raises(VaultError, match="--from-size 22: give a size from 1 to 21"):
        vault.prove(3, from_size=22)


def test_init_refuses_a_second_vault_a_used_keys_folder_and_a_bad_origin(
    vault: Vault, tmp_path: Path
) -> None:
    url = vault.engine.url.render_as_string(hide_password=False)
    with store_wired(MemoryStore()):
        with pytest.raises(VaultError, match=r"already holds the vault .vault\.example\.org/test."):
            setup.init_vault(url, store_location="m", origin="other", keys=tmp_path / "k2")
        assert not (tmp_path / "k2").exists()  # checked before anything is made
        with pytest.raises(VaultError, match="already exists; give --keys a new folder"):
            setup.init_vault(
                f"sqlite:///{tmp_path / 'new.db'}",
                store_location="m",
                origin="o",
                keys=tmp_path / "keys",
            )
        with pytest.raises(VaultError, match="no spaces or '\\+'"):
            setup.init_vault(
                f"sqlite:///{tmp_path / 'new.db'}",
                store_location="m",
                origin="a b",
                keys=tmp_path / "k3",
            )


def test_the_keys_folder_holds_an_owner_only_signing_key(vault: Vault) -> None:
    key = vault.keys / SIGNING_KEY
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(vault.keys.stat().st_mode) == 0o700
    assert key.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert (vault.keys / VKEY).read_text() == vault.vkey + "\n"
    with vault.readers() as s:
        assert s.scalar(select(func.count()).select_from(VaultEntry)) == 1
    # the database knows where the folder is, never what is in it
    assert str(vault.keys) == vault.settings.keys_folder
    assert key.read_text() not in repr(vault.settings.__dict__)


def test_a_vault_whose_signing_key_was_swapped_refuses_to_sign(
    vault: Vault, tmp_path: Path
) -> None:
    other = make_vault(f"sqlite:///{tmp_path / 'other.db'}", tmp_path / "other-keys")
    (vault.keys / SIGNING_KEY).write_bytes((other.keys / SIGNING_KEY).read_bytes())
    fresh = Vault(vault.engine, vault.store, vault.settings)
    with pytest.raises(VaultError, match="is not the key of this vault"):
        fresh.checkpoint()
