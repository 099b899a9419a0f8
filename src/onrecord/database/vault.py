"""The evidence vault's tables in the operational database (migration ``0007_evidence_vault``).

``vault_settings`` says where the vault keeps its bytes and keys (never the keys themselves: the
folder's path, and the public verifier key line). ``vault_items`` and ``vault_files`` describe
what was ingested, with each item's categories and case ids; ``vault_cases`` and ``vault_holds``
are what disposition must respect. The custody log is ``vault_entries`` (the exact canonical
bytes of each entry and its leaf hash, indexed from 0), ``vault_nodes`` (the hash of every
complete aligned subtree of two or more leaves, so that any tree head or proof takes a handful of
reads) and ``vault_checkpoints`` (every signed tree head, kept); ``vault_log_head`` is the one
row every append locks, which makes indexes contiguous under concurrency.

Columns of ``vault_entries`` beside the bytes (``time``, ``action``, ``item_id``) are copies for
searching; ``onrecord vault verify`` checks that they agree with the bytes, which alone count.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from onrecord.database.base import Base, UTCDateTime

# SQLite makes a single INTEGER primary key the table's rowid (no separate index); PostgreSQL
# needs 64 bits for a log that outlives 2**31 entries.
LogIndex = BigInteger().with_variant(Integer(), "sqlite")


class VaultSettings(Base):
    """The one vault the database holds: its name (checkpoint origin and key name), its public
    verifier key line, where its blob store and keys folder are, and its retention schedule."""

    __tablename__ = "vault_settings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    origin: Mapped[str] = mapped_column(String(200))
    vkey: Mapped[str] = mapped_column(String(300))
    store_location: Mapped[str] = mapped_column(String(1000))
    endpoint_url: Mapped[str | None] = mapped_column(String(1000))
    keys_folder: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retention_name: Mapped[str | None] = mapped_column(String(200))
    retention_text: Mapped[str | None] = mapped_column(Text)
    """The retention schedule in force (``vault retention use``), as its YAML text: what
    ``dispose`` applies, kept whole so a later edit of the file changes nothing by itself."""
    __table_args__ = (CheckConstraint("id = 1", name="vault_settings_one_row"),)


class VaultLogHead(Base):
    """The custody log's size; every append locks this row first (PostgreSQL: ``FOR UPDATE``;
    SQLite's write transactions hold the whole database)."""

    __tablename__ = "vault_log_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    __table_args__ = (CheckConstraint("id = 1", name="vault_log_head_one_row"),)


class VaultItem(Base):
    """One recording. ``id`` is ``V-<year>-<serial>``, the serial counting the year's items
    from 1 (six digits, more past 999,999); ``ingest_entry`` is its ``ingest`` entry."""

    __tablename__ = "vault_items"
    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))
    external_key: Mapped[str | None] = mapped_column(String(500))
    officer_id: Mapped[str] = mapped_column(String(64))
    camera_id: Mapped[str] = mapped_column(String(64))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    time_zone: Mapped[str | None] = mapped_column(String(64))
    trigger_on_reason: Mapped[str | None] = mapped_column(String(200))
    trigger_on_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    trigger_off_reason: Mapped[str | None] = mapped_column(String(200))
    trigger_off_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source_metadata: Mapped[dict[str, Any]] = mapped_column(JSON)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ingest_entry: Mapped[int] = mapped_column(BigInteger, unique=True)
    __table_args__ = (
        UniqueConstraint("year", "serial", name="vault_items_year_serial"),
        UniqueConstraint("source", "external_key", name="vault_items_source_key"),
        CheckConstraint("source IN ('axis', 'upload', 'folder')", name="vault_item_source"),
        CheckConstraint('"end" >= start', name="vault_item_times"),
        Index("vault_items_officer_start", "officer_id", "start"),
        Index("vault_items_camera_start", "camera_id", "start"),
    )


