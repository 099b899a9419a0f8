"""Twenty ingests at once, on SQLite and PostgreSQL: appends queue on the log's head, so entry
indexes stay contiguous and vault ids distinct; twenty deliveries of one recording make one item
and one entry; and the log verifies afterwards."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from onrecord.database.vault import VaultEntry, VaultItem, VaultLogHead
from onrecord.vault.items import IngestResult
from onrecord.vault.service import Vault
from vault_service_support import new_item

CLIENTS = 20


def indexes(vault: Vault) -> list[int]:
    with vault.readers() as s:
        return list(s.scalars(select(VaultEntry.idx).order_by(VaultEntry.idx)))


def test_twenty_distinct_ingests_at_once(vault: Vault) -> None:
    items = [new_item(vault.store, f"clip {i}".encode(), key=f"rec-{i}") for i in range(CLIENTS)]
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(lambda it: vault.ingest(it, actor="axis", address=None), items))
    assert all(r.created for r in results)
    assert sorted(r.item_id for r in results) == [f"V-2026-{n:06d}" for n in range(1, CLIENTS + 1)]
    assert indexes(vault) == list(range(CLIENTS + 1))
    with vault.readers() as s:
        assert s.scalar(select(VaultLogHead.size)) == CLIENTS + 1
        by_entry = sorted(s.execute(select(VaultItem.ingest_entry, VaultItem.external_key)).all())
    assert [e for e, _ in by_entry] == list(range(1, CLIENTS + 1))
    assert vault.latest_checkpoint().size == CLIENTS + 1
    assert vault.verify() == []


def test_twenty_deliveries_of_one_recording_at_once(vault: Vault) -> None:
    item = new_item(vault.store, b"the same clip", key="rec-1")

    def deliver(_: int) -> IngestResult:
        return vault.ingest(item, actor="axis", address=None)

    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(deliver, range(CLIENTS)))
    assert sum(r.created for r in results) == 1
    assert {r.item_id for r in results} == {"V-2026-000001"}
    assert indexes(vault) == [0, 1]
    assert vault.verify() == []


def test_ingests_and_other_entries_interleave_without_gaps(vault: Vault) -> None:
    items = [new_item(vault.store, f"clip {i}".encode(), key=f"rec-{i}") for i in range(10)]

    def work(i: int) -> None:
        if i % 2:
            vault.ingest(items[i // 2], actor="axis", address=None)
        else:
            vault.record("view", actor=f"user{i}", address=None, item=None, details={})

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(work, range(CLIENTS)))
    assert indexes(vault) == list(range(CLIENTS + 1))
    vault.checkpoint()
    assert vault.verify() == []
