"""Records requests and their releases in the operational database (migration ``0010``).

``release_requests`` is one request for footage: who asked, when it was received, what was
asked (free text, and the filters matching uses: officers, a time range, a station), the
statutory rule its deadline came from, its status, and how it ended (released, or denied with
the exemption cited). ``release_status_changes`` is every change of status, by whom and when,
so the monthly figures and a review of a request read the same history.

``release_candidates`` are the vault items matching proposed for a request, and which of them
the records officer took as responsive. ``release_jobs`` is one redaction of one clip of one
taken item, a run at a time (a re-run after review is a new run): its queue state, attempts,
the worker that ran it and, once done, the SHA-256 and size of the redacted clip and its
redaction record, whose bytes are then in the vault's blob store awaiting review; approval makes
them files of a new vault item (``release_item_id``). ``release_links`` are the requester's
download links: only the SHA-256 of each secret is kept, with its expiry; each use is a
``share used`` entry of the custody log.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from onrecord.database.base import Base, UTCDateTime

REQUEST_STATUSES = ("received", "found", "redacting", "review", "released", "denied")
JOB_STATUSES = ("queued", "running", "storing", "done", "failed", "cancelled")


def _within(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ReleaseRequest(Base):
    """One records request. ``id`` is ``R-<year>-<serial>``, the serial counting the year's
    requests from 1; ``received_on`` is the day the department received it (its local date),
    ``due_on`` the statutory deadline computed from it by the rule named ``rule_name``; dates
    of the outcome (``released_on``, ``denied_on``) are local dates in ``time_zone``."""

    __tablename__ = "release_requests"
    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    requester: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(500))
    received_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)
    officer_ids: Mapped[list[str]] = mapped_column(JSON)
    time_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    time_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    station_id: Mapped[str | None] = mapped_column(String(64))
    rule_name: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))
    exemption: Mapped[str | None] = mapped_column(String(64))
    exemption_citation: Mapped[str | None] = mapped_column(String(500))
    decision_note: Mapped[str | None] = mapped_column(Text)
    released_on: Mapped[date | None] = mapped_column(Date)
    denied_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (
        UniqueConstraint("year", "serial", name="release_requests_year_serial"),
        CheckConstraint(_within("status", REQUEST_STATUSES), name="release_request_status"),
        CheckConstraint(
            "time_from IS NULL OR time_to IS NULL OR time_from < time_to",
            name="release_request_times",
        ),
        CheckConstraint(
            "(status = 'denied') = (exemption IS NOT NULL AND denied_on IS NOT NULL)",
            name="release_request_denied",
        ),
        CheckConstraint(
            "(status = 'released') = (released_on IS NOT NULL)", name="release_request_released"
        ),
        Index("release_requests_status", "status"),
    )


class ReleaseStatusChange(Base):
    """One change of a request's status (``from_status`` is null for its creation)."""

    __tablename__ = "release_status_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("release_requests.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    actor: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)


class ReleaseCandidate(Base):
    """A vault item proposed for a request, why (``reasons``), the station it was recorded
    from where known, and whether the records officer took it as responsive."""

    __tablename__ = "release_candidates"
    request_id: Mapped[str] = mapped_column(ForeignKey("release_requests.id"), primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("vault_items.id"), primary_key=True)
    reasons: Mapped[str] = mapped_column(String(1000))
    station_id: Mapped[str | None] = mapped_column(String(64))
    taken: Mapped[bool] = mapped_column(Boolean, default=False)


class ReleaseJob(Base):
    """One redaction of one clip (``file_position`` of ``item_id``) for a request, run ``run``.

    ``status``: queued, running, storing (outputs hashed and named here, their bytes going into
    the store), done (in the store, awaiting review), failed (``error`` says why), cancelled (a
    newer run or a denial replaced it). The output hashes are written before the bytes are
    stored, so every blob a job puts in the store is named by some row; ``verify`` reads them as
    awaiting review, not as stray bytes."""

    __tablename__ = "release_jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("release_requests.id"))
    item_id: Mapped[str] = mapped_column(ForeignKey("vault_items.id"))
    file_position: Mapped[int] = mapped_column(Integer)
    source_sha256: Mapped[str] = mapped_column(String(64))
    source_name: Mapped[str] = mapped_column(String(1000))
    run: Mapped[int] = mapped_column(Integer)
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    queue_job_id: Mapped[str | None] = mapped_column(String(100))
    worker: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)
    output_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    output_size: Mapped[int | None] = mapped_column(BigInteger)
    record_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    record_size: Mapped[int | None] = mapped_column(BigInteger)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    release_item_id: Mapped[str | None] = mapped_column(ForeignKey("vault_items.id"))
    __table_args__ = (
        UniqueConstraint(
            "request_id", "item_id", "file_position", "run", name="release_jobs_clip_run"
        ),
        CheckConstraint(_within("status", JOB_STATUSES), name="release_job_status"),
        CheckConstraint(
            "status NOT IN ('storing', 'done') OR "
            "(output_sha256 IS NOT NULL AND output_size IS NOT NULL "
            "AND record_sha256 IS NOT NULL AND record_size IS NOT NULL)",
            name="release_job_outputs",
        ),
        Index("release_jobs_request_run", "request_id", "run"),
    )


class ReleaseLink(Base):
    """A requester's download link for a released request: the SHA-256 of its secret, when it
    expires, and, once revoked, when."""

    __tablename__ = "release_links"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("release_requests.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReleaseEdit(Base):
    """A reviewer's edit of a redaction under review whose outputs are being stored (migration
    ``0011``): the hashes and sizes of the clip and record rendered again, written *before*
    their bytes go into the store and deleted in the transaction that makes ``job_id`` name
    them. A row left behind is an edit cut short (a killed console); ``verify`` reads its
    hashes as that, not as stray bytes."""

    __tablename__ = "release_edits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("release_jobs.id"), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    output_sha256: Mapped[str] = mapped_column(String(64), index=True)
    output_size: Mapped[int] = mapped_column(BigInteger)
    record_sha256: Mapped[str] = mapped_column(String(64), index=True)
    record_size: Mapped[int] = mapped_column(BigInteger)
