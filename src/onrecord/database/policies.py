"""The department's own policies, as admins added them in the console."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onrecord.database.base import Base, UTCDateTime


class DepartmentPolicy(Base):
    """A policy an admin added, as the YAML text they gave. Rows are never edited or deleted,
    only deactivated, so a policy id always means one text (an audit under it can be re-run)."""

    __tablename__ = "policies"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
