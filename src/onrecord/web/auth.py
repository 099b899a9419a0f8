"""Sessions, CSRF tokens and role checks, as FastAPI dependencies.

The session is a signed, timestamped cookie holding the account id (HttpOnly, SameSite=Lax,
Secure unless the demo turns it off); the account is re-read on every request, so a deactivated
account is out at once. CSRF uses a signed double-submit token: every visitor gets an HttpOnly
cookie with a random token, every form carries the same token in a hidden field (API calls in
the ``X-CSRF-Token`` header), and a state-changing request whose two do not match is refused.
An attacker's page can neither read the cookie nor set it, so it cannot forge the field.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from onrecord.database.accounts import Role
from onrecord.web import account_store
from onrecord.web.account_store import Account
from onrecord.web.settings import Settings

SESSION_COOKIE = "onrecord_session"
CSRF_COOKIE = "onrecord_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
CSRF_MAX_AGE = 7 * 24 * 3600

ALL_ROLES = tuple(Role)
AGGREGATES = (Role.ADMIN, Role.MANAGER, Role.SUPERVISOR, Role.AUDITOR)
OFFICER_LEVEL = (Role.SUPERVISOR, Role.AUDITOR)
OVERSIGHT = (Role.ADMIN, Role.AUDITOR)
FLEET = (Role.MANAGER, Role.ADMIN, Role.AUDITOR)  # the manager runs it, the others read
KIOSK = (Role.MANAGER,)  # checks cameras out and in


class Signer:
    """Signs the two cookies with the app's secret; a different salt for each use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._session = URLSafeTimedSerializer(settings.secret_key, salt="session")
        self._csrf = URLSafeTimedSerializer(settings.secret_key, salt="csrf")

    def session_cookie(self, response: Response, account: Account) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            self._session.dumps({"uid": account.id}),
            max_age=int(self.settings.session_hours * 3600),
            httponly=True,
            samesite="lax",
            secure=self.settings.secure_cookies,
        )

    def session_uid(self, request: Request) -> int | None:
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        try:
            data = self._session.loads(raw, max_age=int(self.settings.session_hours * 3600))
        except BadSignature:
            return None
        uid = data.get("uid") if isinstance(data, dict) else None
        return uid if isinstance(uid, int) else None

    def csrf_token(self, request: Request) -> str | None:
        raw = request.cookies.get(CSRF_COOKIE)
        if not raw:
            return None
        try:
            token = self._csrf.loads(raw, max_age=CSRF_MAX_AGE)
        except BadSignature:
            return None
        return token if isinstance(token, str) else None

    def set_csrf(self, response: Response, token: str) -> None:
        response.set_cookie(
            CSRF_COOKIE,
            self._csrf.dumps(token),
            max_age=CSRF_MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=self.settings.secure_cookies,
        )


def current_account(request: Request) -> Account | None:
    """The signed-in account, or None for the anonymous public; looked up once per request
    (the access dependency and the page renderer both ask)."""
    if hasattr(request.state, "account"):
        return request.state.account
    state = request.app.state
    uid = state.signer.session_uid(request)
    account = account_store.get_account(state.engine, uid) if uid is not None else None
    request.state.account = account
    return account


def require(*roles: Role) -> Callable[..., Account]:
    """A dependency admitting only ``roles``: 401 for the anonymous, 403 for other roles."""

    def dependency(
        account: Annotated[Account | None, Depends(current_account)],
    ) -> Account:
        if account is None:
            raise HTTPException(401, "sign in to see this page")
        if account.role not in roles:
            raise HTTPException(
                403,
                f"the {account.role.value} role may not see this; it is for "
                f"{', '.join(r.value for r in roles)}",
            )
        return account

    return dependency


async def check_csrf(request: Request) -> None:
    """Refuse (403) a state-changing request whose token does not match the cookie's."""
    expected = request.app.state.signer.csrf_token(request)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise HTTPException(403, "the form's security token is missing or stale; reload the page")


async def check_csrf_unless_read(request: Request) -> None:
    """:func:`check_csrf` for every method but GET and HEAD (for a router mixing both)."""
    if request.method not in ("GET", "HEAD"):
        await check_csrf(request)


def log_officer_read(request: Request, account: Account) -> None:
    """Record who read officer-level data, what (path and query) and when."""
    what = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    client = request.client.host if request.client else None
    account_store.log_access(request.app.state.engine, account, what, client)
