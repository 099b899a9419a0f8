"""The vault's items as the data package's ``recordings`` table, so that ``onrecord audit`` runs
on what the cameras actually delivered (vault contract: "Items feed the audit").

One row per item that holds a video clip: its vault id as ``recording_id``, officer, camera,
start and end, the size and SHA-256 of its first clip (clips are listed in time order), its
categories and case ids, and a stop reason found by the department's stop-reason mapping
(:mod:`~onrecord.vault.stop_reasons`). Rejected content filed under officer or camera
``unknown`` has those cells empty: unassigned footage, which the checker reports.

Another source's recordings (a package folder: another camera system's export, or the folder a
previous export wrote) can be combined with them: its rows are kept except those that describe
a recording the vault holds — the same ``recording_id``, the same ``sha256``, or an overlap in
time on the same camera (on the same officer for a row without a camera) — since the vault's
item is the footage itself. Rows are written vault first (in the order ingested), then the
other source's in file order. The guide: docs/vault.md, "The audit reads the vault".
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from onrecord.database import connection as db
from onrecord.database.vault import VaultFile, VaultItem, VaultItemCase, VaultItemCategory
from onrecord.package.department import read_department
from onrecord.package.files import locate
from onrecord.package.loader import connect
from onrecord.package.problems import Code, StructuralError
from onrecord.package.reader import read_table
from onrecord.vault.axis.assemble import UNKNOWN
from onrecord.vault.errors import VaultError
from onrecord.vault.items import FileRole
from onrecord.vault.stop_reasons import Signals, StopReasons, parse_tags

BATCH = 2_000
TIMESTAMP = pa.timestamp("us", tz="UTC")
SCHEMA = pa.schema(
    [
        ("recording_id", pa.string()),
        ("officer_id", pa.string()),
        ("start", TIMESTAMP),
        ("end", TIMESTAMP),
        ("camera_id", pa.string()),
        ("stop_reason", pa.string()),
        ("category", pa.string()),
        ("incident_id", pa.string()),
        ("size_bytes", pa.int64()),
        ("sha256", pa.string()),
    ]
)
"""The ``recordings`` table as written: every column of the contract, in its order."""
JOIN = "; "
"""Between several categories or case ids in one cell."""


@dataclass
class RecordingStats:
    """What the export did with the vault's items and the other source's rows."""

    items: int = 0
    """Items written as recordings."""
    without_clip: int = 0
    """Items holding no video clip (a rejected bookmark or track): not recordings."""
    unfiled: int = 0
    """Items of an officer the vault could not tell (``unknown``): written with none."""
    by_signal: Counter[str] = field(default_factory=Counter)
    """Items whose stop reason came from each signal (``trigger_off``, ``tag``, ``category``)."""
    conflicting: int = 0
    """Items left without a reason because one signal gave two different ones."""
    unmapped: Counter[tuple[str, str]] = field(default_factory=Counter)
    """Names items carried that the mapping does not know: (signal, name) → items."""
    other_read: int = 0
    other_excluded: int = 0
    """The other source's rows with errors (``onrecord check`` names them): not written."""
    other_replaced: int = 0
    other_kept: int = 0

    @property
    def no_reason(self) -> int:
        return self.items - sum(self.by_signal.values())


@dataclass(frozen=True)
class _Item:
    id: str
    officer_id: str
    camera_id: str
    start: datetime
    end: datetime
    trigger_off: str | None
    metadata: dict[str, Any]


