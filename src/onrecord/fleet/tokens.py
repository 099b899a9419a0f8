"""API tokens of the standalone checkout API: per-kiosk credentials scoped to stations.

An admin with access to the database makes a token (``onrecord fleet token add``) and gives its
secret to one kiosk, which sends it as ``Authorization: Bearer <secret>``. Only the SHA-256 of
the secret is stored: the secret is shown once and cannot be read back. A token acts for the
stations it was made for, or for every station; revoking it takes effect on the next request
(nothing is cached). A token is never deleted and its name never reused, so every row of the use
log names one token.

The secret has 256 bits from :mod:`secrets`, so a plain (unsalted, fast) hash is enough: nobody
can guess a secret from its hash, and looking a hash up by index reveals nothing about secrets
that are not already known.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onrecord.database import connection as db
from onrecord.database.fleet import ApiToken, ApiTokenStation, ApiTokenUse, Station

PREFIX = "onr_"
"""Every secret starts with this, so a leaked one is recognisable (in logs, in a repository)."""
NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")

Auth = Literal["ok", "missing", "unknown", "revoked"]


class TokenError(Exception):
    """A token cannot be made or revoked as asked (the message says why)."""


@dataclass(frozen=True)
class StationScope:
    """The stations a caller may act for: ``stations``, or every station when it is None."""

    holder: str
    """Who holds the scope, as refusals name it (``token north``)."""
    stations: frozenset[str] | None

    def allows(self, station_id: str) -> bool:
        return self.stations is None or station_id in self.stations

    def describe(self) -> str:
        if self.stations is None:
            return "all stations"
        return ("station " if len(self.stations) == 1 else "stations ") + ", ".join(
            sorted(self.stations)
        )


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed: never its secret."""

    id: int
    name: str
    scope: StationScope
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None = None


@dataclass(frozen=True)
class NewToken:
    """A token just made, with its secret: the only time the secret exists outside the kiosk."""

    info: TokenInfo
    secret: str


@dataclass(frozen=True)
class Presented:
    """What a request's credentials turned out to be; ``scope`` is set only when ``ok``."""

    auth: Auth
    token_id: int | None = None
    name: str | None = None
    scope: StationScope | None = None


@dataclass(frozen=True)
class Use:
    """One request to a protected route, as the use log records it."""

    presented: Presented
    action: str
    method: str
    path: str
    status: int
    station_id: str | None
    officer_id: str | None
    camera_id: str | None
    address: str | None


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _scope(name: str, all_stations: bool, stations: Iterable[str]) -> StationScope:
    return StationScope(f"token {name}", None if all_stations else frozenset(stations))


def add_token(
    engine: Engine, name: str, stations: Iterable[str] = (), all_stations: bool = False
) -> NewToken:
    """Make a token called ``name`` for ``stations`` (which must exist), or for every station."""
    wanted = sorted(set(stations))
    if not NAME.fullmatch(name):
        raise TokenError(
            f"{name!r} cannot be a token's name: use 1 to 64 letters, digits, '.', '_' or '-'"
        )
    if all_stations and wanted:
        raise TokenError("give the token's stations or --all-stations, not both")
    if not all_stations and not wanted:
        raise TokenError("a token acts for the stations given (--station S) or --all-stations")
    secret = PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    try:
        with Session(engine) as s, s.begin():
            if s.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
                raise TokenError(
                    f"a token called {name} already exists (names are never reused, so the log "
                    "names one token); choose another name"
                )
            known = set(s.scalars(select(Station.station_id).where(Station.station_id.in_(wanted))))
            unknown = [st for st in wanted if st not in known]
            if unknown:
                raise TokenError(
                    f"no station {', '.join(unknown)} in the fleet database; "
                    "check the ids (onrecord fleet init loads them from the package's stations)"
                )
            row = ApiToken(
                name=name,
                token_hash=hash_secret(secret),
                all_stations=all_stations,
                created_at=now,
                revoked_at=None,
            )
            s.add(row)
            s.flush()
            s.add_all(ApiTokenStation(token_id=row.id, station_id=st) for st in wanted)
            info = TokenInfo(row.id, name, _scope(name, all_stations, wanted), now, None)
    except IntegrityError:  # the same name made at the same moment elsewhere
        raise TokenError(f"a token called {name} already exists; choose another name") from None
    return NewToken(info, secret)


