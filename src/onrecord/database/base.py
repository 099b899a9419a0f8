"""The operational database's declarative base and the column type every table's times use.

Every capability's tables (the fleet's, the console's accounts and policies, later the vault's)
share this ``Base`` and one Alembic history, so one ``onrecord fleet upgrade`` keeps the whole
database current.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as naive UTC, so SQLite and PostgreSQL hold the same values and
    comparisons in SQL are plain; values read back are aware (UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"{value} has no time zone; the database stores absolute instants")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass
