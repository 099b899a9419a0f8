"""Containers and the objects in them, staged in the operational database until a recording is
complete.

An object is staged only after its bytes are whole in the blob store, and an item is made only
when the system marks its recording ``Complete``, so a transfer stopped at any point (the
connection dropped, the process killed) leaves nothing visible: the system's retry puts the
object again and the recording completes. A second ``PUT`` of the same object (the system missed
the acknowledgement) finds the same bytes and changes nothing; before the recording is complete a
``PUT`` with other bytes replaces the object (Swift's semantics: the last write is what the system
meant). After ``Complete`` nothing may change (the API promises nothing more arrives): the same
bytes or metadata again are accepted as a retry, anything else is refused with :class:`Closed`.

Metadata follows Swift: a ``PUT`` or ``POST`` to a container merges its headers into the
container's metadata (an empty value removes the key); a ``POST`` to an object replaces the
object's metadata.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onrecord.database import connection as db
from onrecord.database.axis import AxisContainer, AxisObject
from onrecord.vault.axis.assemble import StagedContainer, StagedObject
from onrecord.vault.axis.names import ContainerKind
from onrecord.vault.items import FileRole

T = TypeVar("T")


class Closed(Exception):
    """The recording is complete and the request would change it; the message says so."""


class Change(StrEnum):
    """What a ``PUT`` of an object did."""

    NEW = "new"
    SAME = "same"
    REPLACED = "replaced"


@dataclass(frozen=True)
class Container:
    id: int
    name: str
    kind: ContainerKind
    meta: dict[str, str]
    completed_at: datetime | None
    item_id: str | None


@dataclass(frozen=True)
class Received:
    """An object's bytes, whole in the blob store."""

    role: FileRole
    media_type: str
    sha256: str
    size: int
    md5: str


def _container(row: AxisContainer) -> Container:
    return Container(
        row.id, row.name, ContainerKind(row.kind), dict(row.meta), row.completed_at, row.item_id
    )


def merge(meta: Mapping[str, str], headers: Mapping[str, str]) -> dict[str, str]:
    """Swift's container update: each header sets its key, an empty one removes it."""
    out = dict(meta)
    for key, value in headers.items():
        if value:
            out[key] = value
        else:
            out.pop(key, None)
    return out


def _transaction(engine: Engine, work: Callable[[Session], T]) -> T:
    """``work`` in one transaction, run again once if a concurrent request inserted the same
    row first (PostgreSQL; SQLite's transactions take the write lock up front)."""
    try:
        with Session(engine) as s, s.begin():
            return work(s)
    except IntegrityError:
        pass
    with Session(engine) as s, s.begin():
        return work(s)


def _closed(row: AxisContainer, what: str) -> Closed:
    return Closed(
        f"recording {row.name} was completed at {row.completed_at:%Y-%m-%dT%H:%M:%SZ} and is "
        f"vault item {row.item_id}; {what} would change it, and nothing more is stored in it"
    )


def container(engine: Engine, account_id: int, name: str) -> Container | None:
    with Session(engine.execution_options(**db.READ_ONLY)) as s:
        row = s.scalar(
            select(AxisContainer).where(
                AxisContainer.account_id == account_id, AxisContainer.name == name
            )
        )
        return None if row is None else _container(row)


def put_container(
    engine: Engine,
    account_id: int,
    name: str,
    kind: ContainerKind,
    headers: Mapping[str, str],
    now: datetime,
    *,
    existing_only: bool = False,
) -> tuple[Container, bool] | None:
    """Create the container or merge ``headers`` into its metadata. Returns it and whether it
    is new; None when ``existing_only`` (a POST) and it does not exist."""

    def work(s: Session) -> tuple[Container, bool] | None:
        row = s.scalar(
            select(AxisContainer).where(
                AxisContainer.account_id == account_id, AxisContainer.name == name
            )
        )
        if row is None:
            if existing_only:
                return None
            row = AxisContainer(
                account_id=account_id,
                name=name,
                kind=kind.value,
                meta=merge({}, headers),
                created_at=now,
                updated_at=now,
            )
            s.add(row)
            s.flush()
            return _container(row), True
        meta = merge(row.meta, headers)
        if meta != row.meta:
            if row.completed_at is not None:
                raise _closed(row, "new metadata")
            row.meta = meta
            row.updated_at = now
        return _container(row), False

    return _transaction(engine, work)