def list_tokens(engine: Engine) -> list[TokenInfo]:
    """Every token, revoked ones included, in the order they were made, with their last use."""
    with Session(engine.execution_options(**db.READ_ONLY)) as s:
        scopes: dict[int, list[str]] = {}
        for token_id, station_id in s.execute(
            select(ApiTokenStation.token_id, ApiTokenStation.station_id)
        ):
            scopes.setdefault(token_id, []).append(station_id)
        last: dict[int | None, datetime] = {
            token_id: at
            for token_id, at in s.execute(
                select(ApiTokenUse.token_id, func.max(ApiTokenUse.at))
                .where(ApiTokenUse.auth == "ok")
                .group_by(ApiTokenUse.token_id)
            )
        }
        return [
            TokenInfo(
                t.id,
                t.name,
                _scope(t.name, t.all_stations, scopes.get(t.id, [])),
                t.created_at,
                t.revoked_at,
                last.get(t.id),
            )
            for t in s.scalars(select(ApiToken).order_by(ApiToken.id))
        ]


def revoke_token(engine: Engine, name: str) -> TokenInfo:
    """Revoke the token called ``name``: from the next request on, it is refused (401)."""
    with Session(engine) as s, s.begin():
        row = s.scalar(select(ApiToken).where(ApiToken.name == name))
        if row is None:
            raise TokenError(f"no token called {name}; `onrecord fleet token list` lists them")
        if row.revoked_at is not None:
            raise TokenError(
                f"token {name} was already revoked at {row.revoked_at:%Y-%m-%d %H:%M} UTC"
            )
        row.revoked_at = datetime.now(UTC)
        stations = s.scalars(
            select(ApiTokenStation.station_id).where(ApiTokenStation.token_id == row.id)
        )
        return TokenInfo(
            row.id, name, _scope(name, row.all_stations, stations), row.created_at, row.revoked_at
        )


def authenticate(engine: Engine, secret: str | None) -> Presented:
    """Who ``secret`` (the bearer token of a request, None when it sent none) belongs to."""
    if not secret:
        return Presented("missing")
    with Session(engine.execution_options(**db.READ_ONLY)) as s:
        row = s.execute(
            select(ApiToken.id, ApiToken.name, ApiToken.all_stations, ApiToken.revoked_at).where(
                ApiToken.token_hash == hash_secret(secret)
            )
        ).first()
        if row is None:
            return Presented("unknown")
        if row.revoked_at is not None:
            return Presented("revoked", row.id, row.name)
        stations: list[str] = []
        if not row.all_stations:
            stations = list(
                s.scalars(
                    select(ApiTokenStation.station_id).where(ApiTokenStation.token_id == row.id)
                )
            )
    return Presented("ok", row.id, row.name, _scope(row.name, row.all_stations, stations))


def record_use(engine: Engine, use: Use) -> None:
    """Write one row of the use log, in its own transaction."""
    with Session(engine) as s, s.begin():
        s.add(
            ApiTokenUse(
                at=datetime.now(UTC),
                token_id=use.presented.token_id,
                auth=use.presented.auth,
                action=use.action[:32],
                method=use.method[:8],
                path=use.path[:1000],
                status=use.status,
                station_id=_id(use.station_id),
                officer_id=_id(use.officer_id),
                camera_id=_id(use.camera_id),
                address=use.address[:64] if use.address else None,
            )
        )


def _id(value: str | None) -> str | None:
    """An id as the log keeps it (the column's width: longer input was never a real id)."""
    return value[:64] if value else None


@dataclass(frozen=True)
class LoggedUse:
    """A row of the use log, with the token's name (None for an unknown or missing token)."""

    at: datetime
    name: str | None
    auth: str
    action: str
    method: str
    path: str
    status: int
    station_id: str | None
    officer_id: str | None
    camera_id: str | None
    address: str | None


def recent_uses(engine: Engine, name: str | None = None, limit: int = 50) -> list[LoggedUse]:
    """The latest ``limit`` uses, newest first (of the token ``name`` only, if given)."""
    query = (
        select(
            ApiTokenUse.at, ApiToken.name, ApiTokenUse.auth, ApiTokenUse.action,
            ApiTokenUse.method, ApiTokenUse.path, ApiTokenUse.status, ApiTokenUse.station_id,
            ApiTokenUse.officer_id, ApiTokenUse.camera_id, ApiTokenUse.address,
        )
        .outerjoin(ApiToken, ApiToken.id == ApiTokenUse.token_id)
        .order_by(ApiTokenUse.id.desc())
        .limit(limit)
    )  # fmt: skip
    if name is not None:
        query = query.where(ApiToken.name == name)
    with Session(engine.execution_options(**db.READ_ONLY)) as s:
        return [LoggedUse(*r) for r in s.execute(query)]
