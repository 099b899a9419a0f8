"""The content destination over HTTP: ``create_app`` serves the Axis API (a subset of
OpenStack Swift) at ``/auth/v1.0`` and ``/v1/{account}/…``; a console can mount it under a
prefix (the storage URL answered at sign-in follows the URL the system signed in at).

``GET /auth/v1.0`` trades ``X-Auth-User``/``X-Auth-Key`` for ``X-Auth-Token`` and
``X-Storage-Url``. With the token: ``GET``/``HEAD`` of ``System`` objects (every other read is
403: evidence is read in the console, where each read is logged), ``PUT``/``POST`` of
containers, ``PUT``/``POST`` of objects. A refusal is plain text for the system's log, with the
status :mod:`~onrecord.vault.axis.service` chooses; at most ``Settings.max_uploads`` object
bodies are received at once, and one more is answered 503 with ``Retry-After``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import PlainTextResponse
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

import onrecord
from onrecord.vault.axis.names import FIXED
from onrecord.vault.axis.service import (
    EMPTY_ETAG,
    Caller,
    Destination,
    Refused,
    Settings,
    store_refusal,
)
from onrecord.vault.axis.sink import ACCESS, RecordingSink
from onrecord.vault.axis.upload import Stored, store_body
from onrecord.vault.store import BlobStore, StoreError


class Uploads:
    """How many object bodies are being received (touched on the event loop only)."""

    def __init__(self) -> None:
        self.active = 0


def destination(request: Request) -> Destination:
    dest: Destination = request.app.state.axis_destination
    return dest


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


async def caller(request: Request, account: str) -> Caller:
    """The system the request's token belongs to (401, or 403 for another account)."""
    token = request.headers.get("x-auth-token") or request.headers.get("x-storage-token")
    who = await run_in_threadpool(destination(request).caller, token, account)
    request.state.axis_actor = who.actor
    return who


Who = Annotated[Caller, Depends(caller)]
router = APIRouter()


@router.get("/auth/v1.0")
async def sign_in(request: Request) -> Response:
    dest = destination(request)
    token = await run_in_threadpool(
        dest.sign_in, request.headers.get("x-auth-user"), request.headers.get("x-auth-key")
    )
    lasts = int((token.expires_at - dest.settings.clock()).total_seconds())
    # Beside the sign-in URL, so under the prefix a console mounts this app at (``base_url``
    # is the outermost app's root: it would drop the prefix).
    signed_in_at = str(request.url.replace(query="")).removesuffix("/auth/v1.0")
    storage = f"{signed_in_at}/v1/{token.account}"
    return Response(
        status_code=200,
        headers={
            "X-Auth-Token": token.value,
            "X-Storage-Token": token.value,
            "X-Storage-Url": storage,
            "X-Auth-Token-Expires": str(max(lasts, 0)),
        },
    )


@router.head("/v1/{account}")
async def head_account(who: Who) -> Response:
    """Answers that the account exists (a client's connection check); it lists nothing."""
    return Response(status_code=204)


@router.api_route("/v1/{account}/System/{name:path}", methods=["GET", "HEAD"])
async def system_object(name: str, request: Request, who: Who) -> Response:
    body, headers = await run_in_threadpool(destination(request).system_object, who, name)
    return Response(body, status_code=200, headers=headers)


@router.get("/v1/{account}")
@router.api_route("/v1/{account}/{container}", methods=["GET", "HEAD"])
@router.api_route("/v1/{account}/{container}/{name:path}", methods=["GET", "HEAD"])
async def read_refused(who: Who) -> Response:
    raise Refused(
        403,
        "this destination serves only System objects; recordings are read in OnRecord's "
        "console, where every read is logged",
        action=ACCESS,
    )


@router.put("/v1/{account}/{container}")
async def put_container(container: str, request: Request, who: Who) -> Response:
    status = await run_in_threadpool(
        lambda: destination(request).write_container(
            who, container, request.headers.raw, post=False, address=_address(request)
        )
    )
    return Response(status_code=status)


@router.post("/v1/{account}/{container}")
async def post_container(container: str, request: Request, who: Who) -> Response:
    status = await run_in_threadpool(
        lambda: destination(request).write_container(
            who, container, request.headers.raw, post=True, address=_address(request)
        )
    )
    return Response(status_code=status)


@router.put("/v1/{account}/{container}/{name:path}")
async def put_object(container: str, name: str, request: Request, who: Who) -> Response:
    dest = destination(request)
    raw = request.headers.raw
    if container in FIXED:  # users, cameras, systems: metadata only
        status = await run_in_threadpool(
            lambda: dest.write_registry_object(who, container, name, raw, post=False)
        )
        return Response(status_code=status, headers={"Etag": EMPTY_ETAG})
    pending = await run_in_threadpool(dest.accept_object, who, container, name, raw)
    stored = await _receive(request, dest)
    if stored is None:
        return Response(status_code=400)  # the client went away mid-body: nobody to answer
    await run_in_threadpool(
        dest.stage_object, who, pending, stored, request.headers.get("etag"), _address(request)
    )
    return Response(status_code=201, headers={"Etag": stored.md5})


async def _receive(request: Request, dest: Destination) -> Stored | None:
    """The body, whole in the store; None if the client went away before sending all of it."""
    uploads: Uploads = request.app.state.axis_uploads
    limit, wait = dest.settings.max_uploads, dest.settings.retry_after_s
    if uploads.active >= limit:
        raise Refused(
            503,
            f"busy: {limit} uploads are being received; send this one again in {wait} s",
            logged=False,
            headers={"Retry-After": str(wait)},
        )
    uploads.active += 1
    try:
        return await store_body(request.stream(), request.app.state.axis_store)
    except ClientDisconnect:
        return None
    except StoreError as e:
        raise store_refusal(e, wait) from None
    finally:
        uploads.active -= 1


@router.post("/v1/{account}/{container}/{name:path}")
async def post_object(container: str, name: str, request: Request, who: Who) -> Response:
    dest = destination(request)
    raw = request.headers.raw
    if container in FIXED:
        status = await run_in_threadpool(
            lambda: dest.write_registry_object(who, container, name, raw, post=True)
        )
    else:
        status = await run_in_threadpool(dest.post_object, who, container, name, raw)
    return Response(status_code=status)


async def refused(request: Request, exc: Exception) -> Response:
    """The API's answer to a :class:`Refused`, after its failure entry (when it gets one)."""
    assert isinstance(exc, Refused)
    await run_in_threadpool(
        lambda: destination(request).log_refusal(
            exc,
            actor=getattr(request.state, "axis_actor", "anonymous"),
            method=request.method,
            path=request.url.path,
            address=_address(request),
        )
    )
    return PlainTextResponse(exc.message + "\n", status_code=exc.status, headers=exc.headers)


def create_app(
    engine: Engine, store: BlobStore, sink: RecordingSink, settings: Settings | None = None
) -> FastAPI:
    """The content destination over ``engine`` (the operational database, at the current
    schema), putting bytes in ``store`` and recordings in ``sink`` (the vault)."""
    app = FastAPI(
        title="OnRecord: Axis body-worn content destination",
        version=onrecord.__version__,
        description="The Axis Body Worn Content Destination API (a subset of OpenStack Swift) "
        "through which an Axis body-worn system delivers recordings. See docs/vault-axis.md.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.axis_destination = Destination(engine, sink, settings or Settings())
    app.state.axis_store = store
    app.state.axis_uploads = Uploads()
    app.include_router(router)
    app.add_exception_handler(Refused, refused)
    return app
