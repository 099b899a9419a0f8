"""Share links: someone without an account (a prosecutor, a defence lawyer, a court) sees and
downloads the items a custodian named, until the link expires or is revoked.

The link carries a random token (256 bits); the database keeps only its SHA-256, so neither a
copy of the database nor its backups open a share. Making a share writes a ``share created``
entry for each item it names, revoking it a ``share revoked`` entry for each, and every use —
opening the share's page, playing, downloading, and each refused attempt on a known share (an
expired or revoked link, an item it does not name) — a ``share used`` entry whose actor is
``share:<id>``. A token that matches no share concerns no evidence and is not logged: logging it
would let anyone write to the permanent log.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from onrecord.database.vault import VaultItem
from onrecord.database.vault_access import VaultShare, VaultShareItem
from onrecord.vault.errors import VaultError
from onrecord.vault.log import Action, rfc3339
from onrecord.vault.service import Vault

RECIPIENT_ROLES = ("prosecutor", "defence", "court", "other")
MAX_DAYS = 90
"""The longest a share may last: a link is a bearer credential, so it should not outlive its
need; a custodian makes a new one when a case goes on."""
MAX_ITEMS = 100
NAME_MAX = 200
PURPOSE_MAX = 1000


class ShareRefused(VaultError):
    """A known share that may not be used now (expired or revoked): ``share`` is it."""

    def __init__(self, share: VaultShare, reason: str) -> None:
        super().__init__(reason)
        self.share = share


class NoSuchShare(VaultError):
    """No share has that number."""


class AlreadyRevoked(VaultError):
    """The share was revoked before."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def actor(share: VaultShare) -> str:
    """Who acts, in the custody log, when a share's holder uses it."""
    return f"share:{share.id}"


@dataclass(frozen=True)
class Made:
    """A new share and its token: the token is shown once and never again."""

    share_id: int
    token: str
    expires_at: datetime
    items: tuple[str, ...]
    entries: tuple[int, ...]


def _text(value: str, what: str, longest: int, *, empty: bool = False) -> str:
    value = value.strip()
    if (not value and not empty) or len(value) > longest or "\x00" in value:
        raise VaultError(f"give {what} in {0 if empty else 1} to {longest} characters")
    return value


def create_share(
    vault: Vault,
    items: Sequence[str],
    *,
    recipient: str,
    recipient_role: str,
    purpose: str,
    days: int,
    actor: str,
    address: str | None,
) -> Made:
    """A share of ``items`` for ``recipient`` lasting ``days`` (1 to ``MAX_DAYS``)."""
    named = list(dict.fromkeys(i.strip() for i in items if i.strip()))
    if not named or len(named) > MAX_ITEMS:
        raise VaultError(f"a share names 1 to {MAX_ITEMS} items")
    recipient = _text(recipient, "the recipient's name", NAME_MAX)
    purpose = _text(purpose, "the purpose", PURPOSE_MAX, empty=True)
    if recipient_role not in RECIPIENT_ROLES:
        raise VaultError(f"the recipient is one of: {', '.join(RECIPIENT_ROLES)}")
    if not 1 <= days <= MAX_DAYS:
        raise VaultError(f"a share lasts 1 to {MAX_DAYS} days")
    token = secrets.token_urlsafe(32)
    with vault.writing() as log:
        s = log.session
        missing = [i for i in named if s.get(VaultItem, i) is None]
        if missing:
            raise VaultError(f"there is no item {', '.join(missing)}")
        now = vault.clock()
        share = VaultShare(
            token_hash=digest(token), recipient=recipient, recipient_role=recipient_role,
            purpose=purpose, created_by=actor, created_at=now, created_entry=log.size,
            expires_at=now + timedelta(days=days),
        )  # fmt: skip
        s.add(share)
        s.flush()
        s.add_all(VaultShareItem(share_id=share.id, item_id=i) for i in named)
        details = {
            "share": share.id,
            "recipient": recipient,
            "recipient_role": recipient_role,
            "purpose": purpose,
            "expires": rfc3339(share.expires_at),
            "items": named,
        }
        entries = tuple(
            log.append(Action.SHARE_CREATED, actor=actor, item=i, details=details, source=address)
            for i in named
        )
        return Made(share.id, token, share.expires_at, tuple(named), entries)


def share_items(vault: Vault, share_id: int) -> list[str]:
    with vault.readers() as s:
        return list(
            s.scalars(
                select(VaultShareItem.item_id)
                .where(VaultShareItem.share_id == share_id)
                .order_by(VaultShareItem.item_id)
            )
        )


def find(vault: Vault, token: str) -> VaultShare | None:
    """The share whose token is ``token``, whatever its state; None for no share."""
    if not 20 <= len(token) <= 100:
        return None
    with vault.readers() as s:
        return s.scalar(select(VaultShare).where(VaultShare.token_hash == digest(token)))


def check(share: VaultShare, now: datetime) -> None:
    """Raise :class:`ShareRefused` if ``share`` may not be used at ``now``."""
    if share.revoked_at is not None:
        raise ShareRefused(share, f"this link was revoked on {share.revoked_at:%Y-%m-%d %H:%M} UTC")
    if now >= share.expires_at:
        raise ShareRefused(share, f"this link expired on {share.expires_at:%Y-%m-%d %H:%M} UTC")


def record_use(
    vault: Vault,
    share: VaultShare,
    items: Iterable[str | None],
    *,
    use: str,
    address: str | None,
    outcome: str = "success",
    details: Mapping[str, Any] | None = None,
) -> list[int]:
    """One ``share used`` entry per item of ``items`` (None: about no item), in one
    transaction; ``use`` says what was done (``view``, ``play``, ``download``)."""
    body = {"share": share.id, "use": use, **(details or {})}
    with vault.writing() as log:
        return [
            log.append(
                Action.SHARE_USED,
                actor=actor(share),
                item=i,
                details=body,
                source=address,
                outcome=outcome,
            )
            for i in items
        ]


def revoke(
    vault: Vault, share_id: int, *, reason: str, actor: str, address: str | None
) -> list[int]:
    """End share ``share_id`` now: one ``share revoked`` entry per item it names."""
    reason = _text(reason, "the reason", PURPOSE_MAX)
    with vault.writing() as log:
        s = log.session
        share = s.get(VaultShare, share_id)
        if share is None:
            raise NoSuchShare(f"there is no share {share_id}")
        if share.revoked_at is not None:
            raise AlreadyRevoked(f"share {share_id} was revoked already")
        named = list(
            s.scalars(
                select(VaultShareItem.item_id)
                .where(VaultShareItem.share_id == share_id)
                .order_by(VaultShareItem.item_id)
            )
        )
        details = {"share": share_id, "reason": reason}
        entries = [
            log.append(Action.SHARE_REVOKED, actor=actor, item=i, details=details, source=address)
            for i in named
        ]
        share.revoked_by, share.revoked_at = actor, log.last_time
        share.revoke_reason, share.revoked_entry = reason, entries[0]
        return entries


@dataclass(frozen=True)
class Listed:
    share: VaultShare
    items: tuple[str, ...]


def every_share(vault: Vault) -> list[Listed]:
    """Every share, newest first, with its items."""
    with vault.readers() as s:
        found = list(s.scalars(select(VaultShare).order_by(VaultShare.id.desc())))
        named: dict[int, list[str]] = {}
        for share_id, item_id in s.execute(
            select(VaultShareItem.share_id, VaultShareItem.item_id).order_by(VaultShareItem.item_id)
        ):
            named.setdefault(share_id, []).append(item_id)
    return [Listed(sh, tuple(named.get(sh.id, ()))) for sh in found]
