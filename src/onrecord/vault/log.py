"""The custody log in the database: appending entries, signing checkpoints, reading proofs.

An append happens inside the caller's transaction, after the log's head row is locked (SQLite's
write transactions hold the whole database; PostgreSQL locks the row ``FOR UPDATE``), so
concurrent writers queue there, indexes are contiguous, and an entry commits or vanishes with
the rows it describes. Each append stores the entry's bytes and leaf hash and the hash of every
complete subtree the leaf closes (``merkle.Frontier``); any tree head or proof is then computed
from the O(log n) stored subtrees it needs, fetched in two queries (``stored_tree``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import and_, event, insert, or_, select, update
from sqlalchemy.orm import Session

from onrecord.database.vault import VaultCheckpoint, VaultEntry, VaultLogHead, VaultNode
from onrecord.vault.canonical import CanonicalError, entry_bytes
from onrecord.vault.checkpoint import sign_checkpoint
from onrecord.vault.errors import VaultError
from onrecord.vault.merkle import HASH_SIZE, Frontier, SubtreeHashes, leaf_hash

T = TypeVar("T")
IN_CHUNK = 500
"""Keys per ``IN (...)`` list: well under every database's limit on bound parameters."""


class Action(StrEnum):
    """The fixed vocabulary of custody-log actions (docs/vault.md lists what each records)."""

    VAULT_CREATED = "vault created"
    INGEST = "ingest"
    VIEW = "view"
    PLAY = "play"
    DOWNLOAD = "download"
    SHARE_CREATED = "share created"
    SHARE_USED = "share used"
    SHARE_REVOKED = "share revoked"
    CATEGORY_SET = "category set"
    CASE_SET = "case set"
    HOLD_PLACED = "hold placed"
    HOLD_RELEASED = "hold released"
    RETENTION_CHANGED = "retention changed"
    BUNDLE_EXPORTED = "bundle exported"
    REDACTION_MADE = "redaction made"
    RELEASE_PUBLISHED = "release published"
    DISPOSE = "dispose"


def action(name: str) -> Action:
    """``name`` as an action of the vocabulary, or a ``VaultError`` listing the vocabulary."""
    try:
        return Action(name)
    except ValueError:
        known = ", ".join(repr(a.value) for a in Action)
        raise VaultError(f"{name!r} is not a custody-log action; the actions are {known}") from None


def rfc3339(at: datetime) -> str:
    """An instant as the log writes it: UTC, microseconds, ``Z``."""
    if at.tzinfo is None:
        raise VaultError(f"{at} has no time zone; the log records absolute instants")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Signer:
    """What signs checkpoints: the vault's origin (also the key's name) and its private key."""

    origin: str
    private_key: bytes


class LogWriter:
    """Appends to the custody log within one transaction, which it begins by locking the head.

    Entries and nodes are written in batches (``FLUSH_AT``, and whatever is left when the
    session commits), so a run that appends many entries pays for few statements; nothing
    reads them back before the commit."""

    FLUSH_AT = 1000

    def __init__(self, session: Session, clock: Callable[[], datetime]) -> None:
        size = session.scalar(
            select(VaultLogHead.size).where(VaultLogHead.id == 1).with_for_update()
        )
        if size is None:
            raise VaultError("this database holds no vault; create one with `onrecord vault init`")
        self.session, self.clock = session, clock
        self._size = self._stored_size = size
        self._frontier: Frontier | None = None
        self._entries: list[dict[str, Any]] = []
        self._nodes: list[dict[str, Any]] = []
        self.last_time: datetime | None = None
        """The time of the latest entry this writer appended."""
        event.listen(session, "before_commit", lambda _: self.flush())

    @property
    def size(self) -> int:
        return self._size

    def frontier(self) -> Frontier:
        if self._frontier is None:
            wanted = Frontier.covering(self._stored_size)
            hashes = fetch_subtrees(self.session, wanted)
            self._frontier = Frontier(self._stored_size, [hashes[k] for k in wanted])
        return self._frontier

    def append(
        self,
        what: Action,
        *,
        actor: str,
        item: str | None,
        details: Mapping[str, Any],
        source: str | None,
        outcome: str = "success",
    ) -> int:
        """Append one entry and the subtrees its leaf closes; returns its index."""
        frontier = self.frontier()
        index, now = self._size, self.clock()
        entry = {
            "index": index,
            "time": rfc3339(now),
            "actor": actor,
            "action": what.value,
            "outcome": outcome,
            "item": item,
            "details": dict(details),
            "source": source,
        }
        try:
            body = entry_bytes(entry)
        except CanonicalError as e:
            raise VaultError(f"the {what.value!r} entry cannot be logged: {e}") from None
        leaf = leaf_hash(body)
        self._entries.append(
            {"idx": index, "time": now, "action": what.value, "item_id": item, "body": body,
             "leaf": leaf}
        )  # fmt: skip
        self._nodes += ({"level": v, "position": p, "hash": h} for v, p, h in frontier.append(leaf))
        self._size = index + 1
        self.last_time = now
        if len(self._entries) >= self.FLUSH_AT:
            self.flush()
        return index

    def flush(self) -> None:
        """Write the entries and nodes appended so far, and the head's new size."""
        if self._entries:
            self.session.execute(insert(VaultEntry), self._entries)
            self._entries = []
        if self._nodes:
            self.session.execute(insert(VaultNode), self._nodes)
            self._nodes = []
        if self._size != self._stored_size:
            self.session.execute(
                update(VaultLogHead).where(VaultLogHead.id == 1).values(size=self._size)
            )
            self._stored_size = self._size

    def checkpoint(self, signer: Signer) -> tuple[VaultCheckpoint, bool]:
        """The checkpoint of the log as it now stands, signed and stored unless one of this size
        exists already; and whether it was made now."""
        existing = self.session.get(VaultCheckpoint, self.size)
        if existing is not None:
            return existing, False
        root = self.frontier().root()
        note = sign_checkpoint(signer.origin, self.size, root, signer.private_key)
        made = VaultCheckpoint(size=self.size, root=root, note=note, made_at=self.clock())
        self.session.add(made)
        self.session.flush()
        return made, True