def put_object(
    engine: Engine,
    container_id: int,
    name: str,
    received: Received,
    meta: Mapping[str, str],
    now: datetime,
) -> Change:
    """Stage an object whose bytes are in the store (see the module's docstring)."""

    def work(s: Session) -> Change:
        owner = s.get(AxisContainer, container_id)
        assert owner is not None  # the caller found it; containers are never deleted
        row = s.get(AxisObject, (container_id, name))
        if row is not None and row.sha256 == received.sha256:
            if dict(meta) != row.meta:
                if owner.completed_at is not None:
                    raise _closed(owner, f"new metadata for {name}")
                row.meta = dict(meta)
            return Change.SAME
        if owner.completed_at is not None:
            raise _closed(owner, f"a new object {name}" if row is None else f"new bytes of {name}")
        values = {
            "role": received.role.value,
            "media_type": received.media_type,
            "sha256": received.sha256,
            "size": received.size,
            "md5": received.md5,
            "meta": dict(meta),
            "received_at": now,
            "item_id": None,
        }
        if row is None:
            s.add(AxisObject(container_id=container_id, name=name, **values))
            return Change.NEW
        for column, value in values.items():
            setattr(row, column, value)
        return Change.REPLACED

    return _transaction(engine, work)


def post_object(
    engine: Engine, container_id: int, name: str, meta: Mapping[str, str], now: datetime
) -> bool:
    """Replace a staged object's metadata; False when there is no such object."""

    def work(s: Session) -> bool:
        row = s.get(AxisObject, (container_id, name))
        if row is None:
            return False
        if dict(meta) != row.meta:
            owner = s.get(AxisContainer, container_id)
            if owner is not None and owner.completed_at is not None:
                raise _closed(owner, f"new metadata for {name}")
            row.meta = dict(meta)
        return True

    return _transaction(engine, work)


def staged(engine: Engine, account: str, c: Container) -> StagedContainer:
    """The container and every object staged in it, as the assembler reads them."""
    with Session(engine.execution_options(**db.READ_ONLY)) as s:
        rows = s.scalars(
            select(AxisObject).where(AxisObject.container_id == c.id).order_by(AxisObject.name)
        )
        objects = tuple(
            StagedObject(o.name, FileRole(o.role), o.media_type, o.sha256, o.size, dict(o.meta))
            for o in rows
        )
    return StagedContainer(account, c.name, c.meta, objects)


def staged_object(
    engine: Engine, account: str, c: Container, name: str
) -> tuple[StagedContainer, str | None]:
    """The container with only object ``name``, and the item that object already became."""
    with Session(engine.execution_options(**db.READ_ONLY)) as s:
        o = s.get(AxisObject, (c.id, name))
        assert o is not None  # staged by the caller just before
        obj = StagedObject(o.name, FileRole(o.role), o.media_type, o.sha256, o.size, dict(o.meta))
        item_id = o.item_id
    return StagedContainer(account, c.name, c.meta, (obj,)), item_id


def complete(engine: Engine, container_id: int, item_id: str, now: datetime) -> None:
    """Record that the recording became vault item ``item_id`` (kept if already recorded)."""
    with Session(engine) as s, s.begin():
        s.execute(
            update(AxisContainer)
            .where(AxisContainer.id == container_id, AxisContainer.completed_at.is_(None))
            .values(completed_at=now, item_id=item_id, updated_at=now)
        )


def object_item(engine: Engine, container_id: int, name: str, item_id: str) -> None:
    """Record that a rejected object became vault item ``item_id``."""
    with Session(engine) as s, s.begin():
        s.execute(
            update(AxisObject)
            .where(AxisObject.container_id == container_id, AxisObject.name == name)
            .values(item_id=item_id)
        )
