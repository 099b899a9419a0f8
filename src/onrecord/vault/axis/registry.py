"""The objects a body-worn system registers: its users (``Users``), cameras (``Devices``) and
itself (``System``), each only metadata.

A user is the system's internal UUID; its ``UserID`` (written when the destination declares
``StoreUserIDKey``) is the department's own officer id, the one recordings are filed under. A
recording whose user or camera was never registered, or whose user has no ``UserID``, cannot be
filed (400). ``Active`` is kept but refuses nothing: footage recorded before a user or camera was
deactivated must still arrive.

A ``PUT`` registers or replaces an object; a ``POST`` replaces the metadata of one that exists
(Swift's semantics, both).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from onrecord.database import connection as db
from onrecord.database.axis import AxisAccount, AxisDevice, AxisSystem, AxisUser
from onrecord.vault.axis.names import ContainerKind

RegistryRow = type[AxisUser] | type[AxisDevice] | type[AxisSystem]


@dataclass(frozen=True)
class Person:
    """A registered user: the system's UUID, the officer id (``UserID``) and display name."""

    uuid: str
    user_id: str | None
    name: str | None


@dataclass(frozen=True)
class Camera:
    serial: str
    name: str | None
    model: str | None


def _active(text: str | None) -> bool | None:
    """``Active`` is ``True`` or ``False`` (any case); anything else says nothing."""
    return {"true": True, "false": False}.get((text or "").strip().lower())


def _text(meta: Mapping[str, str], key: str) -> str | None:
    return meta.get(key, "").strip() or None


def _columns(kind: ContainerKind, meta: Mapping[str, str]) -> dict[str, Any]:
    if kind is ContainerKind.USERS:
        return {
            "user_id": _text(meta, "UserID"),
            "name": _text(meta, "Name"),
            "active": _active(meta.get("Active")),
        }
    if kind is ContainerKind.DEVICES:
        return {
            "name": _text(meta, "Name"),
            "model": _text(meta, "Model"),
            "active": _active(meta.get("Active")),
        }
    return {"connection_id": _text(meta, "ConnectionId"), "system_name": _text(meta, "SystemName")}


def _model(kind: ContainerKind) -> tuple[RegistryRow, str]:
    if kind is ContainerKind.USERS:
        return AxisUser, "uuid"
    if kind is ContainerKind.DEVICES:
        return AxisDevice, "serial"
    if kind is ContainerKind.SYSTEM:
        return AxisSystem, "system_id"
    raise ValueError(f"{kind} is not a registry container")


def register(
    engine: Engine,
    account_id: int,
    kind: ContainerKind,
    name: str,
    meta: Mapping[str, str],
    now: datetime,
    *,
    existing_only: bool = False,
) -> bool | None:
    """Set the metadata of object ``name`` of ``kind``'s container. Returns whether it is new,
    or None (nothing written) when ``existing_only`` (a POST) and it does not exist."""
    model, key = _model(kind)
    values = {**_columns(kind, meta), "meta": dict(meta), "updated_at": now}
    with Session(engine) as s, s.begin():
        row = s.get(model, (account_id, name))
        if row is None:
            if existing_only:
                return None
            s.add(model(account_id=account_id, **{key: name}, **values))
            return True
        for column, value in values.items():
            setattr(row, column, value)
        return False


def user(engine: Engine, account_id: int, uuid: str) -> Person | None:
    with Session(engine.execution_options(**db.READ_ONLY)) as s:
        row = s.get(AxisUser, (account_id, uuid))
        return None if row is None else Person(row.uuid, row.user_id, row.name)


def device(engine: Engine, account_id: int, serial: str) -> Camera | None:
    with Session(engine.execution_options(**db.READ_ONLY)) as s:
        row = s.get(AxisDevice, (account_id, serial))
        return None if row is None else Camera(row.serial, row.name, row.model)


def system_meta(engine: Engine, account_id: int, system_id: str) -> dict[str, str] | None:
    """A registered system object's metadata (what ``GET System/<id>`` answers)."""
    with Session(engine.execution_options(**db.READ_ONLY)) as s:
        row = s.get(AxisSystem, (account_id, system_id))
        return None if row is None else {str(k): str(v) for k, v in row.meta.items()}


def users(engine: Engine) -> list[tuple[str, Person]]:
    """Every registered user with the name of its system's credentials, for the
    administrator's listing (users without a ``UserID`` have their recordings refused)."""
    with Session(engine.execution_options(**db.READ_ONLY)) as s:
        rows = s.execute(
            select(AxisAccount.name, AxisUser)
            .join(AxisUser, AxisUser.account_id == AxisAccount.id)
            .order_by(AxisAccount.name, AxisUser.name, AxisUser.uuid)
        )
        return [(name, Person(u.uuid, u.user_id, u.name)) for name, u in rows]
