"""The body-worn system's credentials and tokens (``GET /auth/v1.0``).

An administrator makes the credentials with the connection file: a name (``BlobAPIUserName``)
and a key (``BlobAPIKey``, 256 random bits), of which only an argon2id hash is stored, as the
console does for passwords. The system trades them for a token, sent with every request as
``X-Auth-Token``; only the token's SHA-256 is stored (it is random, so a fast hash is enough),
and it expires after ``lifetime`` (an hour by default: the system asks again when answered 401).

The key is not a password a person chose, so guessing it is hopeless and sign-ins are not
throttled; a wrong name costs as long as a wrong key, so names cannot be probed either. Checking
a key against its hash takes most of a second and 64 MiB, so a :class:`Verifier` runs at most two
at a time and recognises a key it has already proven against the same stored hash by its
SHA-256 (a system signs in with one key again and again, from many connections at once).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from onrecord.database import connection as db
from onrecord.database.axis import AxisAccount, AxisToken

ACCOUNT_PREFIX = "AUTH_"
"""A Swift account is ``AUTH_<name>``, as Swift's own tempauth names them."""
TOKEN_PREFIX = "AUTH_tk"
LIFETIME = timedelta(hours=1)
NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
SITE_NAME_BYTES = 64
KEY_BYTES = 32
KEY_LENGTH = 43
"""A key is ``KEY_BYTES`` random bytes in URL-safe base64: ``KEY_LENGTH`` characters."""

_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("not a key any system has")

Auth = Literal["ok", "missing", "unknown", "expired"]


class CredentialError(ValueError):
    """Credentials cannot be made as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Credentials:
    """A system's name and key (the key exists in clear only here and in its connection file)."""

    name: str
    key: str


@dataclass(frozen=True)
class Token:
    value: str
    account: str
    expires_at: datetime


@dataclass(frozen=True)
class Presented:
    """What a request's token turned out to be; ``account_id`` and ``name`` are set when ok."""

    auth: Auth
    account_id: int | None = None
    name: str | None = None

    @property
    def account(self) -> str | None:
        return None if self.name is None else account_path(self.name)


class Verifier:
    """Checks keys against argon2 hashes (see the module's docstring)."""

    def __init__(self, at_once: int = 2) -> None:
        self._slots = threading.BoundedSemaphore(at_once)
        self._lock = threading.Lock()
        self._proven: dict[tuple[str, str], str] = {}
        """(name, SHA-256 of the key) -> the stored hash the key was proven against."""

    def verify(self, name: str, key_hash: str | None, key: str) -> bool:
        """Whether ``key`` is the key ``key_hash`` was made from (None: no such name, which
        costs a check all the same)."""
        proof = (name, _sha(key))
        with self._lock:
            if key_hash is not None and self._proven.get(proof) == key_hash:
                return True
        with self._slots:
            try:
                _HASHER.verify(key_hash or _DUMMY_HASH, key)
            except (VerificationError, InvalidHashError):
                return False
        if key_hash is None:
            return False
        with self._lock:
            self._proven[proof] = key_hash
        return True


def account_path(name: str) -> str:
    """The Swift account (the path part after ``/v1/``) of credentials called ``name``."""
    return ACCOUNT_PREFIX + name


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def make_credentials(
    engine: Engine, name: str, site_name: str, now: datetime, *, replace: bool = False
) -> Credentials:
    """New credentials called ``name``; with ``replace``, a new key for existing ones, which
    ends the old key and every token it got (the system must load the new connection file)."""
    if not NAME.fullmatch(name):
        raise CredentialError(
            f"{name!r} cannot be a system's user name: use 1 to 64 letters, digits, '.', '_', '-'"
        )
    if not site_name.strip() or len(site_name.encode()) > SITE_NAME_BYTES:
        raise CredentialError(
            f"the site name must have 1 to {SITE_NAME_BYTES} bytes; {site_name!r} has "
            f"{len(site_name.encode())}"
        )
    key = secrets.token_urlsafe(KEY_BYTES)
    with Session(engine) as s, s.begin():
        row = s.scalar(select(AxisAccount).where(AxisAccount.name == name))
        if row is None:
            s.add(
                AxisAccount(
                    name=name,
                    key_hash=_HASHER.hash(key),
                    site_name=site_name,
                    created_at=now,
                    key_set_at=now,
                )
            )
        elif not replace:
            raise CredentialError(
                f"a system called {name} is already connected (since {row.created_at:%Y-%m-%d}); "
                "give --replace to issue it a new key (its current connection file stops "
                "working), or another --user for another system"
            )
        else:
            row.key_hash = _HASHER.hash(key)
            row.site_name = site_name
            row.key_set_at = now
            s.execute(delete(AxisToken).where(AxisToken.account_id == row.id))
    return Credentials(name, key)


def issue_token(
    engine: Engine,
    verifier: Verifier,
    name: str | None,
    key: str | None,
    now: datetime,
    lifetime: timedelta = LIFETIME,
) -> Token | None:
    """A new token for the credentials, or None when they are missing or wrong. Expired tokens
    of the account are dropped on the way."""
    if not name or not key:
        return None
    with Session(engine.execution_options(**db.READ_ONLY)) as s:
        row = s.execute(
            select(AxisAccount.id, AxisAccount.key_hash).where(AxisAccount.name == name)
        ).first()
    if not verifier.verify(name, row.key_hash if row else None, key) or row is None:
        return None
    value = TOKEN_PREFIX + secrets.token_hex(32)
    expires = now + lifetime
    with Session(engine) as s, s.begin():
        s.execute(
            delete(AxisToken).where(AxisToken.account_id == row.id, AxisToken.expires_at <= now)
        )
        s.add(
            AxisToken(token_hash=_sha(value), account_id=row.id, issued_at=now, expires_at=expires)
        )
    return Token(value, account_path(name), expires)


def present(engine: Engine, token: str | None, now: datetime) -> Presented:
    """Whose ``token`` (a request's ``X-Auth-Token``) is, if it is still good."""
    if not token:
        return Presented("missing")
    with Session(engine.execution_options(**db.READ_ONLY)) as s:
        row = s.execute(
            select(AxisToken.expires_at, AxisAccount.id, AxisAccount.name)
            .join(AxisAccount, AxisAccount.id == AxisToken.account_id)
            .where(AxisToken.token_hash == _sha(token))
        ).first()
    if row is None:
        return Presented("unknown")
    if row.expires_at <= now:
        return Presented("expired", row.id, row.name)
    return Presented("ok", row.id, row.name)
