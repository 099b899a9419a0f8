"""Records requests over the vault: log a request, propose and take the items that answer it,
plan their redaction, approve or deny, and the requester's download link.

Every change of a request happens in one transaction that holds the custody log's head
(``Vault.writing``), so concurrent officers, workers and approvals queue there: a status is read
and changed together, and the entries describing a change commit with it or not at all.

A release is made in two steps. First each redacted item is ingested into the vault as a new
item (source ``release``, its metadata naming the request and the source item); an ingest is
idempotent on its key, so a repeat after a crash finds the item already made. Then one
transaction marks the request released, makes the download link, and writes the ``release
published`` entries (on each new item and on its source item) and ``share created``. A request
is therefore released with all of it or not at all.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, event, func, select, true, update
from sqlalchemy.orm import Session

from onrecord.database.fleet import DeviceEvent, Shift
from onrecord.database.release import (
    ReleaseCandidate,
    ReleaseEdit,
    ReleaseJob,
    ReleaseLink,
    ReleaseRequest,
    ReleaseStatusChange,
)
from onrecord.database.vault import VaultFile, VaultItem
from onrecord.release.deadline import DeadlineRule, due_date
from onrecord.release.errors import ReleaseError
from onrecord.release.figures import MonthlyFigures, Outcome, monthly_figures
from onrecord.release.matching import Candidate, Filters, Proposal, propose
from onrecord.release.redactor import RedactionChoices
from onrecord.release.status import Status, check_move
from onrecord.vault.items import FileRole, IncomingFile, NewItem, Source
from onrecord.vault.log import Action, LogWriter
from onrecord.vault.service import Vault
from onrecord.vault.store import BlobStore

CHECKOUT_WINDOW = timedelta(hours=24)
"""How long before a recording the camera's checkout may be and still say where it was from."""
LINK_DAYS = 30
"""How long a requester's download link works by default."""
ACTIVE_JOBS = ("queued", "running", "storing")


class LinkRefused(ReleaseError):
    """A download link that does not open: unknown, expired or revoked (the refusal is logged)."""


@dataclass(frozen=True)
class NewRequest:
    """A request as the records officer logs it."""

    requester: str
    received_on: date
    description: str
    contact: str | None = None
    filters: Filters = field(default_factory=Filters)


@dataclass(frozen=True)
class RequestView:
    id: str
    requester: str
    contact: str | None
    received_on: date
    description: str
    filters: Filters
    rule_name: str
    due_on: date
    status: Status
    exemption: str | None
    exemption_citation: str | None
    decision_note: str | None
    released_on: date | None
    denied_on: date | None


@dataclass(frozen=True)
class CandidateView:
    item_id: str
    officer_id: str
    camera_id: str
    start: datetime
    end: datetime
    station_id: str | None
    reasons: str
    taken: bool


@dataclass(frozen=True)
class JobView:
    id: int
    request_id: str
    item_id: str
    file_position: int
    source_name: str
    run: int
    status: str
    attempts: int
    queue_job_id: str | None
    worker: str | None
    error: str | None
    output_sha256: str | None
    record_sha256: str | None
    release_item_id: str | None
    queued_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class StatusChange:
    at: datetime
    from_status: Status | None
    to_status: Status
    actor: str
    note: str | None


@dataclass(frozen=True)
class RequestDetail:
    request: RequestView
    candidates: list[CandidateView]
    jobs: list[JobView]
    history: list[StatusChange]
    links: list[tuple[int, datetime, datetime | None]]
    """Each link's id, expiry and revocation time."""


@dataclass(frozen=True)
class Link:
    """A download link just made: its secret exists only here and with the requester."""

    id: int
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class Released:
    request_id: str
    items: list[str]
    link: Link


