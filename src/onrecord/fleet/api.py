"""The checkout HTTP API: a FastAPI router any app can mount, and ``create_app`` that serves it.

The router finds its :class:`CheckoutService` at ``request.app.state.checkout_service``; an app
that mounts it (a web console, say) sets that attribute once, as ``create_app`` does. Its routes
let the service's :class:`Refused` go; the app answers it once for all of them with
:func:`refusal`: a machine-readable ``reason`` and the message a person can act on, 404 for an id
nobody knows, 409 for everything else (``handle_refusals(app)`` registers that handler, as
``create_app`` does).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, Field

import onrecord
from onrecord.fleet.rules import NOT_FOUND, CameraStatus, Reason, Refused
from onrecord.fleet.service import CheckoutService

AT_DOC = (
    "When it happens, ISO 8601; without an offset it is the department's local time. "
    "Default: now. Set it to replay a past schedule. Years 1900 to 2999."
)


def _plausible(at: datetime | None) -> datetime | None:
    """Refuse (422) a time no schedule has, whose arithmetic would leave datetime's range."""
    if at is not None and not 1900 <= at.year <= 2999:
        raise ValueError("the year must be from 1900 to 2999")
    return at


At = Annotated[datetime | None, AfterValidator(_plausible)]


class RefusalBody(BaseModel):
    """Why the service declined; ``message`` is written for the officer at the kiosk."""

    reason: Reason = Field(description="Machine-readable reason code.")
    message: str = Field(description="What happened and what to do, for a person.")
    ready_at: datetime | None = Field(
        None, description="For no_charged_camera: when the next camera will have enough charge."
    )


REFUSALS: dict[int | str, dict[str, Any]] = {
    404: {"model": RefusalBody, "description": "Unknown officer, station or camera."},
    409: {
        "model": RefusalBody,
        "description": "Refused: officer inactive or not trained, already holds a camera, no "
        "camera docked, cameras in repair, none charged enough (with ready_at), camera already "
        "docked, or check-in before check-out.",
    },
}


class CheckoutRequest(BaseModel):
    officer_id: str = Field(min_length=1, description="Officer id (badge number).")
    station_id: str = Field(min_length=1, description="Station where the kiosk is.")
    at: At = Field(None, description=AT_DOC)


class ShiftOut(BaseModel):
    shift_id: str
    start: datetime
    end: datetime


class CheckoutResponse(BaseModel):
    camera_id: str = Field(description="The camera to take from the dock.")
    officer_id: str
    station_id: str
    at: datetime
    charge_pct: float = Field(description="Estimated charge when it left the dock, 0–100.")
    personal: bool = Field(description="True when it is the officer's own camera.")
    shift: ShiftOut | None = Field(description="The scheduled shift it is for, if any.")
    hours_needed: float = Field(description="Hours of charge the checkout was checked against.")
    note: str | None = Field(description="A warning to show the officer, if any.")


class CheckinRequest(BaseModel):
    camera_id: str = Field(min_length=1, description="Camera id (serial number).")
    station_id: str = Field(min_length=1, description="Station whose dock it goes in.")
    at: At = Field(None, description=AT_DOC)
    battery_pct: float | None = Field(
        None, ge=0, le=100, description="Charge the dock reports; default: the model's estimate."
    )


class CheckinResponse(BaseModel):
    camera_id: str
    station_id: str
    at: datetime
    officer_id: str | None = Field(description="Who had it out, if known.")
    charge_pct: float = Field(description="Charge it restarts from on the dock, 0–100.")
    reported: bool = Field(description="True when the charge is the dock's report.")


class CameraOut(BaseModel):
    camera_id: str
    assigned_officer_id: str | None = Field(description="Its officer; null for a pool camera.")
    status: str = Field(description="in_service, repair or retired.")
    docked: bool
    station_id: str | None = Field(description="Where it is docked, or where it was taken from.")
    officer_id: str | None = Field(description="Who holds it now (null when docked).")
    since: datetime | None = Field(description="When it was last docked or taken.")
    charge_pct: float = Field(description="Estimated charge at the requested instant, 0–100.")


class OfficerCameraOut(BaseModel):
    officer_id: str
    camera: CameraOut | None = Field(description="The camera the officer holds, if any.")


def service(request: Request) -> CheckoutService:
    """The service of the app this router is mounted in (``app.state.checkout_service``)."""
    svc: CheckoutService = request.app.state.checkout_service
    return svc


