"""The evidence vault's service: ingest, the custody log's other entries, checkpoints, proofs,
bundles and verification, over the operational database and a blob store.

Every ingest path (the Axis content destination, a dock or upload folder, the console's form)
first puts each file's bytes in the store, then calls :meth:`Vault.ingest`, which records the
item, its files and its ``ingest`` entry in one transaction, after the log's head is locked. A
source's retry of the same recording (same source and key, same files) returns the item already
made and writes nothing: no second item, no second entry, since nothing happened to the evidence.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from onrecord.database import connection as db
from onrecord.database.vault import (
    VaultCase,
    VaultCheckpoint,
    VaultEntry,
    VaultFile,
    VaultItem,
    VaultItemCase,
    VaultItemCategory,
    VaultSettings,
)
from onrecord.vault import bundle as bundles
from onrecord.vault import media, setup
from onrecord.vault.errors import IngestConflict, VaultError
from onrecord.vault.items import FileRole, IncomingFile, IngestResult, NewItem, Source
from onrecord.vault.log import Action, LogWriter, Signer, action, rfc3339, stored_tree
from onrecord.vault.merkle import SubtreeHashes, verify_consistency, verify_inclusion
from onrecord.vault.signing import load_signing_key
from onrecord.vault.store import BlobStore
from onrecord.vault.verify import Progress, verify_vault

CHUNK = 1 << 20
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Checkpointed:
    """A checkpoint: the log's size and root when it was made, the signed note, and whether
    this call made it (False when the log had not grown since the latest)."""

    size: int
    root: bytes
    note: str
    made_at: datetime
    new: bool


@dataclass(frozen=True)
class Proof:
    """An entry's inclusion in the latest checkpoint's tree and, when asked, the consistency of
    an older tree size with it (RFC 9162 2.1.3 and 2.1.4; hashes leaf side first)."""

    index: int
    entry: bytes
    leaf: bytes
    checkpoint: str
    tree_size: int
    root: bytes
    inclusion: list[bytes]
    from_size: int | None = None
    old_root: bytes | None = None
    consistency: list[bytes] | None = None

    def document(self) -> dict[str, Any]:
        """The proof as JSON (hashes in standard base64), as ``vault prove`` prints it and the
        console serves it: what a third party checks with the checkpoint's published key."""

        def b64(hashes: list[bytes]) -> list[str]:
            return [base64.b64encode(h).decode() for h in hashes]

        doc: dict[str, Any] = {
            "index": self.index,
            "entry": self.entry.decode("utf-8"),
            "leaf": base64.b64encode(self.leaf).decode(),
            "tree_size": self.tree_size,
            "root": base64.b64encode(self.root).decode(),
            "inclusion": b64(self.inclusion),
            "checkpoint": self.checkpoint,
        }
        if self.from_size is not None and self.old_root and self.consistency is not None:
            doc["from_size"] = self.from_size
            doc["old_root"] = base64.b64encode(self.old_root).decode()
            doc["consistency"] = b64(self.consistency)
        return doc


@dataclass(frozen=True)
class LoggedEntry:
    index: int
    body: bytes


def _connect_existing(url: str) -> Engine:
    """The database at ``url``, which must exist and be at the newest schema."""
    parsed = make_url(db.database_url(url))
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").exists():
        raise VaultError(
            f"{parsed.database} does not exist; create the vault with "
            f"`onrecord vault init --db {url} --store LOCATION --origin NAME`"
        )
    engine = db.connect(url)
    db.require_current(engine)
    return engine


