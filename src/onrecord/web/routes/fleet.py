"""The Fleet page and ``/api/fleet``: each station's cameras now and the shifts ahead its dock
cannot serve, with the plan's figures when the console has one. They name who holds a camera,
so every read is logged."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from onrecord.fleet.rules import local
from onrecord.web import deps
from onrecord.web.deps import FLEET, Fleet, log_officer_read
from onrecord.web.fleet_status import station_fleets
from onrecord.web.render import render
from onrecord.web.routes import NavEntry, Resource

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["api"])
resource = Resource(routers=(api, pages), nav=(NavEntry("Fleet", "/fleet", FLEET, order=50),))


@pages.get("/fleet", response_class=HTMLResponse)
def fleet_page(request: Request, account: Fleet) -> Response:
    """Each station's cameras now and the shifts ahead its dock cannot serve (names who holds
    a camera, so every read is logged)."""
    log_officer_read(request, account)
    svc = deps.checkout_service(request)
    return render(
        request,
        "fleet.html.j2",
        {
            "stations": station_fleets(svc, datetime.now(UTC)),
            "plan": deps.plan(request),
            "local": lambda at: local(at, svc.timezone),
        },
    )


@api.get("/fleet")
def fleet(request: Request, account: Fleet) -> dict[str, Any]:
    """Each station's cameras now (docked with charge and when full, out with whom and since
    when, in repair) and the shifts in the next 12 hours that would find no camera; with the
    plan's figures when the console was given one. Reads are logged: it names officers."""
    log_officer_read(request, account)
    plan = deps.plan(request)
    stations = station_fleets(deps.checkout_service(request), datetime.now(UTC))
    return {
        "stations": [
            {**asdict(st), "plan": plan.stations.get(st.station_id) if plan else None}
            for st in stations
        ],
        "plan": {"selection": plan.selection, "totals": plan.totals} if plan else None,
    }
