"""Signing in and out (the sign-in form, throttled; the server-side session and its cookie) and
who is signed in (``/api/me``)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from onrecord.database.accounts import Role
from onrecord.web import account_store, deps
from onrecord.web.account_store import Account, Throttled
from onrecord.web.deps import Csrf, Signed
from onrecord.web.render import render
from onrecord.web.routes import Resource

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["api"])
resource = Resource(routers=(api, pages))


class Me(BaseModel):
    name: str
    role: str
    station_id: str | None


def _home(account: Account) -> str:
    if account.role is Role.SUPERVISOR:
        return "/review"
    if account.role in (Role.CUSTODIAN, Role.INVESTIGATOR):
        return "/evidence"
    return "/overview"


def _safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, with its query (``/review?station=A-1``), to go
    to after sign-in; None for anything a browser could take elsewhere: a URL with a scheme or
    a host, ``//host``, a backslash (``/\\host``), or a control character or space (browsers drop
    tabs and new lines, so ``/\\t/host`` is ``//host``)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@pages.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> Response:
    return render(
        request, "login.html.j2", {"status": 200, "message": "", "next": _safe_next(next) or ""}
    )


@pages.post("/login", dependencies=[Csrf])
def login(
    request: Request,
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "",
) -> Response:
    s = deps.settings(request)
    next = _safe_next(next) or ""
    try:
        account = account_store.authenticate(
            deps.engine(request),
            name.strip().lower(),
            password,
            deps.client_address(request),
            max_failures=s.login_max_failures,
            address_max_failures=s.login_address_max_failures,
            window_s=s.login_window_s,
        )
    except Throttled as e:
        return render(
            request,
            "login.html.j2",
            {"status": 429, "message": f"Too many failed sign-ins. {e}.", "next": next},
            status_code=429,
            headers={"Retry-After": str(e.retry_after)},
        )
    if account is None:
        return render(
            request,
            "login.html.j2",
            {"status": 401, "message": "That name and password do not match.", "next": next},
            status_code=401,
        )
    response = RedirectResponse(next or _home(account), status_code=303)
    token = account_store.start_session(deps.engine(request), account)
    deps.signer(request).session_cookie(response, token)
    return response


@pages.post("/logout", dependencies=[Csrf])
def logout(request: Request) -> Response:
    """End the session on the server (its cookie, replayed, is anonymous) and drop the cookie."""
    token = deps.signer(request).session_token(request)
    if token is not None:
        account_store.end_session(deps.engine(request), token)
    response = RedirectResponse("/", status_code=303)
    deps.signer(request).clear_session(response)
    return response


@api.get("/me")
def me(account: Signed) -> Me:
    return Me(name=account.name, role=account.role.value, station_id=account.station_id)
