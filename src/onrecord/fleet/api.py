"""The checkout HTTP API: a FastAPI router any app can mount, and ``create_app`` that serves it.

The router finds its :class:`CheckoutService` at ``request.app.state.checkout_service``; an app
that mounts it (a web console, say) sets that attribute once, as ``create_app`` does. Its routes
let the service's :class:`Refused` go; the app answers it once for all of them with
:func:`refusal`: a machine-readable ``reason`` and the message a person can act on, 404 for an id
nobody knows, 409 for everything else (``handle_refusals(app)`` registers that handler, as
``create_app`` does).

Who may call it is the mounting app's business, with one contract for station scopes:

- An app that admits callers for some stations only puts a
  :class:`~onrecord.fleet.tokens.StationScope` at ``request.state.checkout_scope`` (in a
  dependency of the router, so before any handler runs). The handlers then refuse with 403,
  naming the scope, a checkout, a check-in or a station's camera list for a station outside it,
  and an officer's camera (not one station's business) unless the scope is every station.
  Nothing is read or changed for a refused request.
- Without a scope (the web console mounts the router behind its own role check) no station is
  out of bounds here.
- Every handler puts the ids its request concerns (station, officer, and the camera checked in
  or issued) at ``request.state.checkout_subject`` (a :class:`Subject`), for the app's log.

``create_app`` is the standalone API (``onrecord fleet serve``): every route of the router needs
an API token (``Authorization: Bearer <secret>``, see :mod:`onrecord.fleet.tokens`), whose
station scope it sets as above; a missing, unknown or revoked token is 401 with a
``WWW-Authenticate`` header. Every request that reaches those routes is written to the use log
(``api_token_uses``) before its answer is sent. ``GET /health`` and the OpenAPI document are open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BaseModel, Field
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import onrecord
from onrecord.fleet import tokens
from onrecord.fleet.rules import FUTURE_TOLERANCE, NOT_FOUND, CameraStatus, Reason, Refused
from onrecord.fleet.service import CheckoutService
from onrecord.fleet.tokens import StationScope

AT_DOC = (
    "When it happens, ISO 8601; without an offset it is the department's local time. "
    "Default: now. Set it to replay a past schedule, in time order; at most "
    f"{FUTURE_TOLERANCE.total_seconds() / 60:g} minutes ahead of the server's clock. "
    "Years 1900 to 2999."
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


class Denied(BaseModel):
    """Why the caller may not do this (credentials, or a station outside their scope)."""

    detail: str


REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {
        "model": Denied,
        "description": "No credentials, or not valid ones (standalone API: a missing, unknown "
        "or revoked token; the WWW-Authenticate header says which).",
    },
    403: {
        "model": Denied,
        "description": "The caller may not do this: a station outside the token's scope (an "
        "officer's camera takes an all-stations token), or, in a console, another role.",
    },
    404: {"model": RefusalBody, "description": "Unknown officer, station or camera."},
    409: {
        "model": RefusalBody,
        "description": "Refused: officer inactive or not trained, already holds a camera, no "
        "camera docked, cameras in repair, none charged enough (with ready_at), camera already "
        "docked, check-in before check-out, a time before the last event it follows "
        f"(before_last_event), or more than {FUTURE_TOLERANCE.total_seconds() / 60:g} minutes "
        "ahead of the server's clock (time_in_future).",
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
READ_RESPONSES: dict[int | str, dict[str, Any]] = {k: REFUSALS[k] for k in (401, 403, 404)}


@dataclass
class Subject:
    """The ids a request concerns, as the handlers leave them for the app's log."""

    station_id: str | None = None
    officer_id: str | None = None
    camera_id: str | None = None


def _concerns(request: Request, **ids: str | None) -> Subject:
    """Record what the request is about, then refuse it (403) if the caller's station scope
    (``request.state.checkout_scope``, when an app set one) does not cover it."""
    subject = Subject(**ids)
    request.state.checkout_subject = subject
    scope: StationScope | None = getattr(request.state, "checkout_scope", None)
    if scope is None:
        return subject
    if subject.station_id is None:  # an officer's camera: not one station's business
        if scope.stations is not None:
            raise HTTPException(
                403,
                f"{scope.holder} acts for {scope.describe()} only; an officer's camera can be "
                "looked up with a token for all stations",
            )
    elif not scope.allows(subject.station_id):
        raise HTTPException(
            403,
            f"{scope.holder} acts for {scope.describe()} only, not {subject.station_id}; use "
            f"the token of {subject.station_id}'s kiosk",
        )
    return subject


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
def checkout(req: CheckoutRequest, svc: Service, request: Request) -> CheckoutResponse:
    """Issue the officer a camera docked at the station with enough charge for their shift:
    their own camera first, else the pool camera on the dock longest."""
    officer_id, station_id = req.officer_id.strip(), req.station_id.strip()
    subject = _concerns(request, station_id=station_id, officer_id=officer_id)
    got = svc.checkout(officer_id, station_id, req.at)
    subject.camera_id = got.camera_id
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
def checkin(req: CheckinRequest, svc: Service, request: Request) -> CheckinResponse:
    """Dock the camera; charge restarts from what the shift used, or from the dock's report."""
    camera_id, station_id = req.camera_id.strip(), req.station_id.strip()
    subject = _concerns(request, station_id=station_id, camera_id=camera_id)
    got = svc.checkin(camera_id, station_id, req.at, req.battery_pct)
    subject.officer_id = got.officer_id
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
    responses=READ_RESPONSES,
    summary="Cameras at a station",
)
def station_cameras(
    station_id: str,
    svc: Service,
    request: Request,
    at: Annotated[At, Query(description=AT_DOC)] = None,
) -> list[CameraOut]:
    """Every camera docked at the station or last taken from it, with its estimated charge."""
    _concerns(request, station_id=station_id)
    cams = svc.cameras_at(station_id)
    when = svc.instant(at)
    return [_camera(c, when) for c in cams]