def _tags(metadata: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """Every tag of every file's metadata (Axis: ``axis.object.<name>``, each a JSON object
    whose ``Tags`` are ``key:value;key:value``), in file-name order."""
    pairs: list[tuple[str, str]] = []
    for key in sorted(metadata):
        if not key.startswith("axis.object."):
            continue
        try:
            meta = json.loads(metadata[key])
        except (TypeError, ValueError):
            continue  # not a file's metadata as the destination writes it
        if isinstance(meta, dict) and isinstance(meta.get("Tags"), str):
            pairs.extend(parse_tags(meta["Tags"]))
    return tuple(pairs)


class OtherRecordings:
    """Another source's ``recordings`` (the package folder ``root``), read at once, then
    given the vault's rows (:meth:`add`) and asked for those of its rows the vault does not
    replace (:meth:`kept`): see the module for the rule."""

    def __init__(self, root: Path, stats: RecordingStats) -> None:
        self.stats = stats
        department, problems = read_department(root) if root.is_dir() else (None, [])
        files, more = locate(root)
        # Only the recordings table is read: the package's other tables may be absent.
        problems += [
            p
            for p in more
            if p.code is not Code.MISSING_TABLE
            and (p.file is None or Path(p.file).stem == "recordings")
        ]
        if problems:
            raise StructuralError(problems)
        if department is None or "recordings" not in files:
            raise VaultError(
                f"{root} has no recordings table (recordings.csv or recordings.parquet) to "
                "combine with the vault's items"
            )
        self.con = connect()
        load = read_table(self.con, files["recordings"], department.timezone)
        stats.other_read, stats.other_excluded = load.rows_read, load.rows_excluded
        cols = ", ".join(
            f'r."{c.name}"' if c.name in load.view else f'NULL::{_duck(c.type)} AS "{c.name}"'
            for c in SCHEMA
        )
        self.con.execute(f"CREATE TEMP TABLE other AS SELECT {cols}, r._line FROM recordings r")
        self.con.execute(
            "CREATE TEMP TABLE vault (recording_id VARCHAR, officer_id VARCHAR, camera_id VARCHAR, "
            'start TIMESTAMPTZ, "end" TIMESTAMPTZ, sha256 VARCHAR)'
        )

    def add(self, batch: pa.RecordBatch) -> None:
        """Rows of the vault's (only the columns the rule compares are kept)."""
        keys = batch.select(["recording_id", "officer_id", "camera_id", "start", "end", "sha256"])
        self.con.register("keys", keys)
        self.con.execute("INSERT INTO vault SELECT * FROM keys")
        self.con.unregister("keys")

    def kept(self) -> Iterator[pa.RecordBatch]:
        """The other rows no vault row replaces, in file order, as :data:`SCHEMA`."""
        overlap = 'v.start < o."end" AND o.start < v."end"'
        self.con.execute(
            f"""CREATE OR REPLACE TEMP TABLE replaced AS
            SELECT o._line FROM other o JOIN vault v ON v.recording_id = o.recording_id
            UNION SELECT o._line FROM other o JOIN vault v ON v.sha256 = o.sha256
            UNION SELECT o._line FROM other o JOIN vault v
                ON v.camera_id = o.camera_id AND {overlap}
            UNION SELECT o._line FROM other o JOIN vault v
                ON o.camera_id IS NULL AND v.officer_id = o.officer_id AND {overlap}"""
        )
        [(replaced,)] = self.con.execute("SELECT count(*) FROM replaced").fetchall()
        self.stats.other_replaced = int(replaced)
        cols = ", ".join(f'o."{c}"' for c in SCHEMA.names)
        reader = self.con.sql(
            f"""SELECT {cols} FROM other o ANTI JOIN replaced r ON r._line = o._line
            ORDER BY o._line"""
        ).to_arrow_reader(BATCH)
        for batch in reader:
            out = pa.RecordBatch.from_arrays(
                [batch.column(i).cast(f.type) for i, f in enumerate(SCHEMA)], schema=SCHEMA
            )
            self.stats.other_kept += out.num_rows
            yield out


class VaultRecordings:
    """The ``recordings`` table from the vault in ``engine`` under ``mapping``, combined with
    the recordings of the package at ``other`` when given.

    The other source is read when this is made, before anything is written, so it may be the
    folder the export is about to write into. :meth:`batches` streams the rows; ``stats`` is
    complete once they have all been read.
    """

    def __init__(self, engine: Engine, mapping: StopReasons, other: Path | None = None) -> None:
        self.engine, self.mapping = engine, mapping
        self.stats = RecordingStats()
        self.other = None if other is None else OtherRecordings(other, self.stats)

    def batches(self) -> Iterator[pa.RecordBatch]:
        """The vault's rows, then the other source's that the vault does not replace."""
        for batch in self._vault_batches():
            if self.other is not None:
                self.other.add(batch)
            yield batch
        if self.other is not None:
            yield from self.other.kept()

    def _vault_batches(self) -> Iterator[pa.RecordBatch]:
        """The items in the order ingested, a page at a time (keyset on the ingest entry)."""
        readers = self.engine.execution_options(**db.READ_ONLY)
        db.require_current(readers)
        after = -1
        with Session(readers) as s:
            while True:
                query = (
                    select(
                        VaultItem.id,
                        VaultItem.officer_id,
                        VaultItem.camera_id,
                        VaultItem.start,
                        VaultItem.end,
                        VaultItem.trigger_off_reason,
                        VaultItem.source_metadata,
                        VaultItem.ingest_entry,
                    )
                    .where(VaultItem.ingest_entry > after)
                    .order_by(VaultItem.ingest_entry)
                    .limit(BATCH)
                )
                found = s.execute(query).all()
                if not found:
                    return
                after = found[-1][-1]
                rows = self._rows(s, [_Item(*row[:-1]) for row in found])
                if rows:
                    yield pa.RecordBatch.from_pylist(rows, schema=SCHEMA)

    def _rows(self, s: Session, items: Sequence[_Item]) -> list[dict[str, Any]]:
        ids = [i.id for i in items]
        first_clip: dict[str, tuple[int, str]] = {}
        clips = (
            select(VaultFile.item_id, VaultFile.size, VaultFile.sha256)
            .where(VaultFile.item_id.in_(ids), VaultFile.role == FileRole.CLIP.value)
            .order_by(VaultFile.item_id, VaultFile.position)
        )
        for item_id, size, sha in s.execute(clips):
            first_clip.setdefault(item_id, (size, sha))
        categories: dict[str, list[str]] = {}
        for item_id, category in s.execute(
            select(VaultItemCategory.item_id, VaultItemCategory.category).where(
                VaultItemCategory.item_id.in_(ids)
            )
        ):
            categories.setdefault(item_id, []).append(category)
        cases: dict[str, list[str]] = {}
        for item_id, case_id in s.execute(
            select(VaultItemCase.item_id, VaultItemCase.case_id).where(
                VaultItemCase.item_id.in_(ids)
            )
        ):
            cases.setdefault(item_id, []).append(case_id)
        rows = []
        for item in items:
            if item.id not in first_clip:
                self.stats.without_clip += 1
                continue
            size, sha = first_clip[item.id]
            mine = sorted(categories.get(item.id, []))  # code point order, on any database
            found = self.mapping.reason(
                Signals(item.trigger_off, _tags(item.metadata or {}), tuple(mine))
            )
            self.stats.items += 1
            self.stats.unfiled += item.officer_id == UNKNOWN
            self.stats.unmapped.update(found.unmapped)
            if found.reason is not None and found.signal is not None:
                self.stats.by_signal[found.signal] += 1
            self.stats.conflicting += bool(found.conflicting)
            rows.append(
                {
                    "recording_id": item.id,
                    "officer_id": None if item.officer_id == UNKNOWN else item.officer_id,
                    "start": item.start,
                    "end": item.end,
                    "camera_id": None if item.camera_id == UNKNOWN else item.camera_id,
                    "stop_reason": found.reason,
                    "category": JOIN.join(mine) or None,
                    "incident_id": JOIN.join(sorted(cases.get(item.id, []))) or None,
                    "size_bytes": size,
                    "sha256": sha,
                }
            )
        return rows


def _duck(arrow: pa.DataType) -> str:
    """The DuckDB type of a column of :data:`SCHEMA`, for a column the other file lacks."""
    if arrow == TIMESTAMP:
        return "TIMESTAMPTZ"
    return "BIGINT" if arrow == pa.int64() else "VARCHAR"
