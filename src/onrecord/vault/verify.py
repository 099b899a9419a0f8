"""``onrecord vault verify``: re-derive everything the vault vouches for from the entries' bytes
and the stored files, and name every disagreement.

One pass over the custody log, a batch of entries at a time (bounded memory however long the
log): each entry's bytes are checked to be canonical and in their place (their ``index``, the
copies in their row's columns), hashed into their leaf, and appended to a ``merkle.Frontier``,
which names each complete subtree the leaf closes, to be compared with the stored node, and gives
the root at each checkpoint's size, to be compared with the checkpoint's signed root. An ingest
entry is compared with its item's rows. Then every file an item still keeps is re-hashed through
the blob store, and every blob in the store must belong to an item.

A snapshot is read throughout (PostgreSQL: repeatable read; SQLite: one read transaction), so a
vault in use is verified as it stood when the run began.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, and_, case, func, or_, select

from onrecord.database import connection as db
from onrecord.database.axis import AxisContainer, AxisObject
from onrecord.database.release import ReleaseEdit, ReleaseJob
from onrecord.database.vault import (
    VaultCheckpoint,
    VaultEntry,
    VaultFile,
    VaultItem,
    VaultLogHead,
    VaultNode,
    VaultSettings,
)
from onrecord.vault.canonical import CanonicalError, parse_entry
from onrecord.vault.checkpoint import CheckpointError, parse_vkey, verify_checkpoint
from onrecord.vault.merkle import Frontier, leaf_hash
from onrecord.vault.signing import VKEY
from onrecord.vault.store import BlobStore, StoreError

Progress = Callable[[str, int, int | None], None]
"""Told (phase, done, total or None) as the work goes: the CLI draws a progress bar."""

BATCH = 2000
"""Entries (and store hashes) read at a time."""
SHOWN = 20
"""Problems of one kind listed in full; the rest are counted."""


class Problems:
    """The problems found, listed up to ``SHOWN`` of each kind, then counted, so that a badly
    damaged log gives a readable report in bounded memory."""

    def __init__(self) -> None:
        self.listed: list[str] = []
        self.seen: Counter[str] = Counter()

    def add(self, kind: str, message: str) -> None:
        self.seen[kind] += 1
        if self.seen[kind] <= SHOWN:
            self.listed.append(message)

    def report(self) -> list[str]:
        more = [
            f"… and {n - SHOWN:,} more problems of this kind: {kind}"
            for kind, n in self.seen.items()
            if n > SHOWN
        ]
        return self.listed + more


def verify_vault(
    engine: Engine, store: BlobStore, keys: Path, progress: Progress | None = None
) -> list[str]:
    """Every problem found (see the module); an empty list when everything holds."""
    tell = progress or (lambda phase, done, total: None)
    problems = Problems()
    snapshot = engine.execution_options(**db.READ_ONLY)
    if engine.dialect.name == "postgresql":
        snapshot = snapshot.execution_options(isolation_level="REPEATABLE READ")
    with snapshot.connect() as con, con.begin():
        settings = con.execute(select(VaultSettings.origin, VaultSettings.vkey)).first()
        vkey = None
        if settings is None:
            problems.add("key", "the vault's settings row (vault_settings) is missing")
        else:
            vkey = _check_key(settings.origin, settings.vkey, keys, problems)
        size = con.scalar(select(VaultLogHead.size).where(VaultLogHead.id == 1))
        if size is None:
            problems.add("head", "the log's head row (vault_log_head) is missing")
            size = con.scalar(select(func.coalesce(func.max(VaultEntry.idx) + 1, 0))) or 0
        _check_log(con, size, vkey, problems, tell)
        _check_items(con, problems)
        _check_files(con, store, problems, tell)
        _check_store(con, store, problems, tell)
    return problems.report()


def _check_key(origin: str, vkey: str, keys: Path, problems: Problems) -> str | None:
    """The verifier key line checkpoints are checked against, or None if it is unusable."""
    try:
        name = parse_vkey(vkey).name
    except CheckpointError as e:
        problems.add("key", f"the vault's verifier key in vault_settings is unusable: {e}")
        return None
    if name != origin:
        problems.add("key", f"the verifier key's name {name!r} is not the vault's origin")
    published = keys / VKEY
    try:
        on_file = published.read_text(encoding="utf-8").strip()
    except OSError:
        return vkey  # another machine: the database's copy is all there is
    if on_file != vkey:
        problems.add(
            "key",
            f"the verifier key in the database differs from {published} "
            "(one of them was replaced; checkpoints are checked against the database's)",
        )
    return vkey


def _pages(con: Connection, query: Any, key: Any, start: Any) -> Iterator[Any]:
    """Rows of ``query`` in ``key`` order, read ``BATCH`` at a time by key (keyset paging)."""
    last = start
    while True:
        rows = con.execute(query.where(key > last).order_by(key).limit(BATCH)).all()
        yield from rows
        if len(rows) < BATCH:
            return
        last = rows[-1][0]


class _Checkpoints:
    """The stored checkpoints in size order, checked as the recomputed tree reaches each size."""

    def __init__(self, con: Connection, vkey: str | None, problems: Problems) -> None:
        query = select(
            VaultCheckpoint.size, VaultCheckpoint.root, VaultCheckpoint.note
        ).select_from(VaultCheckpoint)
        self._rows = _pages(con, query, VaultCheckpoint.size, -1)
        self._next = next(self._rows, None)
        self.vkey, self.problems = vkey, problems

    def reach(self, frontier: Frontier) -> None:
        while self._next is not None and self._next.size <= frontier.size:
            size, root, note = self._next
            if size == frontier.size:
                self._check(size, root, note, frontier.root())
            self._next = next(self._rows, None)

    def _check(self, size: int, root: bytes, note: str, computed: bytes) -> None:
        where = f"checkpoint of size {size}"
        if self.vkey is not None:
            try:
                signed = verify_checkpoint(note, self.vkey)
            except CheckpointError as e:
                self.problems.add("checkpoint signature", f"{where}: {e} (it was replaced?)")
                return
            if (signed.size, signed.root) != (size, root):
                self.problems.add(
                    "checkpoint row", f"{where}: its signed note says size {signed.size} "
                    "and another root than its row"
                )  # fmt: skip
                return
        if root != computed:
            self.problems.add(
                "checkpoint root",
                f"{where}: its root is not the root of the log's first {size} entries "
                "(an entry before it was changed, or the checkpoint was replaced)",
            )

    def beyond(self, size: int) -> None:
        while self._next is not None:
            self.problems.add(
                "checkpoint beyond",
                f"checkpoint of size {self._next.size}: the log holds only {size} entries "
                "(entries were deleted)",
            )
            self._next = next(self._rows, None)


def _check_log(
    con: Connection, size: int, vkey: str | None, problems: Problems, tell: Progress
) -> None:
    frontier = Frontier()
    checkpoints = _Checkpoints(con, vkey, problems)
    checkpoints.reach(frontier)  # a checkpoint of the empty log, if any
    for start in range(0, size, BATCH):
        end = min(start + BATCH, size)
        rows = {
            r.idx: r
            for r in con.execute(
                select(VaultEntry).where(VaultEntry.idx >= start, VaultEntry.idx < end)
            )
        }
        nodes = _nodes_closed(con, start, end)
        ingests: dict[int, tuple[str, dict[str, Any]]] = {}
        for i in range(start, end):
            row = rows.get(i)
            if row is None:
                problems.add("entry missing", f"entry {i} is missing (deleted from the log)")
                leaf = bytes(32)
            else:
                leaf = leaf_hash(row.body)
                entry = _check_entry(i, row, leaf, problems)
                if entry is not None and entry["action"] == "ingest" and entry["item"]:
                    ingests[i] = (entry["item"], entry)
            for level, position, h in frontier.append(leaf):
                stored = nodes.get((level, position))
                if stored != h:
                    state = "is missing" if stored is None else "differs from the entries' hash"
                    problems.add(
                        "tree node", f"tree node (level {level}, position {position}) {state}"
                    )
            checkpoints.reach(frontier)
        _check_ingests(con, ingests, problems)
        tell("custody log", end, size)
    checkpoints.beyond(size)
    extra = con.scalar(select(func.count()).select_from(VaultEntry).where(VaultEntry.idx >= size))
    if extra:
        problems.add(
            "entry beyond",
            f"{extra} entries at or past index {size}, beyond the log's head (size {size}): "
            "added by hand, or the head row was changed",
        )
    for level, count in con.execute(
        select(VaultNode.level, func.count()).group_by(VaultNode.level)
    ):
        if level < 1 or count > size >> level:
            problems.add(
                "tree node",
                f"tree nodes at level {level}: {count} stored, {size >> level if level >= 1 else 0}"
                " expected (nodes of deleted entries, or added by hand)",
            )


def _nodes_closed(con: Connection, start: int, end: int) -> dict[tuple[int, int], bytes]:
    """The stored nodes the leaves ``[start, end)`` close: at level h, the positions p with
    start ≤ (p + 1)·2^h − 1 < end."""
    ranges = []
    level = 1
    while 1 << level <= end:
        lo, hi = ((start + (1 << level)) >> level) - 1, (end >> level) - 1
        if lo <= hi:
            ranges.append(and_(VaultNode.level == level, VaultNode.position.between(lo, hi)))
        level += 1
    if not ranges:
        return {}
    rows = con.execute(
        select(VaultNode.level, VaultNode.position, VaultNode.hash).where(or_(*ranges))
    )
    return {(v, p): h for v, p, h in rows}


def _check_entry(i: int, row: Any, leaf: bytes, problems: Problems) -> dict[str, Any] | None:
    """The entry in ``row`` if its bytes are a canonical entry; every disagreement noted."""
    if row.leaf != leaf:
        problems.add(
            "entry leaf",
            f"entry {i}: its bytes do not hash to the leaf hash stored with them (edited)",
        )
    try:
        entry = parse_entry(row.body)
    except CanonicalError as e:
        problems.add("entry bytes", f"entry {i}: its bytes are not a custody-log entry ({e})")
        return None
    if entry["index"] != i:
        problems.add(
            "entry index",
            f"entry {i}: its bytes say index {entry['index']} (entries were moved or reordered)",
        )
    time = datetime.fromisoformat(entry["time"][:-1])
    if (row.action, row.item_id, row.time.replace(tzinfo=None)) != (
        entry["action"],
        entry["item"],
        time,
    ):
        problems.add(
            "entry columns",
            f"entry {i}: its action, item or time column disagrees with its bytes",
        )
    return entry


def _check_ingests(
    con: Connection, ingests: dict[int, tuple[str, dict[str, Any]]], problems: Problems
) -> None:
    """Each ingest entry against its item's rows: the item names it, and (for a success) its
    files are the ones the entry lists, in order."""
    if not ingests:
        return
    ids = sorted({item for item, _ in ingests.values()})
    rows = con.execute(select(VaultItem.id, VaultItem.ingest_entry).where(VaultItem.id.in_(ids)))
    made = {item_id: index for item_id, index in rows}
    files: dict[str, list[dict[str, Any]]] = {}
    for item_id, name, sha, size in con.execute(
        select(VaultFile.item_id, VaultFile.name, VaultFile.sha256, VaultFile.size)
        .where(VaultFile.item_id.in_(ids))
        .order_by(VaultFile.item_id, VaultFile.position)
    ):
        files.setdefault(item_id, []).append({"name": name, "sha256": sha, "size": size})
    for i, (item_id, entry) in ingests.items():
        success = entry["outcome"] == "success"
        if success and made.get(item_id) != i:
            problems.add(
                "ingest",
                f"entry {i} ingests {item_id}, but "
                + (f"{item_id} is not in vault_items" if item_id not in made else
                   f"{item_id} names entry {made[item_id]} as its ingest"),
            )  # fmt: skip
        elif not success and made.get(item_id) == i:
            problems.add("ingest", f"item {item_id}'s ingest entry {i} records a failure")
        elif success and files.get(item_id, []) != entry["details"]["files"]:
            problems.add(
                "ingest files",
                f"item {item_id}: its files in vault_files differ from those its ingest "
                f"entry {i} lists (files added, removed or changed after ingest)",
            )


def _check_items(con: Connection, problems: Problems) -> None:
    """Items no ingest entry records, and disposed files no dispose entry records."""
    orphans = (
        select(VaultItem.id)
        .outerjoin(
            VaultEntry,
            and_(
                VaultEntry.idx == VaultItem.ingest_entry,
                VaultEntry.item_id == VaultItem.id,
                VaultEntry.action == "ingest",
            ),
        )
        .where(VaultEntry.idx.is_(None))
        .order_by(VaultItem.id)
    )
    for (item_id,) in con.execute(orphans):
        problems.add("item", f"item {item_id}: no ingest entry records it (added by hand?)")
    disposed = (
        select(VaultFile.item_id, VaultFile.name, VaultFile.sha256, VaultEntry.action,
               VaultEntry.item_id, VaultEntry.body)
        .outerjoin(VaultEntry, VaultEntry.idx == VaultFile.disposed_entry)
        .where(VaultFile.disposed.is_(True))
    )  # fmt: skip
    for item_id, name, sha, act, about, body in con.execute(disposed):
        if (act, about) != ("dispose", item_id) or _details(body).get("sha256") != sha:
            problems.add(
                "disposed",
                f"item {item_id} file {name!r}: marked disposed, but no dispose entry "
                "records its deletion",
            )


def _details(body: bytes | None) -> dict[str, Any]:
    try:
        details = json.loads(body or b"{}").get("details")
    except (ValueError, AttributeError):
        return {}
    return details if isinstance(details, dict) else {}


def _check_files(con: Connection, store: BlobStore, problems: Problems, tell: Progress) -> None:
    """Re-hash, through the store, every distinct file an item keeps (not disposed)."""
    kept = func.max(case((VaultFile.disposed, 0), else_=1))
    query = (
        select(VaultFile.sha256, kept, func.min(VaultFile.size), func.max(VaultFile.size))
        .select_from(VaultFile)
        .group_by(VaultFile.sha256)
    )
    total = int(  # PostgreSQL's SUM of bigints is a Decimal
        con.scalar(
            select(func.coalesce(func.sum(VaultFile.size), 0)).where(
                VaultFile.id.in_(
                    select(func.min(VaultFile.id))
                    .where(~VaultFile.disposed)
                    .group_by(VaultFile.sha256)
                )
            )
        )
        or 0
    )
    done = 0
    tell("files", 0, total)
    for sha, needed, smallest, largest in _pages_having(con, query):
        stored = store.size(sha)
        if not needed:
            if stored is not None:
                problems.add(
                    "disposed kept",
                    f"blob {sha}: every file with it was disposed, but its bytes are still "
                    "in the store",
                )
            continue
        where = _owners(con, sha)
        if stored is None:
            problems.add("file missing", f"{where} ({sha}): missing from the store")
            continue
        digest, count = hashlib.sha256(), 0
        try:
            for chunk in store.read(sha):
                digest.update(chunk)
                count += len(chunk)
                tell("files", done + count, total)
        except StoreError as e:
            problems.add("file unreadable", f"{where} ({sha}): cannot be read from the store ({e})")
            continue
        done += largest
        if digest.hexdigest() != sha or count != stored or smallest != largest or count != largest:
            problems.add(
                "file changed",
                f"{where} ({sha}): the stored bytes ({count:,} bytes) hash to "
                f"{digest.hexdigest()} (the stored file was changed or damaged)",
            )
        tell("files", done, total)


def _pages_having(con: Connection, query: Any) -> Iterator[Any]:
    """A grouped query over ``vault_files`` by SHA-256, read ``BATCH`` groups at a time."""
    last = ""
    while True:
        rows = con.execute(
            query.where(VaultFile.sha256 > last).order_by(VaultFile.sha256).limit(BATCH)
        ).all()
        yield from rows
        if len(rows) < BATCH:
            return
        last = rows[-1][0]


def _owners(con: Connection, sha: str) -> str:
    """The items and names of the files with SHA-256 ``sha``, for a message."""
    rows = con.execute(
        select(VaultFile.item_id, VaultFile.name)
        .where(VaultFile.sha256 == sha)
        .order_by(VaultFile.item_id)
        .limit(3)
    ).all()
    return ", ".join(f"item {i} file {n!r}" for i, n in rows)


def _check_store(con: Connection, store: BlobStore, problems: Problems, tell: Progress) -> None:
    """Every blob in the store must be a file of some item, a file of a recording an Axis
    system is still delivering (staged until its ``Status: Complete``: in transfer, not stray),
    or a redaction made for a records request and awaiting review (release item not yet made),
    or a reviewer's edit of one being stored (or cut short: ``release_edits``)."""
    seen = 0
    try:
        hashes = store.hashes()
        while batch := [h for _, h in zip(range(BATCH), hashes, strict=False)]:
            known = set(
                con.scalars(select(VaultFile.sha256).where(VaultFile.sha256.in_(batch))).all()
            )
            known.update(
                con.scalars(
                    select(AxisObject.sha256)
                    .join(AxisContainer, AxisContainer.id == AxisObject.container_id)
                    .where(AxisObject.sha256.in_(batch), AxisContainer.completed_at.is_(None))
                ).all()
            )
            for made in (ReleaseJob.output_sha256, ReleaseJob.record_sha256):
                known.update(
                    h
                    for h in con.scalars(
                        select(made).where(
                            made.in_(batch), ReleaseJob.status.in_(("storing", "done"))
                        )
                    )
                    if h is not None
                )
            for edit in (ReleaseEdit.output_sha256, ReleaseEdit.record_sha256):
                known.update(con.scalars(select(edit).where(edit.in_(batch))).all())
            for sha in batch:
                if sha not in known:
                    problems.add(
                        "file without entry",
                        f"blob {sha} in the store: no item lists it, so no ingest entry records "
                        "it (an interrupted upload, or bytes put there by other means)",
                    )
            seen += len(batch)
            tell("store", seen, None)
    except StoreError as e:
        problems.add("store", f"the store's list of blobs cannot be read ({e})")
