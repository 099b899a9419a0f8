"""The Axis content destination's state in the operational database (migration ``0008``).

An Axis body-worn system is a Swift client: it signs in with the credentials of its connection
file (``axis_accounts``: the key kept as an argon2id hash, never in clear), works with
short-lived tokens (``axis_tokens``: their SHA-256 only), registers its users, cameras and
itself as objects (``axis_users``, ``axis_devices``, ``axis_systems``), and delivers each
recording as a container of objects. Until the system marks a recording ``Complete`` its
container and objects are staged here (``axis_containers``, ``axis_objects``: each object's
SHA-256 and size, its bytes already in the blob store), so a process stopped mid-transfer loses
nothing that was acknowledged and shows nothing half-done: an item exists only once the vault's
ingest has run, and ``item_id`` records which item a container (or a rejected object) became.
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
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from onrecord.database.base import Base, UTCDateTime


class AxisAccount(Base):
    """One connected body-worn system's credentials (the connection file's ``BlobAPIUserName``
    and ``BlobAPIKey``); its Swift account is ``AUTH_<name>``. Never deleted: a new key for the
    same system replaces ``key_hash`` and ends every token issued under the old one."""

    __tablename__ = "axis_accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    key_hash: Mapped[str] = mapped_column(String(255))
    site_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    key_set_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AxisToken(Base):
    """A token handed out by ``GET /auth/v1.0``, found by the SHA-256 of its value."""

    __tablename__ = "axis_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("axis_accounts.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AxisUser(Base):
    """An object of the ``Users`` container: the system's internal UUID for a person, and the
    department's officer id the administrator typed as its ``UserID``."""

    __tablename__ = "axis_users"
    account_id: Mapped[int] = mapped_column(ForeignKey("axis_accounts.id"), primary_key=True)
    uuid: Mapped[str] = mapped_column(String(256), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool | None] = mapped_column(Boolean)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AxisDevice(Base):
    """An object of the ``Devices`` container: a camera, named by its serial number."""

    __tablename__ = "axis_devices"
    account_id: Mapped[int] = mapped_column(ForeignKey("axis_accounts.id"), primary_key=True)
    serial: Mapped[str] = mapped_column(String(256), primary_key=True)
    name: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool | None] = mapped_column(Boolean)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AxisSystem(Base):
    """An object of the ``System`` container: a body-worn system's id and its name, which the
    system reads back to check that it still talks to the same destination."""

    __tablename__ = "axis_systems"
    account_id: Mapped[int] = mapped_column(ForeignKey("axis_accounts.id"), primary_key=True)
    system_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    connection_id: Mapped[str | None] = mapped_column(Text)
    system_name: Mapped[str | None] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AxisContainer(Base):
    """A container the system created: ``System``, ``Users``, ``Devices``, a recording
    (``<user>_<serial>_<time>``) or rejected content, with its metadata as received (decoded).

    A recording is staged until its ``Status`` is ``Complete``; ``completed_at`` and
    ``item_id`` then say when and which vault item it became."""

    __tablename__ = "axis_containers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("axis_accounts.id"))
    name: Mapped[str] = mapped_column(String(256))
    kind: Mapped[str] = mapped_column(String(16))
    meta: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    item_id: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (
        UniqueConstraint("account_id", "name", name="axis_container_name"),
        CheckConstraint(
            "kind IN ('system', 'users', 'devices', 'recording', 'rejected')",
            name="axis_container_kind",
        ),
    )


class AxisObject(Base):
    """An object received into a recording or rejected-content container: its bytes are in the
    blob store under ``sha256``; ``md5`` is the Swift ``Etag`` answered. A rejected object is an
    item of its own (``item_id``) as soon as it is in."""

    __tablename__ = "axis_objects"
    container_id: Mapped[int] = mapped_column(ForeignKey("axis_containers.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(1024), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    md5: Mapped[str] = mapped_column(String(32))
    meta: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    item_id: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (Index("axis_objects_sha256", "sha256"),)
