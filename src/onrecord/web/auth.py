"""Session and CSRF cookies: how they are signed and read (the dependencies that check them
are in ``deps``).

The session cookie holds the random token of a server-side session (``account_store``),
signed and timestamped (HttpOnly, SameSite=Lax, Secure unless the demo turns it off); the
session and its account are looked up on every request, so a session ended on the server
(sign-out, deactivation, a new password) is out at once, whatever cookie is replayed.

CSRF uses a signed double-submit token: every visitor gets an HttpOnly cookie with a random
token, every form carries the same token in a hidden field (API calls in the ``X-CSRF-Token``
header), and a state-changing request whose two do not match is refused. An attacker's page
can neither read the cookie nor set it, so it cannot forge the field.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from onrecord.web.settings import Settings

SESSION_COOKIE = "onrecord_session"
CSRF_COOKIE = "onrecord_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
CSRF_MAX_AGE = 7 * 24 * 3600


@dataclass(frozen=True)
class Play:
    """What a play token was made for: who plays (an account's name, or ``share:<id>``), which
    item and which of its files."""

    actor: str
    item_id: str
    position: int


class Signer:
    """Signs the two cookies and the players' play tokens with the app's secret; a different
    salt for each use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._session = URLSafeTimedSerializer(settings.secret_key, salt="session")
        self._csrf = URLSafeTimedSerializer(settings.secret_key, salt="csrf")
        self._play = URLSafeTimedSerializer(settings.secret_key, salt="play")

    def play_token(self, play: Play) -> str:
        """A new token for one playback (a random part makes each one new), good for as long
        as a session: the player's source carries it (``vault.playback``)."""
        return self._play.dumps(
            [play.actor, play.item_id, play.position, secrets.token_urlsafe(16)]
        )

    def play_of(self, token: str) -> Play | None:
        """What ``token`` was made for, if it is one of ours and young enough."""
        try:
            data = self._play.loads(token, max_age=int(self.settings.session_hours * 3600))
        except BadSignature:
            return None
        if (
            not isinstance(data, list)
            or len(data) != 4
            or not all(isinstance(x, str) for x in (data[0], data[1], data[3]))
            or not isinstance(data[2], int)
        ):
            return None
        return Play(data[0], data[1], data[2])

    def session_cookie(self, response: Response, token: str) -> None:
        """Set the cookie carrying the session ``token`` (``account_store.start_session``)."""
        response.set_cookie(
            SESSION_COOKIE,
            self._session.dumps({"sid": token}),
            max_age=int(self.settings.session_hours * 3600),
            httponly=True,
            samesite="lax",
            secure=self.settings.secure_cookies,
        )

    def clear_session(self, response: Response) -> None:
        """Tell the browser to drop the session cookie (the session is ended on the server)."""
        response.delete_cookie(
            SESSION_COOKIE, httponly=True, samesite="lax", secure=self.settings.secure_cookies
        )

    def session_token(self, request: Request) -> str | None:
        """The session token of the request's cookie, if its signature holds and it is young
        enough; whether the session is still open is the database's to say."""
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        try:
            data = self._session.loads(raw, max_age=int(self.settings.session_hours * 3600))
        except BadSignature:
            return None
        token = data.get("sid") if isinstance(data, dict) else None
        return token if isinstance(token, str) and token else None

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
