"""The review queue and each encounter's timeline, pages and API, with their access rules: who
may see which encounters (a supervisor only their station's), and every read logged."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse

from onrecord.database.accounts import Role
from onrecord.web import deps
from onrecord.web.account_store import Account
from onrecord.web.deps import OFFICER_LEVEL, OfficerLevel, log_officer_read
from onrecord.web.render import render
from onrecord.web.results import PAGE_SIZE, EncounterDetail, ReviewFilter
from onrecord.web.routes import NavEntry, Resource
from onrecord.web.timeline import timeline

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["api"])
resource = Resource(
    routers=(api, pages), nav=(NavEntry("Review queue", "/review", OFFICER_LEVEL, order=30),)
)


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

MAX_OFFSET = 10**9  # more rows than any department's queue; the database's integers hold it
MAX_LIMIT = 500
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip (0 to 10⁹).")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Rows (1 to {MAX_LIMIT}).")]


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


@pages.get("/review", response_class=HTMLResponse)
def review_page(
    request: Request, account: OfficerLevel, f: QueueFilter, offset: Offset = 0
) -> Response:
    r = deps.results(request)
    page = r.review(f, offset=offset)
    template = "review_rows.html.j2" if request.headers.get("HX-Request") else "review.html.j2"
    return render(
        request,
        template,
        {"f": f, "page": page, "options": r.review_options(), "locked": account.station_id},
    )


@pages.get("/review/{encounter_id}", response_class=HTMLResponse)
def encounter_page(request: Request, encounter_id: str, account: OfficerLevel) -> Response:
    d = encounter_for(request, account, encounter_id)
    rules = deps.results(request).model.policy.rules
    svg = timeline(d, rules)
    return render(request, "encounter.html.j2", {"d": d, "svg": svg, "rules": rules})


@api.get("/review")
def review(
    request: Request, f: QueueFilter, offset: Offset = 0, limit: Limit = PAGE_SIZE
) -> dict[str, Any]:
    """Required encounters with an unexcused outcome (a supervisor: their station's only)."""
    page = deps.results(request).review(f, offset=offset, limit=limit)
    return {"total": page.total, "offset": page.offset, "limit": page.limit, "rows": page.rows}


@api.get("/encounters/{encounter_id}")
def encounter(request: Request, encounter_id: str, account: OfficerLevel) -> dict[str, Any]:
    """One encounter, its shift and the officer's recordings around it."""
    d = encounter_for(request, account, encounter_id)
    return {
        "encounter": d.encounter,
        "shift": d.shift,
        "recordings": [r.__dict__ for r in d.recordings],
    }