@dataclass(frozen=True)
class SharedFile:
    item_id: str
    name: str
    media_type: str
    size: int
    sha256: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _view(r: ReleaseRequest) -> RequestView:
    filters = Filters(tuple(r.officer_ids), r.time_from, r.time_to, r.station_id)
    return RequestView(
        r.id, r.requester, r.contact, r.received_on, r.description, filters, r.rule_name,
        r.due_on, Status(r.status), r.exemption, r.exemption_citation, r.decision_note,
        r.released_on, r.denied_on,
    )  # fmt: skip


def _job_view(j: ReleaseJob) -> JobView:
    return JobView(
        j.id, j.request_id, j.item_id, j.file_position, j.source_name, j.run, j.status,
        j.attempts, j.queue_job_id, j.worker, j.error, j.output_sha256, j.record_sha256,
        j.release_item_id, j.queued_at, j.finished_at,
    )  # fmt: skip


def _text(value: str | None, what: str, longest: int, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if value is None or not value.strip() or len(value) > longest:
        raise ReleaseError(f"{what} {value!r}: give 1 to {longest} characters")


def output_names(source_name: str) -> tuple[str, str]:
    """The file names of the redacted clip and of its record, for the source clip named so."""
    stem = PurePosixPath(source_name).stem or "clip"
    return f"{stem}.redacted.mp4", f"{stem}.redaction.json"


class Releases:
    """Records requests over one vault (see the module)."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault

    @classmethod
    def open(
        cls,
        url: str,
        *,
        keys: Path | None = None,
        store: BlobStore | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> Releases:
        return cls(Vault.open(url, keys=keys, store=store, clock=clock))

    def now(self) -> datetime:
        return self.vault.clock()

    # -- requests -----------------------------------------------------------------------------

    def log_request(self, new: NewRequest, rule: DeadlineRule, *, actor: str) -> RequestView:
        """Record a request received on ``new.received_on``, due by ``rule``."""
        _text(new.requester, "requester", 200)
        _text(new.contact, "contact", 500, optional=True)
        _text(new.description, "description", 100_000)
        _text(new.filters.station_id, "station", 64, optional=True)
        for officer in new.filters.officer_ids:
            _text(officer, "officer id", 64)
        new.filters.check()
        now = self.now()
        today = now.astimezone(rule.zone).date()
        if new.received_on > today:
            raise ReleaseError(
                f"received {new.received_on} is after today ({today}); give the day the request "
                "arrived"
            )
        due = due_date(new.received_on, rule)
        with self.vault.writing() as log:
            s = log.session
            year = today.year
            serial = 1 + (
                s.scalar(select(func.max(ReleaseRequest.serial)).where(ReleaseRequest.year == year))
                or 0
            )
            row = ReleaseRequest(
                id=f"R-{year}-{serial:04d}",
                year=year,
                serial=serial,
                requester=new.requester.strip(),
                contact=new.contact,
                received_on=new.received_on,
                description=new.description,
                officer_ids=list(dict.fromkeys(new.filters.officer_ids)),
                time_from=new.filters.time_from,
                time_to=new.filters.time_to,
                station_id=new.filters.station_id,
                rule_name=rule.name,
                time_zone=rule.time_zone,
                due_on=due,
                status=Status.RECEIVED.value,
                created_by=actor,
                created_at=now,
            )
            s.add(row)
            s.flush()
            s.add(self._change(row.id, None, Status.RECEIVED, actor, None))
        return _view(row)

    def requests(self, status: Status | None = None) -> list[RequestView]:
        query = select(ReleaseRequest).order_by(ReleaseRequest.year, ReleaseRequest.serial)
        if status is not None:
            query = query.where(ReleaseRequest.status == status.value)
        with self.vault.readers() as s:
            return [_view(r) for r in s.scalars(query)]

    def request(self, request_id: str) -> RequestDetail:
        with self.vault.readers() as s:
            r = self._get(s, request_id)
            cands = s.execute(
                select(ReleaseCandidate, VaultItem)
                .join(VaultItem, VaultItem.id == ReleaseCandidate.item_id)
                .where(ReleaseCandidate.request_id == request_id)
                .order_by(VaultItem.start, VaultItem.id)
            ).all()
            jobs = s.scalars(
                select(ReleaseJob)
                .where(ReleaseJob.request_id == request_id)
                .order_by(ReleaseJob.run, ReleaseJob.item_id, ReleaseJob.file_position)
            ).all()
            history = s.scalars(
                select(ReleaseStatusChange)
                .where(ReleaseStatusChange.request_id == request_id)
                .order_by(ReleaseStatusChange.id)
            ).all()
            links = s.execute(
                select(ReleaseLink.id, ReleaseLink.expires_at, ReleaseLink.revoked_at)
                .where(ReleaseLink.request_id == request_id)
                .order_by(ReleaseLink.id)
            ).all()
        return RequestDetail(
            _view(r),
            [
                CandidateView(
                    c.item_id,
                    i.officer_id,
                    i.camera_id,
                    i.start,
                    i.end,
                    c.station_id,
                    c.reasons,
                    c.taken,
                )
                for c, i in cands
            ],
            [_job_view(j) for j in jobs],
            [
                StatusChange(
                    h.at,
                    Status(h.from_status) if h.from_status else None,
                    Status(h.to_status),
                    h.actor,
                    h.note,
                )
                for h in history
            ],
            [(i, e, v) for i, e, v in links],
        )

    def jobs(self, request_id: str | None = None, *, active_only: bool = False) -> list[JobView]:
        """The redaction jobs (of ``request_id``), newest run first within each request."""
        query = select(ReleaseJob).order_by(
            ReleaseJob.request_id,
            ReleaseJob.run.desc(),
            ReleaseJob.item_id,
            ReleaseJob.file_position,
        )
        if request_id is not None:
            query = query.where(ReleaseJob.request_id == request_id)
        if active_only:
            query = query.where(ReleaseJob.status.in_(ACTIVE_JOBS))
        with self.vault.readers() as s:
            if request_id is not None:
                self._get(s, request_id)
            return [_job_view(j) for j in s.scalars(query)]

    # -- finding the footage ----------------------------------------------------------------

    def propose(self, request_id: str) -> list[Proposal]:
        """The vault items that match the request's filters (``matching``), recorded as its
        candidates (those already taken stay taken). Releases and disposed footage are not
        proposed."""
        with self.vault.writing() as log:
            s = log.session
            r = self._get(s, request_id, lock=True)
            if Status(r.status) in (Status.RELEASED, Status.DENIED):
                raise ReleaseError(f"request {r.id} is {r.status}; its items no longer change")
            filters = _view(r).filters
            proposals = propose(self._candidates(s, filters), filters)
            for p in proposals:
                existing = s.get(ReleaseCandidate, (r.id, p.item_id))
                if existing is None:
                    s.add(ReleaseCandidate(request_id=r.id, item_id=p.item_id, reasons=p.reasons,
                                           station_id=p.station_id, taken=False))  # fmt: skip
                else:
                    existing.reasons, existing.station_id = p.reasons, p.station_id
        return proposals

    def _candidates(self, s: Session, filters: Filters) -> list[Candidate]:
        query = select(VaultItem).where(VaultItem.source != Source.RELEASE.value)
        if filters.officer_ids:
            query = query.where(VaultItem.officer_id.in_(filters.officer_ids))
        if filters.time_to is not None:
            query = query.where(VaultItem.start < filters.time_to)
        if filters.time_from is not None:
            query = query.where(VaultItem.end > filters.time_from)
        live = select(VaultFile.item_id).where(
            VaultFile.role == FileRole.CLIP.value, VaultFile.disposed.is_(False)
        )
        query = query.where(VaultItem.id.in_(live))
        out = []
        for item in s.scalars(query):
            station, how = self._station(s, item)
            out.append(Candidate(item.id, item.officer_id, item.start, item.end, station, how))
        return out

    def _station(self, s: Session, item: VaultItem) -> tuple[str | None, str | None]:
        """Where the item was recorded from, where known: the station its camera was checked
        out at last before the recording (within a day), else the station of the officer's
        shift that was on when it began."""
        checkout = s.execute(
            select(DeviceEvent.station_id)
            .where(
                DeviceEvent.camera_id == item.camera_id,
                DeviceEvent.event == "checkout",
                DeviceEvent.at <= item.start,
                DeviceEvent.at > item.start - CHECKOUT_WINDOW,
                DeviceEvent.station_id.is_not(None),
            )
            .order_by(DeviceEvent.at.desc())
            .limit(1)
        ).scalar()
        if checkout is not None:
            return checkout, "camera checkout"
        shift = s.execute(
            select(Shift.station_id)
            .where(
                Shift.officer_id == item.officer_id,
                Shift.start <= item.start,
                Shift.end > item.start,
                Shift.station_id.is_not(None),
            )
            .limit(1)
        ).scalar()
        if shift is not None:
            return shift, "officer's shift"
        return None, None

    def take(self, request_id: str, items: Sequence[str] | None, *, actor: str) -> RequestView:
        """Take ``items`` (all proposed, if None) as the footage that answers the request;
        any redaction under way for an earlier choice is cancelled."""
        with self.vault.writing() as log:
            s = log.session
            r = self._get(s, request_id, lock=True)
            rows = {
                c.item_id: c
                for c in s.scalars(
                    select(ReleaseCandidate).where(ReleaseCandidate.request_id == r.id)
                )
            }
            chosen = list(rows) if items is None else list(dict.fromkeys(items))
            unknown = [i for i in chosen if i not in rows]
            if unknown:
                raise ReleaseError(
                    f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not among the "
                    f"items proposed for {r.id}; run `onrecord request match {r.id}` and take "
                    "from its list"
                )
            if not chosen:
                raise ReleaseError(
                    f"nothing is proposed for {r.id}: no vault item matches its filters; deny "
                    "it as no-records, or log what was asked more broadly"
                )
            self._move(s, r, Status.FOUND, actor, f"{len(chosen)} item(s) taken")
            for item_id, c in rows.items():
                c.taken = item_id in chosen
            self._cancel_jobs(s, r.id)
        return _view(r)

    # -- redaction --------------------------------------------------------------------------

    def plan_redaction(
        self, request_id: str, choices: RedactionChoices, *, actor: str
    ) -> list[JobView]:
        """A new run of redaction jobs for the request: one per clip of each item taken. The
        caller hands them to a queue (``queue``); workers run them (``jobs``)."""
        with self.vault.writing() as log:
            s = log.session
            r = self._get(s, request_id, lock=True)
            check_move(r.id, Status(r.status), Status.REDACTING)
            taken = s.scalars(
                select(ReleaseCandidate.item_id).where(
                    ReleaseCandidate.request_id == r.id, ReleaseCandidate.taken.is_(True)
                )
            ).all()
            if not taken:
                raise ReleaseError(
                    f"request {r.id} has no items taken; take them first "
                    f"(`onrecord request match {r.id} --take-all`)"
                )
            self._move(s, r, Status.REDACTING, actor, None)
            self._cancel_jobs(s, r.id)
            run = 1 + (
                s.scalar(select(func.max(ReleaseJob.run)).where(ReleaseJob.request_id == r.id)) or 0
            )
            clips = (
                s.execute(
                    select(VaultFile)
                    .where(
                        VaultFile.item_id.in_(taken),
                        VaultFile.role == FileRole.CLIP.value,
                        VaultFile.disposed.is_(False),
                    )
                    .order_by(VaultFile.item_id, VaultFile.position)
                )
                .scalars()
                .all()
            )
            missing = sorted(set(taken) - {f.item_id for f in clips})
            if missing:
                raise ReleaseError(
                    f"{', '.join(missing)}: no video clip left to redact (disposed?); take "
                    "other items or deny the request"
                )
            now = self.now()
            made = [
                ReleaseJob(
                    request_id=r.id,
                    item_id=f.item_id,
                    file_position=f.position,
                    source_sha256=f.sha256,
                    source_name=f.name,
                    run=run,
                    options=choices.model_dump(mode="json"),
                    status="queued",
                    attempts=0,
                    queued_at=now,
                )
                for f in clips
            ]
            s.add_all(made)
            s.flush()
            views = [_job_view(j) for j in made]
        return views

    def set_queue_ids(self, ids: dict[int, str]) -> None:
        """Record which queue job carries each redaction job."""
        with self.vault.sessions.begin() as s:
            for job_id, queue_id in ids.items():
                s.execute(
                    update(ReleaseJob).where(ReleaseJob.id == job_id).values(queue_job_id=queue_id)
                )

    def _cancel_jobs(self, s: Session, request_id: str) -> None:
        """Cancel the request's jobs not yet released (a worker running one stops at its next
        progress report); the redactions made for them are deleted from the store once the
        transaction commits (``discard_outputs``)."""
        rows = s.scalars(
            select(ReleaseJob).where(
                ReleaseJob.request_id == request_id,
                ReleaseJob.release_item_id.is_(None),
                ReleaseJob.status != "cancelled",
            )
        ).all()
        hashes = []
        for j in rows:
            hashes += [h for h in (j.output_sha256, j.record_sha256) if h]
            j.status = "cancelled"
            j.finished_at = j.finished_at or self.now()
        if hashes:
            event.listen(s, "after_commit", lambda _: self.discard_outputs(hashes), once=True)

    def discard_outputs(self, hashes: Sequence[str], but_edits: Sequence[int] = ()) -> None:
        """Delete redaction outputs from the store that no vault file, no live job and no
        review edit being stored (other than ``but_edits``, the caller's own) names."""
        with self.vault.readers() as s:
            kept = set(
                s.scalars(select(VaultFile.sha256).where(VaultFile.sha256.in_(hashes))).all()
            )
            for made in (ReleaseJob.output_sha256, ReleaseJob.record_sha256):
                kept.update(
                    h
                    for h in s.scalars(
                        select(made).where(
                            made.in_(hashes), ReleaseJob.status.in_(("storing", "done"))
                        )
                    )
                    if h
                )
            others = ReleaseEdit.id.not_in(but_edits) if but_edits else true()
            for edit in (ReleaseEdit.output_sha256, ReleaseEdit.record_sha256):
                kept.update(s.scalars(select(edit).where(edit.in_(hashes), others)))
        for h in set(hashes) - kept:
            self.vault.store.delete(h)

    # -- the outcome ------------------------------------------------------------------------

    def approve(
        self,
        request_id: str,
        *,
        actor: str,
        address: str | None = None,
        link_days: int = LINK_DAYS,
    ) -> Released:
        """Publish a request in review: its redacted items into the vault, then the release,
        its entries and the requester's link in one transaction (see the module)."""
        if not 1 <= link_days <= 365:
            raise ReleaseError(f"--link-days {link_days}: give 1 to 365 days")
        with self.vault.readers() as s:
            r = self._get(s, request_id)
            check_move(r.id, Status(r.status), Status.RELEASED)
            run = s.scalar(select(func.max(ReleaseJob.run)).where(ReleaseJob.request_id == r.id))
            jobs = s.scalars(
                select(ReleaseJob)
                .where(ReleaseJob.request_id == r.id, ReleaseJob.run == run)
                .order_by(ReleaseJob.item_id, ReleaseJob.file_position)
            ).all()
            not_done = [j for j in jobs if j.status != "done"]
            if not jobs or not_done:
                raise ReleaseError(
                    f"request {r.id}: {len(not_done)} clip(s) of redaction run {run} are not "
                    f"done; run `onrecord request redact {r.id}` again"
                )
            sources = {j.item_id: s.get(VaultItem, j.item_id) for j in jobs}
        made: dict[str, str] = {}
        for item_id, source in sources.items():
            if source is None:
                raise ReleaseError(f"item {item_id} is missing; run `onrecord vault verify`")
            files = [f for j in jobs if j.item_id == item_id for f in _outputs(j)]
            new = NewItem(
                source=Source.RELEASE,
                officer_id=source.officer_id,
                camera_id=source.camera_id,
                start=source.start,
                end=source.end,
                time_zone=source.time_zone,
                files=tuple(files),
                external_key=f"{r.id}/{item_id}/run-{run}",
                metadata={"request": r.id, "source_item": item_id, "run": str(run)},
            )
            made[item_id] = self.vault.ingest(new, actor=actor, address=address).item_id
        token = secrets.token_urlsafe(32)
        with self.vault.writing() as log:
            s = log.session
            r = self._get(s, request_id, lock=True)
            check_move(r.id, Status(r.status), Status.RELEASED)
            latest = s.scalar(select(func.max(ReleaseJob.run)).where(ReleaseJob.request_id == r.id))
            if latest != run:
                raise ReleaseError(
                    f"request {r.id} was redacted again meanwhile; review run {latest}"
                )
            now = self.now()
            expires = now + timedelta(days=link_days)
            link = ReleaseLink(request_id=r.id, token_hash=token_hash(token), created_by=actor,
                               created_at=now, expires_at=expires)  # fmt: skip
            s.add(link)
            s.flush()
            for j in jobs:
                s.execute(
                    update(ReleaseJob)
                    .where(ReleaseJob.id == j.id)
                    .values(release_item_id=made[j.item_id])
                )
            for item_id, release_item in made.items():
                details = {"request": r.id, "source_item": item_id, "release_item": release_item}
                log.append(Action.RELEASE_PUBLISHED, actor=actor, item=release_item,
                           details=details, source=address)  # fmt: skip
                log.append(Action.RELEASE_PUBLISHED, actor=actor, item=item_id,
                           details=details, source=address)  # fmt: skip
                log.append(
                    Action.SHARE_CREATED, actor=actor, item=release_item, source=address,
                    details={"request": r.id, "link": link.id, "expires": _rfc3339(expires)},
                )  # fmt: skip
            r.released_on = now.astimezone(ZoneInfo(r.time_zone)).date()
            self._move(s, r, Status.RELEASED, actor, f"released as {', '.join(made.values())}")
            log.checkpoint(self.vault.signer())
        return Released(r.id, list(made.values()), Link(link.id, token, expires))

    def deny(
        self,
        request_id: str,
        rule: DeadlineRule,
        exemption: str,
        *,
        actor: str,
        note: str | None = None,
    ) -> RequestView:
        """Deny the request citing ``exemption`` of ``rule`` (the rule it was logged under);
        redaction under way is cancelled and its outputs deleted."""
        _text(note, "note", 10_000, optional=True)
        with self.vault.writing() as log:
            s = log.session
            r = self._get(s, request_id, lock=True)
            if rule.name != r.rule_name:
                raise ReleaseError(
                    f"request {r.id} was logged under the rule {r.rule_name}; give --rule "
                    f"{r.rule_name} (or its file) to cite one of its exemptions"
                )
            cited = rule.exemption(exemption)
            check_move(r.id, Status(r.status), Status.DENIED)
            r.exemption, r.exemption_citation, r.decision_note = cited.code, cited.citation, note
            r.denied_on = self.now().astimezone(ZoneInfo(r.time_zone)).date()
            self._move(s, r, Status.DENIED, actor, f"{cited.code}: {note or cited.title}")
            self._cancel_jobs(s, r.id)
        return _view(r)

    # -- links ------------------------------------------------------------------------------

    def new_link(self, request_id: str, *, actor: str, days: int = LINK_DAYS) -> Link:
        """Another download link for a released request (the first expired, or was lost)."""
        if not 1 <= days <= 365:
            raise ReleaseError(f"--days {days}: give 1 to 365 days")
        token = secrets.token_urlsafe(32)
        with self.vault.writing() as log:
            s = log.session
            r = self._get(s, request_id, lock=True)
            if r.status != Status.RELEASED.value:
                raise ReleaseError(
                    f"request {r.id} is {r.status}; only a released request has links"
                )
            now = self.now()
            link = ReleaseLink(request_id=r.id, token_hash=token_hash(token), created_by=actor,
                               created_at=now, expires_at=now + timedelta(days=days))  # fmt: skip
            s.add(link)
            s.flush()
            for item in self._released_items(s, r.id):
                log.append(
                    Action.SHARE_CREATED, actor=actor, item=item, source=None,
                    details={"request": r.id, "link": link.id,
                             "expires": _rfc3339(link.expires_at)},
                )  # fmt: skip
        return Link(link.id, token, link.expires_at)

    def revoke_link(self, link_id: int, *, actor: str) -> None:
        with self.vault.sessions.begin() as s:
            link = s.get(ReleaseLink, link_id)
            if link is None:
                raise ReleaseError(f"there is no link {link_id}")
            link.revoked_at = link.revoked_at or self.now()

    def shared(self, token: str, *, address: str | None = None) -> list[SharedFile]:
        """The files a link gives (refused and logged if it is unknown, expired or revoked)."""
        with self.vault.readers() as s:
            link = self._open_link(s, token, address, None)
            items = self._released_items(s, link.request_id)
            rows = s.execute(
                select(VaultFile)
                .where(VaultFile.item_id.in_(items), VaultFile.disposed.is_(False))
                .order_by(VaultFile.item_id, VaultFile.position)
            ).scalars()
            return [SharedFile(f.item_id, f.name, f.media_type, f.size, f.sha256) for f in rows]

    def download(
        self, token: str, item_id: str, name: str, *, address: str | None = None
    ) -> tuple[SharedFile, Iterator[bytes]]:
        """One file through a link: logged as ``share used`` on its item before any byte is
        read; the bytes stream from the store."""
        with self.vault.readers() as s:
            link = self._open_link(s, token, address, item_id)
            items = self._released_items(s, link.request_id)
            f = None
            if item_id in items:
                f = s.scalar(
                    select(VaultFile).where(
                        VaultFile.item_id == item_id,
                        VaultFile.name == name,
                        VaultFile.disposed.is_(False),
                    )
                )
            request_id, link_id = link.request_id, link.id
        if f is None:
            self.vault.record_failure(
                Action.SHARE_USED.value, actor="requester", address=address, item=None,
                details={"request": request_id, "link": link_id, "file": name,
                         "reason": f"no file {name!r} of {item_id} in this release"},
            )  # fmt: skip
            raise LinkRefused(f"this release has no file {name!r} in {item_id}")
        shared = SharedFile(f.item_id, f.name, f.media_type, f.size, f.sha256)
        self.vault.record(
            Action.SHARE_USED.value, actor="requester", address=address, item=item_id,
            details={"request": request_id, "link": link_id,
                     "file": {"name": f.name, "sha256": f.sha256, "size": f.size}},
        )  # fmt: skip
        return shared, self.vault.store.read(f.sha256)

    def _open_link(
        self, s: Session, token: str, address: str | None, item_id: str | None
    ) -> ReleaseLink:
        link = s.scalar(select(ReleaseLink).where(ReleaseLink.token_hash == token_hash(token)))
        now = self.now()
        reason = None
        if link is None:
            reason = "unknown link"
        elif link.revoked_at is not None:
            reason = f"link {link.id} was revoked at {_rfc3339(link.revoked_at)}"
        elif link.expires_at <= now:
            reason = f"link {link.id} expired at {_rfc3339(link.expires_at)}"
        if reason is None and link is not None:
            return link
        details: dict[str, Any] = {"reason": reason}
        if link is not None:
            details |= {"request": link.request_id, "link": link.id}
        self.vault.record_failure(
            Action.SHARE_USED.value, actor="requester", address=address, item=item_id,
            details=details,
        )  # fmt: skip
        if link is None:
            raise LinkRefused(
                "this download link is not valid; ask the records office for a new one"
            )
        raise LinkRefused(
            f"this download link {'was revoked' if link.revoked_at else 'has expired'}; ask the "
            "records office for a new one"
        )

    def _released_items(self, s: Session, request_id: str) -> list[str]:
        return sorted(
            {
                i
                for i in s.scalars(
                    select(ReleaseJob.release_item_id).where(
                        ReleaseJob.request_id == request_id, ReleaseJob.release_item_id.is_not(None)
                    )
                )
                if i is not None
            }
        )

    # -- figures ----------------------------------------------------------------------------

    def monthly_figures(self, *, through: date | None = None) -> MonthlyFigures:
        """The public dashboard's figures by month (``figures``), suppressed."""
        with self.vault.readers() as s:
            rows = s.execute(
                select(
                    ReleaseRequest.received_on,
                    ReleaseRequest.released_on,
                    ReleaseRequest.denied_on,
                    ReleaseRequest.exemption,
                    ReleaseRequest.exemption_citation,
                )
            ).all()
        titles = {code: cite for *_, code, cite in rows if code and cite}
        outcomes = [Outcome(a, b, c, d) for a, b, c, d, _ in rows]
        return monthly_figures(outcomes, titles, through=through)

    # -- shared steps -----------------------------------------------------------------------

    def _get(self, s: Session, request_id: str, *, lock: bool = False) -> ReleaseRequest:
        query = select(ReleaseRequest).where(ReleaseRequest.id == request_id)
        r = s.scalar(query.with_for_update() if lock else query)
        if r is None:
            raise ReleaseError(
                f"there is no request {request_id!r}; `onrecord request list` lists them"
            )
        return r

    def _move(
        self, s: Session, r: ReleaseRequest, new: Status, actor: str, note: str | None
    ) -> None:
        current = Status(r.status)
        check_move(r.id, current, new)
        r.status = new.value
        s.add(self._change(r.id, current, new, actor, note))

    def _change(
        self, request_id: str, old: Status | None, new: Status, actor: str, note: str | None
    ) -> ReleaseStatusChange:
        _text(actor, "actor", 64)
        return ReleaseStatusChange(
            request_id=request_id, at=self.now(), from_status=old.value if old else None,
            to_status=new.value, actor=actor, note=note,
        )  # fmt: skip

    def finish_redacting(self, log: LogWriter, request_id: str) -> bool:
        """Within a job's closing transaction: move the request to review when every job of
        its newest run is done. Returns whether it moved."""
        s = log.session
        r = self._get(s, request_id, lock=True)
        if r.status != Status.REDACTING.value:
            return False
        run = s.scalar(select(func.max(ReleaseJob.run)).where(ReleaseJob.request_id == r.id))
        pending = s.scalar(
            select(func.count()).select_from(ReleaseJob).where(
                and_(ReleaseJob.request_id == r.id, ReleaseJob.run == run,
                     ReleaseJob.status != "done")
            )
        )  # fmt: skip
        if pending:
            return False
        self._move(s, r, Status.REVIEW, "system", f"redaction run {run} done")
        return True


def _outputs(job: ReleaseJob) -> tuple[IncomingFile, IncomingFile]:
    """A done job's redacted clip and its record, as files of the release item."""
    out, rec = job.output_sha256, job.record_sha256
    if out is None or rec is None or job.output_size is None or job.record_size is None:
        raise ReleaseError(f"redaction job {job.id} is done without its outputs; run it again")
    clip, record = output_names(job.source_name)
    return (
        IncomingFile(clip, "video/mp4", out, job.output_size),
        IncomingFile(record, "application/json", rec, job.record_size, FileRole.OTHER),
    )


def _rfc3339(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
