"""The console's accounts in the operational database: users and their roles, login attempts,
and the access log of every read of officer-level data (migration ``0002_web_accounts``); the
signed-in sessions (migration ``0006_console_sessions``); the evidence custodian and investigator
roles and the cases each investigator is assigned (migration ``0009_vault_console``)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from onrecord.database.base import Base, UTCDateTime


class Role(StrEnum):
    """What an account may do; ``public`` is the anonymous visitor and never an account."""

    ADMIN = "admin"  # accounts and policies
    MANAGER = "manager"  # fleet and checkout
    SUPERVISOR = "supervisor"  # the review queue of their own station
    AUDITOR = "auditor"  # oversight: reads everything, including officer-level results
    CUSTODIAN = "custodian"  # the evidence vault: holds, categories, cases, shares, disposition
    INVESTIGATOR = "investigator"  # footage of their station's officers and of their cases


ROLE_CHECK = "role IN ('admin', 'manager', 'supervisor', 'auditor', 'custodian', 'investigator')"


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    station_id: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (
        CheckConstraint(ROLE_CHECK, name="user_role"),
        CheckConstraint(
            "role <> 'supervisor' OR station_id IS NOT NULL", name="supervisor_has_station"
        ),
    )


class LoginAttempt(Base):
    """Every login attempt, so throttling holds across restarts and worker processes."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    name: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    ok: Mapped[bool] = mapped_column(Boolean)
    __table_args__ = (
        Index("login_attempts_name_at", "name", "at"),
        Index("login_attempts_address_at", "address", "at"),
    )


class AccessLog(Base):
    """One read of officer-level data: who, what (the path and its query) and when."""

    __tablename__ = "access_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    what: Mapped[str] = mapped_column(String(1000))
    address: Mapped[str | None] = mapped_column(String(64))
    __table_args__ = (Index("access_log_at", "at"),)


class ConsoleSession(Base):
    """One sign-in to the console. The cookie carries a random token, signed; the row is found
    by the token's SHA-256, so the table alone (a backup, a dump) signs no one in. A session is
    good while it is not ended, younger than the settings' ``session_hours`` and its account
    active; ending one (sign-out, deactivation, a new password) is for good."""

    __tablename__ = "sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the token, hex
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(32))  # signed out, deactivated…


class InvestigatorCase(Base):
    """A case or incident id an investigator is assigned: they see the vault's items that name
    it (besides those of their station's officers). Set by an admin; the id need not be in the
    vault yet, so an investigator can be assigned before the footage arrives."""

    __tablename__ = "investigator_cases"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    assigned_by: Mapped[str] = mapped_column(String(64))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (Index("investigator_cases_case", "case_id"),)
