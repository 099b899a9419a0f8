"""Retention in force and disposition over the vault's database (vault contract, "Retention and
holds"; the decision itself is ``vault.retention``, pure).

The schedule in force is kept in the vault's settings as its YAML text (``use_schedule``, a
``retention changed`` entry), so disposition applies exactly what was adopted, whatever later
happens to the file. ``dispose`` decides item by item inside the transaction that deletes, with
the holds and cases read in that same transaction: a hold placed while a run is under way is
seen before the item's bytes go. Each file's ``dispose`` entry (its name, SHA-256 and size) and
its ``disposed`` mark commit first; the bytes are deleted after, and only when no kept file
shares them, so a run stopped half-way leaves bytes to delete (the next run deletes them, and
``verify`` names them meanwhile), never a deletion without its entry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from onrecord.database.vault import (
    VaultCase,
    VaultFile,
    VaultHold,
    VaultItem,
    VaultItemCase,
    VaultItemCategory,
    VaultSettings,
)
from onrecord.vault.errors import VaultError
from onrecord.vault.log import Action
from onrecord.vault.retention import Decision, Hold, ItemFacts, Schedule, decide, parse_schedule
from onrecord.vault.service import Vault


def use_schedule(vault: Vault, schedule: Schedule, *, actor: str, address: str | None) -> int:
    """Put ``schedule`` in force; returns its ``retention changed`` entry's index."""
    text = schedule.text
    with vault.writing() as log:
        settings = log.session.scalar(select(VaultSettings))
        if settings is None:
            raise VaultError("this database holds no vault; create one with `onrecord vault init`")
        before = settings.retention_name
        settings.retention_name, settings.retention_text = schedule.name, text
        return log.append(
            Action.RETENTION_CHANGED,
            actor=actor,
            item=None,
            source=address,
            details={
                "schedule": schedule.name,
                "title": schedule.title,
                "source": schedule.source.citation,
                "sha256": hashlib.sha256(text.encode()).hexdigest(),
                "replaces": before,
            },
        )


def schedule_in_force(vault: Vault) -> Schedule:
    """The schedule ``use_schedule`` put in force, or a ``VaultError`` saying how to set one."""
    with vault.readers() as s:
        settings = s.scalar(select(VaultSettings))
    if settings is None or settings.retention_text is None:
        raise VaultError(
            "the vault has no retention schedule; put one in force with "
            "`onrecord vault retention use NAME_OR_FILE --db URL`"
        )
    return parse_schedule(
        settings.retention_text, f"the vault's schedule {settings.retention_name}"
    )


def _holds(s: Session) -> list[Hold]:
    return [
        Hold(
            hold_id=str(h.id),
            placed_by=h.placed_by,
            placed_at=h.placed_at,
            reason=h.reason,
            item_id=h.item_id,
            case_id=h.case_id,
            released_at=h.released_at,
        )
        for h in s.scalars(select(VaultHold).where(VaultHold.released_at.is_(None)))
    ]


def _open_cases(s: Session) -> set[str]:
    return set(s.scalars(select(VaultCase.case_id).where(VaultCase.status == "open")))


def _facts(s: Session, items: Iterable[VaultItem]) -> list[ItemFacts]:
    items = list(items)
    ids = [i.id for i in items]
    categories: dict[str, list[str]] = {}
    cases: dict[str, list[str]] = {}
    for item_id, category in s.execute(
        select(VaultItemCategory.item_id, VaultItemCategory.category).where(
            VaultItemCategory.item_id.in_(ids)
        )
    ):
        categories.setdefault(item_id, []).append(category)
    for item_id, case_id in s.execute(
        select(VaultItemCase.item_id, VaultItemCase.case_id).where(VaultItemCase.item_id.in_(ids))
    ):
        cases.setdefault(item_id, []).append(case_id)
    return [
        ItemFacts(
            item_id=i.id,
            end=i.end,
            categories=tuple(sorted(categories.get(i.id, ()))),
            case_ids=tuple(sorted(cases.get(i.id, ()))),
        )
        for i in items
    ]


def _kept_items(s: Session) -> list[VaultItem]:
    """Items with at least one file not yet disposed of, in id order."""
    kept = select(VaultFile.item_id).where(VaultFile.disposed.is_(False)).distinct()
    return list(s.scalars(select(VaultItem).where(VaultItem.id.in_(kept)).order_by(VaultItem.id)))


@dataclass
class DispositionRun:
    """What a run decided (every kept item, in id order) and, unless a dry run, did."""

    decisions: list[Decision]
    disposed_files: int = 0
    deleted_blobs: int = 0
    entries: list[int] = field(default_factory=list)

    @property
    def eligible(self) -> list[Decision]:
        return [d for d in self.decisions if d.eligible]


def plan(vault: Vault, schedule: Schedule, now: datetime) -> list[Decision]:
    """The decision for every item still holding bytes, as a dry run shows it."""
    with vault.readers() as s:
        items = _kept_items(s)
        holds, cases = _holds(s), _open_cases(s)
        return [decide(f, schedule, holds, cases, now) for f in _facts(s, items)]


def dispose(
    vault: Vault,
    schedule: Schedule,
    *,
    actor: str,
    address: str | None,
    now: datetime,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> DispositionRun:
    """Delete the bytes of every eligible item (see the module); ``dry_run`` only decides."""
    run = DispositionRun(plan(vault, schedule, now))
    if dry_run:
        return run
    todo = [d.item_id for d in run.eligible]
    for done, item_id in enumerate(todo, start=1):
        disposed: list[str] = []
        with vault.writing() as log:
            s = log.session
            item = s.get(VaultItem, item_id)
            if item is None:
                continue
            decision = decide(_facts(s, [item])[0], schedule, _holds(s), _open_cases(s), now)
            if not decision.eligible:  # a hold or a case came since the plan
                continue
            files = s.scalars(
                select(VaultFile)
                .where(VaultFile.item_id == item_id, VaultFile.disposed.is_(False))
                .order_by(VaultFile.position)
            )
            for f in files:
                idx = log.append(
                    Action.DISPOSE,
                    actor=actor,
                    item=item_id,
                    source=address,
                    details={
                        "name": f.name,
                        "sha256": f.sha256,
                        "size": f.size,
                        "schedule": schedule.name,
                        "basis": decision.basis,
                    },
                )
                f.disposed, f.disposed_entry = True, idx
                run.entries.append(idx)
                run.disposed_files += 1
                disposed.append(f.sha256)
        run.deleted_blobs += _delete_unkept(vault, disposed)
        if progress:
            progress(done, len(todo))
    run.deleted_blobs += _delete_unkept(vault, _orphaned(vault))
    if run.entries:
        vault.checkpoint()
    return run


def _orphaned(vault: Vault) -> list[str]:
    """Hashes whose every file was disposed of (a run stopped before deleting their bytes)."""
    kept = func.sum(case((VaultFile.disposed.is_(False), 1), else_=0))
    with vault.readers() as s:
        return list(
            s.scalars(select(VaultFile.sha256).group_by(VaultFile.sha256).having(kept == 0))
        )


def _delete_unkept(vault: Vault, hashes: Iterable[str]) -> int:
    """Delete the stored bytes of each hash no kept file shares; how many were stored."""
    deleted = 0
    for sha in dict.fromkeys(hashes):
        with vault.readers() as s:
            still = s.scalar(
                select(func.count())
                .select_from(VaultFile)
                .where(VaultFile.sha256 == sha, VaultFile.disposed.is_(False))
            )
        if still:
            continue
        if vault.store.size(sha) is not None:
            vault.store.delete(sha)
            deleted += 1
    return deleted
