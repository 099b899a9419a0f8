"""Who may see which of the vault's items, and what they see: the evidence search and an item's
page, over the database.

A :class:`Scope` is what an account may see: every item (an evidence custodian, an auditor), or
an investigator's items — those recorded by the officers of their station (the station the
fleet's ``officers`` table gives the officer now) and those naming a case they are assigned. The
scope is one SQL condition, applied to the search and to every look-up of a single item, so a
page cannot show what the search would not find. Who acts on what is logged by the callers
(``Vault.record``); this module only reads.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, exists, false, func, or_, select, true
from sqlalchemy.orm import Session

from onrecord.database.fleet import Officer
from onrecord.database.vault import (
    VaultCheckpoint,
    VaultEntry,
    VaultFile,
    VaultHold,
    VaultItem,
    VaultItemCase,
    VaultItemCategory,
    VaultLogHead,
)
from onrecord.database.vault_access import VaultShare, VaultShareItem
from onrecord.vault.service import Vault

TIMELINE = 200
"""The newest entries an item's page lists (its ``ingest`` entry is always listed too)."""


@dataclass(frozen=True)
class Scope:
    """The items someone may see: ``everything``, else those whose officer is at ``station``
    and those naming one of ``cases``."""

    everything: bool
    station: str | None = None
    cases: frozenset[str] = frozenset()

    def condition(self) -> ColumnElement[bool]:
        """The scope as a condition on ``vault_items``."""
        if self.everything:
            return true()
        parts: list[ColumnElement[bool]] = []
        if self.station is not None:
            at_station = select(Officer.officer_id).where(Officer.station_id == self.station)
            parts.append(VaultItem.officer_id.in_(at_station))
        if self.cases:
            parts.append(
                exists().where(
                    VaultItemCase.item_id == VaultItem.id,
                    VaultItemCase.case_id.in_(sorted(self.cases)),
                )
            )
        return or_(*parts) if parts else false()


EVERYTHING = Scope(everything=True)


@dataclass(frozen=True)
class Search:
    """What the evidence search asks: each given field narrows it. ``start_from``/``start_to``
    keep the items whose footage overlaps that span (aware instants)."""

    officer: str | None = None
    camera: str | None = None
    start_from: datetime | None = None
    start_to: datetime | None = None
    category: str | None = None
    case: str | None = None
    station: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.officer:
            found.append(VaultItem.officer_id == self.officer)
        if self.camera:
            found.append(VaultItem.camera_id == self.camera)
        if self.start_from is not None:
            found.append(VaultItem.end >= self.start_from)
        if self.start_to is not None:
            found.append(VaultItem.start <= self.start_to)
        if self.category:
            found.append(
                exists().where(
                    VaultItemCategory.item_id == VaultItem.id,
                    VaultItemCategory.category == self.category,
                )
            )
        if self.case:
            found.append(
                exists().where(
                    VaultItemCase.item_id == VaultItem.id, VaultItemCase.case_id == self.case
                )
            )
        if self.station:
            at_station = select(Officer.officer_id).where(Officer.station_id == self.station)
            found.append(VaultItem.officer_id.in_(at_station))
        return found


@dataclass(frozen=True)
class Row:
    """One item as the search lists it."""

    item_id: str
    officer_id: str
    camera_id: str
    station_id: str | None
    start: datetime
    end: datetime
    categories: tuple[str, ...]
    cases: tuple[str, ...]
    files: int
    disposed: bool


@dataclass(frozen=True)
class Page:
    total: int
    offset: int
    limit: int
    rows: list[Row]


def search(vault: Vault, scope: Scope, query: Search, *, offset: int, limit: int) -> Page:
    """The items in ``scope`` that ``query`` finds, newest first."""
    where = [scope.condition(), *query.conditions()]
    with vault.readers() as s:
        total = s.scalar(select(func.count()).select_from(VaultItem).where(*where)) or 0
        items = list(
            s.scalars(
                select(VaultItem)
                .where(*where)
                .order_by(VaultItem.start.desc(), VaultItem.id.desc())
                .offset(offset)
                .limit(limit)
            )
        )
        ids = [i.id for i in items]
        categories = _grouped(s, VaultItemCategory.item_id, VaultItemCategory.category, ids)
        cases = _grouped(s, VaultItemCase.item_id, VaultItemCase.case_id, ids)
        stations = _stations(s, {i.officer_id for i in items})
        kept = func.sum(case((VaultFile.disposed.is_(False), 1), else_=0))
        files = {
            item_id: (n, k or 0)
            for item_id, n, k in s.execute(
                select(VaultFile.item_id, func.count(), kept)
                .where(VaultFile.item_id.in_(ids))
                .group_by(VaultFile.item_id)
            )
        }
    rows = [
        Row(
            item_id=i.id,
            officer_id=i.officer_id,
            camera_id=i.camera_id,
            station_id=stations.get(i.officer_id),
            start=i.start,
            end=i.end,
            categories=tuple(categories.get(i.id, ())),
            cases=tuple(cases.get(i.id, ())),
            files=files.get(i.id, (0, 0))[0],
            disposed=files.get(i.id, (0, 1))[1] == 0,
        )
        for i in items
    ]
    return Page(total, offset, limit, rows)


def search_options(vault: Vault) -> dict[str, list[str]]:
    """The values the search offers to choose from: every category given to an item, and the
    stations of the fleet's officers."""
    with vault.readers() as s:
        categories = s.scalars(select(VaultItemCategory.category).distinct())
        stations = s.scalars(
            select(Officer.station_id).where(Officer.station_id.is_not(None)).distinct()
        )
        return {
            "category": sorted(categories),
            "station": sorted(st for st in stations if st is not None),
        }


