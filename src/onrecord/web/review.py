"""The review queue's access rules, shared by its pages and its API: who may see which
encounters (a supervisor only their station's), and every read logged."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from onrecord.database.accounts import Role
from onrecord.web import deps
from onrecord.web.account_store import Account
from onrecord.web.deps import OfficerLevel, log_officer_read
from onrecord.web.results import EncounterDetail, ReviewFilter


def queue_filter(
    request: Request,
    account: OfficerLevel,
    station: str | None = None,
    officer: str | None = None,
    type: str | None = None,
    month: str | None = None,
    outcome: str | None = None,
) -> ReviewFilter:
    """The filters asked for, with a supervisor's station forced whatever the query says; the
    read is logged here, once the role is known to be allowed."""
    if account.role is Role.SUPERVISOR:
        station = account.station_id
    log_officer_read(request, account)
    return ReviewFilter(
        station or None, officer or None, type or None, month or None, outcome or None
    )


QueueFilter = Annotated[ReviewFilter, Depends(queue_filter)]


def encounter_for(request: Request, account: Account, encounter_id: str) -> EncounterDetail:
    """The encounter if this account may see it: 404 if there is none, 403 if a supervisor
    asks for another station's; the read is logged."""
    d = deps.results(request).encounter(encounter_id)
    if d is None:
        raise HTTPException(404, f"no encounter {encounter_id!r} in this audit")
    if account.role is Role.SUPERVISOR and d.encounter["station_id"] != account.station_id:
        raise HTTPException(403, f"encounter {encounter_id} is not at station {account.station_id}")
    log_officer_read(request, account)
    return d
