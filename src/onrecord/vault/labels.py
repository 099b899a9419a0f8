"""An item's categories and case ids, set after ingest by a custodian: each change a custody
entry (``category set``, ``case set``) with the new list and the one it replaced.

Categories decide retention and case ids keep footage while their case is open, so a change is
evidence of how long the footage will be kept; it is logged whole (not as a difference) so that
the entry alone says what the item carried from then on. A case id the vault has not heard of is
created open, as at ingest. Setting the list the item already has changes and logs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select

from onrecord.database.vault import VaultCase, VaultItem, VaultItemCase, VaultItemCategory
from onrecord.vault.errors import VaultError
from onrecord.vault.log import Action
from onrecord.vault.service import Vault

LONGEST = 100
MOST = 50


def clean(values: Iterable[str], what: str) -> list[str]:
    """``values`` trimmed, blank ones dropped, each once, sorted; or a ``VaultError`` naming
    the one that cannot be a ``what``."""
    found: set[str] = set()
    for value in values:
        value = value.strip()
        if not value:
            continue
        if len(value) > LONGEST or not value.isprintable():
            raise VaultError(f"{value[:40]!r}: a {what} is 1 to {LONGEST} printable characters")
        found.add(value)
    if len(found) > MOST:
        raise VaultError(f"{len(found)} {what}s: an item carries {MOST} at most")
    return sorted(found)


def set_categories(
    vault: Vault, item_id: str, categories: Iterable[str], *, actor: str, address: str | None
) -> int | None:
    """Give the item exactly ``categories``; the ``category set`` entry's index, or None when
    nothing changed."""
    new = clean(categories, "category")
    with vault.writing() as log:
        s = log.session
        if s.get(VaultItem, item_id) is None:
            raise VaultError(f"there is no item {item_id}")
        old = sorted(
            s.scalars(
                select(VaultItemCategory.category).where(VaultItemCategory.item_id == item_id)
            )
        )
        if old == new:
            return None
        s.execute(delete(VaultItemCategory).where(VaultItemCategory.item_id == item_id))
        s.add_all(VaultItemCategory(item_id=item_id, category=c) for c in new)
        return log.append(
            Action.CATEGORY_SET,
            actor=actor,
            item=item_id,
            details={"categories": new, "previous": old},
            source=address,
        )


def set_cases(
    vault: Vault, item_id: str, cases: Iterable[str], *, actor: str, address: str | None
) -> int | None:
    """Give the item exactly ``cases``; the ``case set`` entry's index, or None when nothing
    changed."""
    new = clean(cases, "case id")
    with vault.writing() as log:
        s = log.session
        if s.get(VaultItem, item_id) is None:
            raise VaultError(f"there is no item {item_id}")
        old = sorted(
            s.scalars(select(VaultItemCase.case_id).where(VaultItemCase.item_id == item_id))
        )
        if old == new:
            return None
        now = vault.clock()
        for case_id in new:
            if s.get(VaultCase, case_id) is None:
                s.add(VaultCase(case_id=case_id, status="open", opened_at=now))
        s.flush()
        s.execute(delete(VaultItemCase).where(VaultItemCase.item_id == item_id))
        s.add_all(VaultItemCase(item_id=item_id, case_id=c) for c in new)
        return log.append(
            Action.CASE_SET,
            actor=actor,
            item=item_id,
            details={"cases": new, "previous": old},
            source=address,
        )