class VaultFile(Base):
    """One file of an item, in the order the item lists them. ``disposed`` marks bytes deleted by
    disposition; ``disposed_entry`` is the ``dispose`` entry that records it."""

    __tablename__ = "vault_files"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("vault_items.id"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(1000))
    media_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))
    disposed: Mapped[bool] = mapped_column(Boolean, default=False)
    disposed_entry: Mapped[int | None] = mapped_column(BigInteger)
    __table_args__ = (
        UniqueConstraint("item_id", "position", name="vault_files_item_position"),
        CheckConstraint(
            "role IN ('clip', 'gnss', 'bookmark', 'key', 'other')", name="vault_file_role"
        ),
        CheckConstraint("size >= 0", name="vault_file_size"),
        CheckConstraint(
            "(disposed AND disposed_entry IS NOT NULL) "
            "OR (NOT disposed AND disposed_entry IS NULL)",
            name="vault_file_disposed_entry",
        ),
    )


class VaultItemCategory(Base):
    __tablename__ = "vault_item_categories"
    item_id: Mapped[str] = mapped_column(ForeignKey("vault_items.id"), primary_key=True)
    category: Mapped[str] = mapped_column(String(100), primary_key=True)


class VaultCase(Base):
    """A case or incident that items belong to; an open case keeps its items from disposition."""

    __tablename__ = "vault_cases"
    case_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    status: Mapped[str] = mapped_column(String(8))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    __table_args__ = (
        CheckConstraint("status IN ('open', 'closed')", name="vault_case_status"),
        CheckConstraint("(status = 'open') = (closed_at IS NULL)", name="vault_case_closed_at"),
    )


class VaultItemCase(Base):
    __tablename__ = "vault_item_cases"
    item_id: Mapped[str] = mapped_column(ForeignKey("vault_items.id"), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("vault_cases.case_id"), primary_key=True)
    __table_args__ = (Index("vault_item_cases_case", "case_id"),)


class VaultHold(Base):
    """A legal hold on one item or on every item of a case: placed and released by whom, when
    and why, with the custody entries that record each."""

    __tablename__ = "vault_holds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[str | None] = mapped_column(ForeignKey("vault_items.id"), index=True)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("vault_cases.case_id"), index=True)
    reason: Mapped[str] = mapped_column(String(1000))
    placed_by: Mapped[str] = mapped_column(String(64))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    placed_entry: Mapped[int] = mapped_column(BigInteger)
    released_by: Mapped[str | None] = mapped_column(String(64))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    release_reason: Mapped[str | None] = mapped_column(String(1000))
    released_entry: Mapped[int | None] = mapped_column(BigInteger)
    __table_args__ = (
        CheckConstraint("(item_id IS NULL) <> (case_id IS NULL)", name="vault_hold_item_or_case"),
        CheckConstraint(
            "(released_at IS NULL) = (released_by IS NULL) "
            "AND (released_at IS NULL) = (released_entry IS NULL)",
            name="vault_hold_release",
        ),
    )


class VaultEntry(Base):
    """One custody-log entry: its exact canonical bytes and leaf hash SHA-256(0x00 ‖ bytes)."""

    __tablename__ = "vault_entries"
    idx: Mapped[int] = mapped_column(LogIndex, primary_key=True, autoincrement=False)
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    action: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[str | None] = mapped_column(String(20))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    leaf: Mapped[bytes] = mapped_column(LargeBinary(32))
    __table_args__ = (Index("vault_entries_item", "item_id", "idx"),)


class VaultNode(Base):
    """The hash of leaves ``[position * 2**level, (position + 1) * 2**level)``, level ≥ 1,
    stored when the last of them is appended (level 0 is each entry's ``leaf``)."""

    __tablename__ = "vault_nodes"
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class VaultCheckpoint(Base):
    """A signed tree head, one per log size, kept for good: ``note`` is the signed note text."""

    __tablename__ = "vault_checkpoints"
    size: Mapped[int] = mapped_column(LogIndex, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    note: Mapped[str] = mapped_column(Text)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime)
