"""The department's own figures, without suppression: the overview, the overtime gap (with the
plan's figures when the console has one), summary.json without and with the per-officer rates."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from onrecord.web import deps, views
from onrecord.web.deps import AGGREGATES, AUDITOR, Aggregates, Auditor, log_officer_read
from onrecord.web.render import JSONBytes, render
from onrecord.web.routes import NavEntry, Resource

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["api"])
resource = Resource(
    routers=(api, pages),
    nav=(
        NavEntry("Overview", "/overview", AGGREGATES, order=10),
        NavEntry("Overtime gap", "/gap", AGGREGATES, order=20),
    ),
)


@pages.get("/overview", response_class=HTMLResponse)
def overview(request: Request, account: Aggregates) -> Response:
    return render(request, "overview.html.j2", {"v": deps.results(request).internal_view})


@pages.get("/gap", response_class=HTMLResponse)
def gap_page(request: Request, account: Aggregates) -> Response:
    return render(
        request,
        "gap.html.j2",
        {"g": views.gap_view(deps.results(request)), "plan": deps.plan(request)},
    )


@api.get("/summary", response_class=JSONBytes)
def summary(request: Request, account: Aggregates) -> Response:
    """summary.json without the per-officer rates (those are ``/api/summary/officers``). Its
    data-quality examples name officers (an officer's dates, the camera they used), so only
    auditors get them, and their reads are logged; the other roles get the counts alone."""
    r = deps.results(request)
    if account.role not in AUDITOR:
        return JSONBytes(r.internal_json)
    log_officer_read(request, account)
    return JSONBytes(r.internal_examples_json)


@api.get("/summary/officers")
def officer_rates(request: Request, account: Auditor) -> list[dict[str, Any]]:
    """Rates per officer (auditors only; every read is logged)."""
    log_officer_read(request, account)
    return deps.results(request).officer_rates


@api.get("/gap")
def gap(request: Request, account: Aggregates) -> dict[str, Any]:
    """Shifts worked without a camera by kind and station, and the most at one moment."""
    r = deps.results(request)
    return {"by_shift_kind": r.shift_kind_rows, **r.uncovered}