Service = Annotated[CheckoutService, Depends(service)]
router = APIRouter(tags=["checkout"])


def refusal(r: Refused) -> JSONResponse:
    """The API's answer to a refusal: :class:`RefusalBody`, 404 for an unknown id, else 409."""
    body = RefusalBody(reason=r.reason, message=r.message, ready_at=r.ready_at)
    status = 404 if r.reason in NOT_FOUND else 409
    return JSONResponse(body.model_dump(mode="json"), status_code=status)


def handle_refusals(app: FastAPI) -> None:
    """Answer every :class:`Refused` the app's routes raise with :func:`refusal`."""

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> JSONResponse:
        return refusal(exc)


def _camera(c: CameraStatus, at: datetime) -> CameraOut:
    return CameraOut(
        camera_id=c.camera_id,
        assigned_officer_id=c.assigned_officer_id,
        status=c.status,
        docked=c.docked,
        station_id=c.station_id,
        officer_id=c.officer_id,
        since=c.since,
        charge_pct=round(c.charge_at(at) * 100, 1),
    )


@router.post(
    "/checkouts",
    status_code=201,
    response_model=CheckoutResponse,
    responses=REFUSALS,
    summary="Check a camera out",
)
def checkout(req: CheckoutRequest, svc: Service) -> CheckoutResponse:
    """Issue the officer a camera docked at the station with enough charge for their shift:
    their own camera first, else the pool camera on the dock longest."""
    got = svc.checkout(req.officer_id.strip(), req.station_id.strip(), req.at)
    shift = None
    if got.shift_id and got.shift_start and got.shift_end:
        shift = ShiftOut(shift_id=got.shift_id, start=got.shift_start, end=got.shift_end)
    return CheckoutResponse(
        camera_id=got.camera_id,
        officer_id=got.officer_id,
        station_id=got.station_id,
        at=got.at,
        charge_pct=round(got.charge * 100, 1),
        personal=got.personal,
        shift=shift,
        hours_needed=round(got.hours_needed, 2),
        note=got.note,
    )


@router.post(
    "/checkins",
    response_model=CheckinResponse,
    responses=REFUSALS,
    summary="Check a camera in",
)
def checkin(req: CheckinRequest, svc: Service) -> CheckinResponse:
    """Dock the camera; charge restarts from what the shift used, or from the dock's report."""
    got = svc.checkin(req.camera_id.strip(), req.station_id.strip(), req.at, req.battery_pct)
    return CheckinResponse(
        camera_id=got.camera_id,
        station_id=got.station_id,
        at=got.at,
        officer_id=got.officer_id,
        charge_pct=round(got.charge * 100, 1),
        reported=got.reported,
    )


@router.get(
    "/stations/{station_id}/cameras",
    response_model=list[CameraOut],
    responses={404: REFUSALS[404]},
    summary="Cameras at a station",
)
def station_cameras(
    station_id: str,
    svc: Service,
    at: Annotated[At, Query(description=AT_DOC)] = None,
) -> list[CameraOut]:
    """Every camera docked at the station or last taken from it, with its estimated charge."""
    cams = svc.cameras_at(station_id)
    when = svc.instant(at)
    return [_camera(c, when) for c in cams]


@router.get(
    "/officers/{officer_id}/camera",
    response_model=OfficerCameraOut,
    responses={404: REFUSALS[404]},
    summary="An officer's current camera",
)
def officer_camera(
    officer_id: str,
    svc: Service,
    at: Annotated[At, Query(description=AT_DOC)] = None,
) -> OfficerCameraOut:
    """The camera the officer holds now, or null."""
    cam = svc.officer_camera(officer_id)
    return OfficerCameraOut(
        officer_id=officer_id, camera=_camera(cam, svc.instant(at)) if cam else None
    )


def create_app(db_url: str) -> FastAPI:
    """An app serving the router over the database at ``db_url``, plus ``GET /health``."""
    app = FastAPI(
        title="OnRecord camera checkout",
        version=onrecord.__version__,
        description="Check body-worn cameras in and out at station kiosks.",
        # FastAPI's /docs and /redoc pages load their code from a CDN; stations may be offline
        docs_url=None,
        redoc_url=None,
    )
    app.state.checkout_service = CheckoutService.open(db_url)
    app.include_router(router)
    handle_refusals(app)

    @app.get("/health", summary="Liveness", tags=["health"])
    def health() -> dict[str, str]:
        """Answers without touching the database (the benchmark's baseline)."""
        return {"status": "ok"}

    return app
