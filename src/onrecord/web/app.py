"""``create_app(settings)``: the console and public dashboard as one FastAPI application.

Pages are server-rendered (Jinja2, htmx for the review queue's filters); the JSON API lives
under ``/api`` with its OpenAPI document at ``/api/openapi.json`` (only its public part for the
public: ``web.openapi``). Every asset is served from the package and the
Content-Security-Policy allows nothing else, so the console works on a closed network.
FastAPI's interactive docs page is off: it loads its code from a CDN.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from onrecord.database import connection as db
from onrecord.database.vault import VaultSettings
from onrecord.fleet.service import CheckoutService
from onrecord.vault.axis.app import create_app as create_axis_app
from onrecord.vault.service import Vault
from onrecord.vault.store import BlobStore, StoreError
from onrecord.web import deps, errors, openapi
from onrecord.web.auth import Signer
from onrecord.web.fleet_status import PlanResults
from onrecord.web.redaction_jobs import RedactionJobs
from onrecord.web.render import STATIC
from onrecord.web.results import Results
from onrecord.web.routes import navigation, resources
from onrecord.web.settings import Settings

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def _cacheable(path: str) -> bool:
    """The public dashboard, the open data and the static files may be cached (and a route that
    says for how long, as the report's assets do); nothing else."""
    return path == "/" or path.startswith(("/static", "/data"))


def create_app(
    settings: Settings, results: Results | None = None, vault_store: BlobStore | None = None
) -> FastAPI:
    """The application over ``settings``' audit folder and database (which must be at the
    newest schema: ``onrecord fleet upgrade``): every resource of ``onrecord.web.routes``, the
    checkout service's API among them (mounted at ``/api/checkout`` for managers). ``results``
    may be passed to share one loaded audit between apps (tests); ``vault_store`` is the
    evidence vault's blob store (default: the one the vault's settings name, opened with its
    keys when footage is first read)."""
    engine = db.connect(settings.db_url)
    db.require_current(engine)
    redaction = RedactionJobs(settings, own_store=vault_store is not None)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        """Start the local redaction workers if jobs are waiting; stop them (if any were
        started) when the server stops."""
        await asyncio.to_thread(lambda: redaction.resume(deps.app_vault(app)))
        try:
            yield
        finally:
            redaction.close()

    app = FastAPI(
        lifespan=lifespan,
        title="OnRecord console",
        summary="Body-worn camera audit results, review queue and public dashboard.",
        openapi_url=None,  # served by web.openapi, by who asks
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.results = results or Results(settings.audit_dir, settings.package_dir)
    app.state.signer = Signer(settings)
    app.state.checkout_service = CheckoutService(engine)
    app.state.plan = PlanResults.load(settings.plan_dir) if settings.plan_dir else None
    app.state.vault = None  # opened by deps.vault when first asked for
    app.state.vault_store = vault_store
    app.state.redaction = redaction
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    openapi.install(app, "/api/openapi.json")
    found = resources()
    app.state.nav = navigation(found)
    for resource in found:
        for router in resource.routers:
            app.include_router(router)

    @app.middleware("http")
    async def security(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        """Give every visitor a CSRF token cookie; answer a route that failed; set the security
        headers on every answer, errors included."""
        signer = deps.signer(request)  # now: a mounted app (/axis) becomes request.app below
        token = signer.csrf_token(request)
        fresh = token is None
        request.state.csrf = token or secrets.token_urlsafe(32)
        try:
            response = await call_next(request)
        except Exception:
            # Answered here, inside the app, with the headers below: past this middleware,
            # Starlette's own 500 would have none, and the server would close the connection.
            errors.log.exception("%s %s failed", request.method, request.url.path)
            response = errors.server_error(request)
        if fresh:
            signer.set_csrf(response, request.state.csrf)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        if response.status_code >= 400:
            response.headers["Cache-Control"] = "no-store"
        elif not _cacheable(request.url.path):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    errors.install(app)
    destination = _axis_destination(engine, settings, vault_store)
    if destination is not None:
        app.mount(AXIS_PATH, destination)
    return app


AXIS_PATH = "/axis"
"""Where the console serves the Axis content destination (the connection file's base URL is
the console's address with this path: ``onrecord vault connection-file --base-url``)."""


def _axis_destination(
    engine: Engine, settings: Settings, store: BlobStore | None
) -> FastAPI | None:
    """The Axis content destination over the vault, when the database holds one whose store
    this console can open (its keys folder readable here); else None, and the console serves
    the rest. A vault made after start-up is received by ``onrecord vault serve``, or after a
    restart."""
    with Session(engine) as s:
        found = s.scalar(select(VaultSettings))
    if found is None:
        return None
    vault = Vault(engine, store, found, keys=settings.vault_keys)
    try:
        opened = vault.store
    except StoreError as e:
        errors.log.warning("the Axis content destination is not served at %s: %s", AXIS_PATH, e)
        return None
    return create_axis_app(engine, opened, vault)
