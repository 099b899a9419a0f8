"""Legal holds, placed and released with a reason, each a custody entry (``hold placed``,
``hold released``).

A hold is on one item or on a case (every item that names it, now or later); nothing a hold in
force covers is ever disposed of (``disposition``). A hold on a case the vault has not heard of
creates the case, open, as an ingest naming it would: a hold can come before the footage. Its
entry names the item (so the item's timeline and bundles carry it) or, for a case, the case in
its details with no item.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from onrecord.database.vault import VaultCase, VaultHold, VaultItem
from onrecord.vault.errors import VaultError
from onrecord.vault.log import Action
from onrecord.vault.service import Vault

REASON_MAX = 1000
CASE_MAX = 100


class NoSuchHold(VaultError):
    """No hold has that number."""


class AlreadyReleased(VaultError):
    """The hold was released before; a release is for good."""


@dataclass(frozen=True)
class Placed:
    hold_id: int
    entry: int


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason or len(reason) > REASON_MAX:
        raise VaultError(f"give the reason in 1 to {REASON_MAX} characters")
    return reason


def place_hold(
    vault: Vault,
    *,
    item_id: str | None = None,
    case_id: str | None = None,
    reason: str,
    actor: str,
    address: str | None,
) -> Placed:
    """Place a hold on ``item_id`` or on ``case_id`` (one of them)."""
    if (item_id is None) == (case_id is None):
        raise VaultError("a hold is on an item or on a case: give one of them")
    reason = _reason(reason)
    if case_id is not None:
        case_id = case_id.strip()
        if not case_id or len(case_id) > CASE_MAX or not case_id.isprintable():
            raise VaultError(f"a case id is 1 to {CASE_MAX} printable characters")
    with vault.writing() as log:
        s = log.session
        if item_id is not None and s.get(VaultItem, item_id) is None:
            raise VaultError(f"there is no item {item_id}")
        now = vault.clock()
        if case_id is not None and s.get(VaultCase, case_id) is None:
            s.add(VaultCase(case_id=case_id, status="open", opened_at=now))
            s.flush()
        hold = VaultHold(
            item_id=item_id, case_id=case_id, reason=reason, placed_by=actor, placed_at=now,
            placed_entry=log.size,  # the entry appended below, which names the hold's id
        )  # fmt: skip
        s.add(hold)
        s.flush()
        details: dict[str, object] = {"hold": hold.id, "reason": reason}
        if case_id is not None:
            details["case"] = case_id
        index = log.append(
            Action.HOLD_PLACED, actor=actor, item=item_id, details=details, source=address
        )
        return Placed(hold.id, index)


def release_hold(
    vault: Vault, hold_id: int, *, reason: str, actor: str, address: str | None
) -> int:
    """Release hold ``hold_id``; returns the ``hold released`` entry's index."""
    reason = _reason(reason)
    with vault.writing() as log:
        s = log.session
        hold = s.get(VaultHold, hold_id)
        if hold is None:
            raise NoSuchHold(f"there is no hold {hold_id}")
        if hold.released_at is not None:
            raise AlreadyReleased(
                f"hold {hold_id} was released on {hold.released_at:%Y-%m-%d %H:%M} UTC by "
                f"{hold.released_by}"
            )
        details: dict[str, object] = {"hold": hold.id, "reason": reason}
        if hold.case_id is not None:
            details["case"] = hold.case_id
        index = log.append(
            Action.HOLD_RELEASED, actor=actor, item=hold.item_id, details=details, source=address
        )
        hold.released_by, hold.released_at = actor, log.last_time
        hold.release_reason, hold.released_entry = reason, index
        return index


def holds(vault: Vault, *, in_force_only: bool = False) -> list[VaultHold]:
    """Every hold, newest first (only those in force, if asked)."""
    query = select(VaultHold).order_by(VaultHold.placed_at.desc(), VaultHold.id.desc())
    if in_force_only:
        query = query.where(VaultHold.released_at.is_(None))
    with vault.readers() as s:
        return list(s.scalars(query))