class Vault:
    """One vault: its database (``engine``), blob store and keys folder (see the module)."""

    def __init__(
        self,
        engine: Engine,
        store: BlobStore | None,
        settings: VaultSettings,
        *,
        keys: Path | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.engine, self._store, self.settings = engine, store, settings
        self.keys = keys or Path(settings.keys_folder)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.readers = sessionmaker(engine.execution_options(**db.READ_ONLY))
        self._signer: Signer | None = None

    @classmethod
    def open(
        cls,
        url: str,
        *,
        keys: Path | None = None,
        store: BlobStore | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> Vault:
        """The vault in the database at ``url``. Its store (``store`` unless given) is opened
        from the settings when first used, with the keys folder ``keys`` when given, else the
        one recorded at ``init``: reading the log needs no keys."""
        engine = _connect_existing(url)
        with Session(engine) as s:
            settings = s.scalar(select(VaultSettings))
        if settings is None:
            raise VaultError(
                f"{url} holds no vault; create one with "
                f"`onrecord vault init --db {url} --store LOCATION --origin NAME`"
            )
        return cls(engine, store, settings, keys=keys, clock=clock)

    @property
    def store(self) -> BlobStore:
        if self._store is None:
            self._store = setup.connect_store(
                self.settings.store_location,
                self.keys,
                endpoint_url=self.settings.endpoint_url,
                create=False,
            )
        return self._store

    @property
    def origin(self) -> str:
        return self.settings.origin

    @property
    def vkey(self) -> str:
        return self.settings.vkey

    def signer(self) -> Signer:
        """The checkpoint signer, its key read from the keys folder once."""
        if self._signer is None:
            self._signer = Signer(self.origin, load_signing_key(self.keys, self.vkey))
        return self._signer

    @contextmanager
    def writing(self) -> Iterator[LogWriter]:
        """One write transaction holding the log's head: rows written through the writer's
        session and the entries it appends commit together or not at all."""
        with self.sessions.begin() as s:
            yield LogWriter(s, self.clock)

    # -- ingest -----------------------------------------------------------------------------

    def ingest(self, item: NewItem, *, actor: str, address: str | None) -> IngestResult:
        """Record ``item`` (its files already in the store) with its ``ingest`` entry, then a
        checkpoint, in one transaction. Idempotent on (source, external key): a retry with the
        same files returns the existing item with ``created=False`` and writes nothing. Raises
        ``VaultError`` for an item that cannot be recorded (``IngestConflict`` for a key reused
        with other files); the caller logs the refusal with :meth:`record_failure`."""
        return self._ingest(item, actor=actor, address=address, checkpoint=True)

    def _ingest(
        self, item: NewItem, *, actor: str, address: str | None, checkpoint: bool
    ) -> IngestResult:
        categories, cases = _check_item(item)
        for f in item.files:
            stored = self.store.size(f.sha256)
            if stored is None:
                raise VaultError(
                    f"file {f.name!r} ({f.sha256}) is not in the blob store; store its bytes "
                    "before ingesting the item"
                )
            if stored != f.size:
                raise VaultError(
                    f"file {f.name!r}: the store holds {stored} bytes under {f.sha256}, "
                    f"the item says {f.size}"
                )
        with self.writing() as log:
            s = log.session
            if item.external_key is not None:
                existing = s.scalar(
                    select(VaultItem).where(
                        VaultItem.source == item.source.value,
                        VaultItem.external_key == item.external_key,
                    )
                )
                if existing is not None:
                    return _retried(s, existing, item)
            now = self.clock()
            serial = 1 + (
                s.scalar(select(func.max(VaultItem.serial)).where(VaultItem.year == now.year)) or 0
            )
            item_id = f"V-{now.year}-{serial:06d}"
            index = log.append(
                Action.INGEST,
                actor=actor,
                item=item_id,
                details=_ingest_details(item, categories, cases),
                source=address,
            )
            s.add(_item_row(item, item_id, now.year, serial, index, log.last_time or now))
            s.flush()
            s.add_all(
                VaultFile(
                    item_id=item_id,
                    position=i,
                    name=f.name,
                    media_type=f.media_type,
                    size=f.size,
                    sha256=f.sha256,
                    role=f.role.value,
                    disposed=False,
                )
                for i, f in enumerate(item.files)
            )
            s.add_all(VaultItemCategory(item_id=item_id, category=c) for c in categories)
            for case_id in cases:
                if s.get(VaultCase, case_id) is None:
                    s.add(VaultCase(case_id=case_id, status="open", opened_at=now))
                    s.flush()
                s.add(VaultItemCase(item_id=item_id, case_id=case_id))
            if checkpoint:
                log.checkpoint(self.signer())
        return IngestResult(item_id, created=True)

    def ingest_files(
        self,
        paths: Sequence[Path],
        *,
        officer: str,
        camera: str,
        start: datetime | None = None,
        end: datetime | None = None,
        categories: Sequence[str] = (),
        case_ids: Sequence[str] = (),
        actor: str,
        address: str | None = None,
    ) -> list[IngestResult]:
        """Ingest local files, one item per file (a dock or upload folder), then checkpoint.

        The start and end of each recording come from its media (PyAV: the container's
        creation time and duration) unless given; given, they describe one recording, so only
        with one file. Every file is checked before any is stored; a file whose media cannot
        be read for its times is refused and the refusal logged. A file already ingested from
        the same camera (same bytes) gives its existing item."""
        if len(paths) > 1 and (start is not None or end is not None):
            raise VaultError("--start and --end describe one recording: give them with one file")
        for path in paths:
            if not path.is_file():
                raise VaultError(f"{path}: no such file")
        plans: list[tuple[Path, datetime, datetime]] = []
        refused: list[tuple[Path, str]] = []
        for path in paths:
            try:
                plans.append((path, *media.recording_span(path, start, end)))
            except media.MediaError as e:
                refused.append((path, str(e)))
        if refused:
            for path, reason in refused:
                self.record_failure(
                    Action.INGEST.value,
                    actor=actor,
                    address=address,
                    item=None,
                    details={"file": path.name, "reason": reason},
                )
            raise VaultError("; ".join(f"{p}: {r}" for p, r in refused))
        results = []
        try:
            for path, begins, ends in plans:
                blob = self.store.put(_chunks(path))
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                new = NewItem(
                    source=Source.FOLDER,
                    officer_id=officer,
                    camera_id=camera,
                    start=begins,
                    end=ends,
                    files=(IncomingFile(path.name, kind, blob.sha256, blob.size, FileRole.CLIP),),
                    external_key=f"{camera}/{blob.sha256}",
                    categories=tuple(categories),
                    case_ids=tuple(case_ids),
                )
                results.append(self._ingest(new, actor=actor, address=address, checkpoint=False))
        finally:
            if results:
                self.checkpoint()
        return results

    # -- other entries ----------------------------------------------------------------------

    def record(
        self,
        what: str,
        *,
        actor: str,
        address: str | None,
        item: str | None,
        details: Mapping[str, Any],
        outcome: str = "success",
    ) -> int:
        """Append one entry (a view, a play, a refusal...) in its own transaction; returns its
        index. No checkpoint: the next one covers it."""
        with self.writing() as log:
            return log.append(
                action(what),
                actor=actor,
                item=item,
                details=details,
                source=address,
                outcome=outcome,
            )

    def record_failure(
        self,
        action: str,
        *,
        actor: str,
        address: str | None,
        item: str | None,
        details: dict[str, Any],
    ) -> int:
        """Log a failed attempt (a refused access, a rejected upload): an entry with outcome
        ``failure``; returns its index."""
        return self.record(
            action, actor=actor, address=address, item=item, details=details, outcome="failure"
        )

    # -- checkpoints and proofs -------------------------------------------------------------

    def checkpoint(self) -> Checkpointed:
        """Sign the log as it stands, unless the latest checkpoint already covers all of it."""
        with self.writing() as log:
            made, new = log.checkpoint(self.signer())
        return Checkpointed(made.size, made.root, made.note, made.made_at, new)

    def latest_checkpoint(self) -> Checkpointed:
        with self.readers() as s:
            cp = s.scalar(select(VaultCheckpoint).order_by(VaultCheckpoint.size.desc()).limit(1))
        if cp is None:
            raise VaultError(
                "the vault has no checkpoint; make one with `onrecord vault checkpoint`"
            )
        return Checkpointed(cp.size, cp.root, cp.note, cp.made_at, False)

    def prove(self, entry: int, from_size: int | None = None) -> Proof:
        """Entry ``entry``'s inclusion proof in the latest checkpoint's tree and, with
        ``from_size``, the consistency proof from the tree of that size to it; read from the
        stored subtrees (a few rows), and checked before they are returned."""
        cp = self.latest_checkpoint()
        n = cp.size
        if not 0 <= entry < n:
            raise VaultError(
                f"entry {entry} is not in the latest checkpoint, which covers entries 0 to "
                f"{n - 1}; make a new one with `onrecord vault checkpoint`"
            )
        if from_size is not None and not 1 <= from_size <= n:
            raise VaultError(f"--from-size {from_size}: give a size from 1 to {n}")

        def compute(tree: SubtreeHashes) -> tuple[bytes, list[bytes], bytes | None, list[bytes]]:
            old = tree.root(from_size) if from_size is not None else None
            cons = tree.consistency_proof(from_size, n) if from_size is not None else []
            return tree.root(n), tree.inclusion_proof(entry, n), old, cons

        with self.readers() as s:
            row = s.get(VaultEntry, entry)
            if row is None:
                raise VaultError(f"entry {entry} is missing; run `onrecord vault verify`")
            root, path, old_root, cons = stored_tree(s, n, compute)
        holds = root == cp.root and verify_inclusion(row.leaf, entry, n, path, cp.root)
        if old_root is not None and from_size is not None:
            holds = holds and verify_consistency(from_size, n, old_root, root, cons)
        if not holds:
            raise VaultError(
                f"the stored tree does not lead to the checkpoint of size {n}; "
                "run `onrecord vault verify`"
            )
        if from_size is None:
            return Proof(entry, row.body, row.leaf, cp.note, n, root, path)
        return Proof(entry, row.body, row.leaf, cp.note, n, root, path, from_size, old_root, cons)

    # -- reading the log --------------------------------------------------------------------

    def entries(
        self, *, start: int = 0, limit: int = 50, item: str | None = None
    ) -> list[LoggedEntry]:
        """Entries from index ``start`` on, at most ``limit``, only those about ``item`` if
        given."""
        query = select(VaultEntry.idx, VaultEntry.body).where(VaultEntry.idx >= start)
        if item is not None:
            query = query.where(VaultEntry.item_id == item)
        with self.readers() as s:
            rows = s.execute(query.order_by(VaultEntry.idx).limit(limit)).all()
        return [LoggedEntry(i, b) for i, b in rows]

    # -- bundles and verification -----------------------------------------------------------

    def bundle(
        self, items: Sequence[str], out: Path, *, actor: str, address: str | None = None
    ) -> bundles.Written:
        """Write the bundle of ``items`` to the new folder ``out`` (see ``bundle``)."""
        return bundles.write(self, list(dict.fromkeys(items)), out, actor=actor, address=address)

    def verify(self, progress: Progress | None = None) -> list[str]:
        """Every problem found in the log, its checkpoints, the items' files and the store."""
        return verify_vault(self.engine, self.store, self.keys, progress)


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            yield chunk


def _text(value: str, what: str, longest: int) -> None:
    if not value or not value.strip() or len(value) > longest:
        raise VaultError(f"{what} {value!r}: give 1 to {longest} characters")


def _aware(at: datetime | None, what: str) -> None:
    if at is not None and at.tzinfo is None:
        raise VaultError(f"{what} {at} has no time zone; give an absolute instant")


def _check_item(item: NewItem) -> tuple[list[str], list[str]]:
    """What is wrong with ``item`` as a ``VaultError``; else its categories and case ids,
    each once, in order."""
    _text(item.officer_id, "officer id", 64)
    _text(item.camera_id, "camera id", 64)
    if item.external_key is not None:
        _text(item.external_key, "external key", 500)
    if item.time_zone is not None:
        _text(item.time_zone, "time zone", 64)
    for at, what in (
        (item.start, "start"),
        (item.end, "end"),
        (item.trigger_on_time, "trigger-on time"),
        (item.trigger_off_time, "trigger-off time"),
    ):
        _aware(at, what)
    if item.end < item.start:
        raise VaultError(f"the item ends ({item.end}) before it starts ({item.start})")
    for reason in (item.trigger_on_reason, item.trigger_off_reason):
        if reason is not None:
            _text(reason, "trigger reason", 200)
    for name in item.categories:
        _text(name, "category", 100)
    for case_id in item.case_ids:
        _text(case_id, "case id", 100)
    for f in item.files:
        _text(f.name, "file name", 1000)
        _text(f.media_type, f"file {f.name!r}: media type", 255)
        if not _SHA256.fullmatch(f.sha256):
            raise VaultError(f"file {f.name!r}: {f.sha256!r} is not a SHA-256 in lower-case hex")
        if f.size < 0:
            raise VaultError(f"file {f.name!r}: size {f.size} is negative")
    for key, value in item.metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise VaultError(f"metadata {key!r}: {value!r}: keys and values are strings")
    return list(dict.fromkeys(item.categories)), list(dict.fromkeys(item.case_ids))


def _ingest_details(item: NewItem, categories: list[str], cases: list[str]) -> dict[str, Any]:
    """What an ``ingest`` entry says of the item: its files ({name, sha256, size}, as the
    contract has it) and its description, so that a bundle's reader sees both signed."""

    def trigger(reason: str | None, at: datetime | None) -> dict[str, Any] | None:
        if reason is None and at is None:
            return None
        return {"reason": reason, "time": rfc3339(at) if at else None}

    return {
        "files": [{"name": f.name, "sha256": f.sha256, "size": f.size} for f in item.files],
        "officer": item.officer_id,
        "camera": item.camera_id,
        "start": rfc3339(item.start),
        "end": rfc3339(item.end),
        "time_zone": item.time_zone,
        "trigger_on": trigger(item.trigger_on_reason, item.trigger_on_time),
        "trigger_off": trigger(item.trigger_off_reason, item.trigger_off_time),
        "categories": categories,
        "cases": cases,
        "received_via": item.source.value,
        "external_key": item.external_key,
        "metadata": dict(item.metadata),
    }


def _item_row(
    item: NewItem, item_id: str, year: int, serial: int, index: int, at: datetime
) -> VaultItem:
    return VaultItem(
        id=item_id,
        year=year,
        serial=serial,
        source=item.source.value,
        external_key=item.external_key,
        officer_id=item.officer_id,
        camera_id=item.camera_id,
        start=item.start,
        end=item.end,
        time_zone=item.time_zone,
        trigger_on_reason=item.trigger_on_reason,
        trigger_on_time=item.trigger_on_time,
        trigger_off_reason=item.trigger_off_reason,
        trigger_off_time=item.trigger_off_time,
        source_metadata=dict(item.metadata),
        ingested_at=at,
        ingest_entry=index,
    )


def _retried(s: Session, existing: VaultItem, item: NewItem) -> IngestResult:
    """A repeated ingest: the existing item if the files are the same, else a conflict."""
    rows = s.execute(
        select(VaultFile.name, VaultFile.sha256, VaultFile.size).where(
            VaultFile.item_id == existing.id
        )
    )
    have = sorted((name, sha, size) for name, sha, size in rows)
    given = sorted((f.name, f.sha256, f.size) for f in item.files)
    if have != given:
        raise IngestConflict(
            f"{item.source.value} recording {item.external_key!r} is already item {existing.id} "
            "with other files; a recording's files do not change after ingest"
        )
    return IngestResult(existing.id, created=False)
