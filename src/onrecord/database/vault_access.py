"""Access to the vault's footage from the console (migration ``0009_vault_console``): share links
and playback sessions.

A **share** lets someone without an account (a prosecutor, a defence lawyer) see and download
the items it names until it expires or is revoked. The link's random token is never stored: the
row keeps its SHA-256, so a copy of the database opens no share. Creating and revoking one are
custody entries (``created_entry``, ``revoked_entry``).

A **playback** is one press of play: the first byte-range request under a play token logs the
``play`` entry and records the token's hash here, so the player's later range requests (seeking,
buffering) under the same token log nothing more.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from onrecord.database.base import Base, UTCDateTime


class VaultShare(Base):
    """One share link: for whom (``recipient``, in the role ``recipient_role``), made by whom and
    when, until when, and if revoked by whom, when and why."""

    __tablename__ = "vault_shares"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the token, hex
    recipient: Mapped[str] = mapped_column(String(200))
    recipient_role: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(1000))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_entry: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(String(1000))
    revoked_entry: Mapped[int | None] = mapped_column(BigInteger)
    __table_args__ = (
        CheckConstraint(
            "recipient_role IN ('prosecutor', 'defence', 'court', 'other')",
            name="vault_share_recipient_role",
        ),
        CheckConstraint("expires_at > created_at", name="vault_share_expires"),
        CheckConstraint(
            "(revoked_at IS NULL) = (revoked_by IS NULL) "
            "AND (revoked_at IS NULL) = (revoked_entry IS NULL)",
            name="vault_share_revoked",
        ),
    )


class VaultShareItem(Base):
    """An item a share names: the only items its holder may see."""

    __tablename__ = "vault_share_items"
    share_id: Mapped[int] = mapped_column(ForeignKey("vault_shares.id"), primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("vault_items.id"), primary_key=True)


class VaultPlayback(Base):
    """A playback session: the SHA-256 of its play token, and the ``play`` entry it logged."""

    __tablename__ = "vault_playbacks"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("vault_items.id"))
    entry: Mapped[int] = mapped_column(BigInteger)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