@router.get(
    "/officers/{officer_id}/camera",
    response_model=OfficerCameraOut,
    responses=READ_RESPONSES,
    summary="An officer's current camera",
)
def officer_camera(
    officer_id: str,
    svc: Service,
    request: Request,
    at: Annotated[At, Query(description=AT_DOC)] = None,
) -> OfficerCameraOut:
    """The camera the officer holds now, or null."""
    _concerns(request, officer_id=officer_id)
    cam = svc.officer_camera(officer_id)
    return OfficerCameraOut(
        officer_id=officer_id, camera=_camera(cam, svc.instant(at)) if cam else None
    )


REALM = 'Bearer realm="onrecord checkout"'
bearer = HTTPBearer(
    scheme_name="apiToken",
    description="An API token made by an admin (`onrecord fleet token add NAME --station S`), "
    "sent as `Authorization: Bearer <token>`; it acts for its stations only.",
    auto_error=False,
)
DENIED = {
    "missing": "this API needs a token: send Authorization: Bearer <token> (an admin makes one "
    "with `onrecord fleet token add`)",
    "unknown": "this token is not known: check that the kiosk has the whole token, or ask an "
    "admin for one",
}


def token_scope(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> StationScope:
    """The standalone API's credentials: the bearer token's station scope, or 401. What was
    presented is left at ``request.state.checkout_token`` for the use log."""
    presented = tokens.authenticate(
        service(request).engine, credentials.credentials if credentials else None
    )
    request.state.checkout_token = presented
    if presented.scope is None:
        if presented.auth == "revoked":
            message = f"token {presented.name} was revoked; ask an admin for a new one"
        else:
            message = DENIED[presented.auth]
        challenge = REALM if presented.auth == "missing" else f'{REALM}, error="invalid_token"'
        raise HTTPException(401, message, headers={"WWW-Authenticate": challenge})
    request.state.checkout_scope = presented.scope
    return presented.scope


class UseLog:
    """ASGI middleware writing one row of the use log for each request that went through
    :func:`token_scope`, when its answer starts (so no answer leaves without its row), with
    the status answered, the route's name as the action, and the handler's :class:`Subject`."""

    def __init__(self, app: ASGIApp, engine: Engine) -> None:
        self.app = app
        self.engine = engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        logged = False

        async def log_then_send(message: Message) -> None:
            nonlocal logged
            if message["type"] == "http.response.start" and not logged:
                logged = True
                await self._log(scope, message["status"])
            await send(message)

        try:
            await self.app(scope, receive, log_then_send)
        except Exception:
            if not logged:
                logged = True
                await self._log(scope, 500)
            raise

    async def _log(self, scope: Scope, status: int) -> None:
        state = scope.get("state") or {}
        presented: tokens.Presented | None = state.get("checkout_token")
        if presented is None:  # not a protected route
            return
        subject: Subject = state.get("checkout_subject") or Subject()
        route = scope.get("route")
        path_params = scope.get("path_params") or {}
        query = scope.get("query_string", b"").decode("latin-1")
        client = scope.get("client")
        use = tokens.Use(
            presented=presented,
            action=getattr(route, "name", None) or "unknown",
            method=scope["method"],
            path=scope["path"] + (f"?{query}" if query else ""),
            status=status,
            station_id=subject.station_id or path_params.get("station_id"),
            officer_id=subject.officer_id or path_params.get("officer_id"),
            camera_id=subject.camera_id,
            address=client[0] if client else None,
        )
        await run_in_threadpool(tokens.record_use, self.engine, use)


def create_app(db_url: str) -> FastAPI:
    """An app serving the router over the database at ``db_url`` to callers with an API token
    (see the module's docstring), plus ``GET /health``."""
    app = FastAPI(
        title="OnRecord camera checkout",
        version=onrecord.__version__,
        description="Check body-worn cameras in and out at station kiosks. Every route but "
        "/health needs an API token for the station concerned "
        "(`onrecord fleet token add NAME --station S`); every use is logged.",
        # FastAPI's /docs and /redoc pages load their code from a CDN; stations may be offline
        docs_url=None,
        redoc_url=None,
    )
    svc = CheckoutService.open(db_url)
    app.state.checkout_service = svc
    app.include_router(router, dependencies=[Depends(token_scope)])
    app.add_middleware(UseLog, engine=svc.engine)
    handle_refusals(app)

    @app.get("/health", summary="Liveness", tags=["health"])
    def health() -> dict[str, str]:
        """Answers without touching the database (the benchmark's baseline); no token needed."""
        return {"status": "ok"}

    return app