def _grouped(s: Session, key: Any, value: Any, ids: Sequence[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for k, v in s.execute(select(key, value).where(key.in_(ids)).order_by(key, value)):
        found.setdefault(k, []).append(v)
    return found


def _stations(s: Session, officers: set[str]) -> dict[str, str | None]:
    rows = s.execute(
        select(Officer.officer_id, Officer.station_id).where(Officer.officer_id.in_(officers))
    )
    return {officer: station for officer, station in rows}


def may_see(vault: Vault, scope: Scope, item_id: str) -> bool:
    """Whether ``item_id`` is an item within ``scope``."""
    with vault.readers() as s:
        found = s.scalar(select(VaultItem.id).where(VaultItem.id == item_id, scope.condition()))
    return found is not None


def exists_item(vault: Vault, item_id: str) -> bool:
    with vault.readers() as s:
        return s.get(VaultItem, item_id) is not None


@dataclass(frozen=True)
class Entry:
    """A custody-log entry as a page shows it: its index and its fields, from its bytes."""

    index: int
    fields: dict[str, Any]

    @property
    def details(self) -> str:
        """The entry's details as compact JSON, for reading."""
        return json.dumps(self.fields["details"], ensure_ascii=False, sort_keys=True)


def parsed(index: int, body: bytes) -> Entry:
    return Entry(index, json.loads(body))


@dataclass
class Item:
    """Everything an item's page shows but the files' bytes: the item, its station now, its
    files (in order), categories, cases, every hold covering it (directly or through a case, in
    force or released), the shares naming it, its ``ingest`` entry and its newest entries."""

    item: VaultItem
    station_id: str | None
    files: list[VaultFile]
    categories: list[str]
    cases: list[str]
    holds: list[VaultHold]
    shares: list[VaultShare]
    ingest: Entry
    entries: list[Entry]
    more_entries: int
    checkpoint_size: int
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def held(self) -> bool:
        return any(h.released_at is None for h in self.holds)


def item(vault: Vault, item_id: str) -> Item | None:
    """The item ``item_id`` as its page shows it, or None if there is none."""
    with vault.readers() as s:
        row = s.get(VaultItem, item_id)
        if row is None:
            return None
        files = list(
            s.scalars(
                select(VaultFile).where(VaultFile.item_id == item_id).order_by(VaultFile.position)
            )
        )
        categories = list(
            s.scalars(
                select(VaultItemCategory.category)
                .where(VaultItemCategory.item_id == item_id)
                .order_by(VaultItemCategory.category)
            )
        )
        cases = list(
            s.scalars(
                select(VaultItemCase.case_id)
                .where(VaultItemCase.item_id == item_id)
                .order_by(VaultItemCase.case_id)
            )
        )
        holds = list(
            s.scalars(
                select(VaultHold)
                .where(
                    or_(
                        VaultHold.item_id == item_id,
                        VaultHold.case_id.in_(cases) if cases else false(),
                    )
                )
                .order_by(VaultHold.placed_at.desc())
            )
        )
        shares = list(
            s.scalars(
                select(VaultShare)
                .join(VaultShareItem, VaultShareItem.share_id == VaultShare.id)
                .where(VaultShareItem.item_id == item_id)
                .order_by(VaultShare.created_at.desc())
            )
        )
        about = select(VaultEntry.idx, VaultEntry.body).where(VaultEntry.item_id == item_id)
        newest = s.execute(about.order_by(VaultEntry.idx.desc()).limit(TIMELINE)).all()
        count = s.scalar(
            select(func.count()).select_from(VaultEntry).where(VaultEntry.item_id == item_id)
        )
        ingest = s.get(VaultEntry, row.ingest_entry)
        station = _stations(s, {row.officer_id}).get(row.officer_id)
        checkpoint = _checkpoint_size(s)
        assert ingest is not None  # an item names its ingest entry (verify checks it)
    return Item(
        item=row,
        station_id=station,
        files=files,
        categories=categories,
        cases=cases,
        holds=holds,
        shares=shares,
        ingest=parsed(ingest.idx, ingest.body),
        entries=[parsed(i, b) for i, b in newest],
        more_entries=max(0, (count or 0) - len(newest)),
        checkpoint_size=checkpoint,
        metadata=dict(row.source_metadata),
    )


def _checkpoint_size(s: Session) -> int:
    return s.scalar(select(func.max(VaultCheckpoint.size))) or 0


def file_of(vault: Vault, item_id: str, position: int) -> VaultFile | None:
    """The item's file at ``position`` (from 0), or None."""
    with vault.readers() as s:
        return s.scalar(
            select(VaultFile).where(VaultFile.item_id == item_id, VaultFile.position == position)
        )


@dataclass(frozen=True)
class LogPage:
    """A stretch of the custody log: ``size`` entries in all, ``checkpoint_size`` of them
    covered by the latest checkpoint."""

    size: int
    checkpoint_size: int
    entries: list[Entry]


def log_page(vault: Vault, *, start: int, limit: int, item_id: str | None) -> LogPage:
    """Entries from index ``start`` on (only those about ``item_id`` if given)."""
    with vault.readers() as s:
        head = s.get(VaultLogHead, 1)
        checkpoint = _checkpoint_size(s)
    entries = [
        parsed(e.index, e.body) for e in vault.entries(start=start, limit=limit, item=item_id)
    ]
    return LogPage(head.size if head else 0, checkpoint, entries)


def entry_item(vault: Vault, index: int) -> tuple[bool, str | None]:
    """Whether entry ``index`` exists, and the item it is about."""
    with vault.readers() as s:
        row = s.get(VaultEntry, index)
    return (row is not None, row.item_id if row is not None else None)
