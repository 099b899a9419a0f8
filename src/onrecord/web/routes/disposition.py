"""The disposition queue: what the retention schedule in force would let go now, and what a
hold or an open case keeps, as ``onrecord vault dispose --dry-run`` decides it
(``vault.disposition.plan``). Read-only: deleting is the command's, run by an administrator."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from onrecord.vault import disposition
from onrecord.vault.errors import VaultError
from onrecord.vault.retention import RetentionError
from onrecord.web import deps
from onrecord.web.deps import CUSTODY_READ, CustodyRead, log_officer_read
from onrecord.web.render import render
from onrecord.web.routes import NavEntry, Resource

pages = APIRouter(include_in_schema=False)
resource = Resource(
    routers=(pages,), nav=(NavEntry("Disposition", "/disposition", CUSTODY_READ, order=38),)
)

SHOWN = 500
"""The most items of each list the page shows (the command lists them all)."""


@pages.get("/disposition", response_class=HTMLResponse)
def disposition_page(
    request: Request,
    account: CustodyRead,
    show: Annotated[str, Query(pattern="^(due|all)$")] = "due",
) -> Response:
    vault = deps.vault(request)
    log_officer_read(request, account)
    try:
        schedule = disposition.schedule_in_force(vault)
    except (VaultError, RetentionError) as e:
        return render(request, "disposition.html.j2", {"problem": str(e), "schedule": None})
    now = datetime.now(UTC)
    decisions = disposition.plan(vault, schedule, now)
    eligible = [d for d in decisions if d.eligible]
    kept = [d for d in decisions if d.due and not d.eligible]
    waiting = [d for d in decisions if not d.due]
    return render(
        request,
        "disposition.html.j2",
        {
            "problem": None,
            "schedule": schedule,
            "now": now,
            "eligible": eligible[:SHOWN],
            "kept": kept[:SHOWN],
            "waiting": waiting[:SHOWN] if show == "all" else [],
            "counts": {"eligible": len(eligible), "kept": len(kept), "waiting": len(waiting)},
            "show": show,
            "shown": SHOWN,
        },
    )
