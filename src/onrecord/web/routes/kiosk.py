"""The station kiosk (``/kiosk/{station}``: check a camera out by badge number, check one in by
its id) and the checkout service's own API mounted at ``/api/checkout``, both for managers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from onrecord.fleet.api import router as checkout_router
from onrecord.fleet.rules import Refused, local
from onrecord.web import deps
from onrecord.web.deps import Csrf, Kiosk, check_csrf_unless_read, log_officer_read
from onrecord.web.errors import answer_refusals_with
from onrecord.web.render import render
from onrecord.web.routes import Resource


def _kiosk(request: Request, station_id: str, answer: dict[str, object] | None = None) -> Response:
    """The kiosk page, or only its answer for htmx."""
    svc = deps.checkout_service(request)
    try:
        cameras = svc.cameras_at(station_id)
    except Refused as r:
        raise HTTPException(404, r.message) from None
    at = datetime.now(UTC)
    ready = [c for c in cameras if c.docked and c.status == "in_service"]
    context = {
        "station": station_id,
        "answer": answer,
        "docked": len(ready),
        "full": sum(c.charge_at(at) >= 1 for c in ready),
        "local": lambda t: local(t, svc.timezone),
        "partial": answer is not None and bool(request.headers.get("HX-Request")),
    }
    return render(
        request, "kiosk_answer.html.j2" if context["partial"] else "kiosk.html.j2", context
    )


def _refused(request: Request, refused: Refused) -> Response:
    """A refusal at the dock is an answer like any other: the kiosk page, or only the answer for
    htmx, with status 200 (htmx swaps only successful responses); an unknown station is 404."""
    return _kiosk(request, request.path_params["station_id"], {"refused": refused})


pages = APIRouter(include_in_schema=False, dependencies=[Depends(answer_refusals_with(_refused))])


def _reads_logged(request: Request, account: Kiosk) -> None:
    """The checkout API for managers; its reads name officers (a station's camera list says
    who holds each camera taken from it, an officer's camera which one they hold), so each
    read is logged in the access log."""
    if request.method in ("GET", "HEAD"):
        log_officer_read(request, account)


checkout = APIRouter()
checkout.include_router(
    checkout_router,
    prefix="/api/checkout",
    dependencies=[Depends(_reads_logged), Depends(check_csrf_unless_read)],
)
resource = Resource(routers=(checkout, pages))


@pages.get("/kiosk/{station_id}", response_class=HTMLResponse)
def kiosk(request: Request, station_id: str, account: Kiosk) -> Response:
    return _kiosk(request, station_id)


@pages.post("/kiosk/{station_id}/checkout", dependencies=[Csrf])
def kiosk_checkout(
    request: Request, station_id: str, account: Kiosk, badge: Annotated[str, Form()]
) -> Response:
    """The checkout service's checkout for the badge number typed at the dock (a refusal is
    answered by ``_refused``)."""
    issued = deps.checkout_service(request).checkout(badge.strip(), station_id)
    return _kiosk(request, station_id, {"issued": issued})


@pages.post("/kiosk/{station_id}/checkin", dependencies=[Csrf])
def kiosk_checkin(
    request: Request, station_id: str, account: Kiosk, camera: Annotated[str, Form()]
) -> Response:
    """The checkout service's checkin of the camera whose id was typed or scanned (a refusal
    is answered by ``_refused``)."""
    docked = deps.checkout_service(request).checkin(camera.strip(), station_id)
    return _kiosk(request, station_id, {"docked": docked})