def fetch_subtrees(
    session: Session, keys: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], bytes]:
    """The stored hashes of the complete subtrees ``keys`` names, as (level, position): leaves
    from the entries, the rest from ``vault_nodes``. A missing one is a damaged log."""
    wanted = set(keys)
    leaves = sorted(p for v, p in wanted if v == 0)
    nodes = sorted(k for k in wanted if k[0] > 0)
    found: dict[tuple[int, int], bytes] = {}
    for i in range(0, len(leaves), IN_CHUNK):
        leaf_rows = session.execute(
            select(VaultEntry.idx, VaultEntry.leaf).where(
                VaultEntry.idx.in_(leaves[i : i + IN_CHUNK])
            )
        )
        found.update(((0, idx), leaf) for idx, leaf in leaf_rows)
    for i in range(0, len(nodes), IN_CHUNK):
        by_level: dict[int, list[int]] = {}
        for level, position in nodes[i : i + IN_CHUNK]:
            by_level.setdefault(level, []).append(position)
        # One primary-key lookup per level (SQLite scans the table for a row-value IN list).
        node_rows = session.execute(
            select(VaultNode.level, VaultNode.position, VaultNode.hash).where(
                or_(
                    *(
                        and_(VaultNode.level == level, VaultNode.position.in_(positions))
                        for level, positions in by_level.items()
                    )
                )
            )
        )
        found.update(((level, position), h) for level, position, h in node_rows)
    missing = sorted(wanted - found.keys())
    if missing:
        level, position = missing[0]
        what = f"entry {position}" if level == 0 else f"tree node ({level}, {position})"
        raise VaultError(
            f"the custody log's {what} is missing from the database ({len(missing)} stored "
            "hashes missing); run `onrecord vault verify` and restore the database from a backup"
        )
    return found


class _Lookup(SubtreeHashes):
    """A tree of ``size`` leaves over a map of stored subtree hashes; without one, it records
    which hashes an algorithm asks for (the algorithms' reads depend only on sizes and
    indexes, never on hash values, so a dry run names exactly what to fetch)."""

    def __init__(self, size: int, hashes: Mapping[tuple[int, int], bytes] | None) -> None:
        self._size, self._hashes = size, hashes
        self.asked: set[tuple[int, int]] = set()

    @property
    def size(self) -> int:
        return self._size

    def _stored(self, level: int, i: int) -> bytes:
        if self._hashes is None:
            self.asked.add((level, i))
            return bytes(HASH_SIZE)
        return self._hashes[(level, i)]


def stored_tree(session: Session, size: int, compute: Callable[[SubtreeHashes], T]) -> T:
    """``compute`` run over the database's tree of ``size`` leaves: a dry run finds the stored
    hashes it needs, one fetch reads them, and the real run uses them."""
    dry = _Lookup(size, None)
    compute(dry)
    return compute(_Lookup(size, fetch_subtrees(session, dry.asked)))
