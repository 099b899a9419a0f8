"""Local accounts: argon2id password hashes, sign-in with throttling, server-side sessions, the
officer-data access log.

Failed sign-ins are counted in the database (so the count survives a restart) per pair of
account name and client address, and per client address: an address that keeps guessing is
stopped whether it tries many passwords on one name or one password on many names, and its
guesses never lock the real user out of their own address.

A sign-in starts a session (table ``sessions``); the cookie carries its random token. Signing
out ends that session; deactivating an account or giving it a new password ends all of its
sessions, and reactivating it starts none, so an old cookie never comes back to life.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session

from onrecord.database import connection as db
from onrecord.database.accounts import (
    AccessLog,
    ConsoleSession,
    InvestigatorCase,
    LoginAttempt,
    Role,
    User,
)
from onrecord.database.fleet import Station

_HASHER = PasswordHasher()
# Verified when the name is unknown, so a failed login takes as long whether or not it exists.
_DUMMY_HASH = _HASHER.hash("not a password anyone has")
MIN_PASSWORD = 10
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")
SESSION_TOUCH_S = 60
"""A session's ``last_seen_at`` is written at most this often, so reading pages stays a read."""
STATIONS_LISTED = 20
"""How many of the database's stations a refusal of an unknown station names."""
STATION_ROLES = (Role.SUPERVISOR, Role.INVESTIGATOR)
"""The roles whose account may have a station (a supervisor must)."""
MAX_CASES = 200
"""The most case ids one investigator is assigned at once."""


class AccountError(ValueError):
    """An account cannot be created or changed as asked; the message says why."""


class Throttled(Exception):
    """Too many failed logins recently; ``retry_after`` seconds until the next try is heard."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins; try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Account:
    """A signed-in user as the request handlers see it (detached from any database session).
    ``cases`` are the case ids an investigator is assigned (empty for every other role)."""

    id: int
    name: str
    role: Role
    station_id: str | None
    cases: tuple[str, ...] = ()


def _now() -> datetime:
    return datetime.now(UTC)


def _account(s: Session, u: User) -> Account:
    cases: tuple[str, ...] = ()
    if u.role == Role.INVESTIGATOR.value:
        cases = tuple(
            s.scalars(
                select(InvestigatorCase.case_id)
                .where(InvestigatorCase.user_id == u.id)
                .order_by(InvestigatorCase.case_id)
            )
        )
    return Account(u.id, u.name, Role(u.role), u.station_id, cases)


def station_ids(engine: Engine) -> list[str]:
    """The department's stations in the operational database (loaded by ``fleet init``)."""
    with Session(engine.execution_options(**db.READ_ONLY)) as s:
        return list(s.scalars(select(Station.station_id).order_by(Station.station_id)))


def _check_station(s: Session, station_id: str) -> None:
    """Refuse a station that the database does not know, saying what it knows."""
    known = list(s.scalars(select(Station.station_id).order_by(Station.station_id)))
    if not known:
        raise AccountError(
            "the database has no stations (a console without a fleet), so no account can "
            "be given one yet: load the department's stations with `onrecord fleet init "
            "PACKAGE --db URL`, then add the account"
        )
    if station_id not in known:
        shown = ", ".join(known[:STATIONS_LISTED])
        more = f" and {len(known) - STATIONS_LISTED} more" if len(known) > STATIONS_LISTED else ""
        raise AccountError(
            f"there is no station {station_id!r}; the database's stations are {shown}{more} "
            "(they come from the department's package, loaded by `onrecord fleet init`)"
        )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")


def clean_cases(cases: Iterable[str]) -> list[str]:
    """Case ids as an admin typed them (blank ones dropped, each once, in order), or an
    :class:`AccountError` naming one that no case id can be."""
    found: dict[str, None] = {}
    for case in cases:
        case = case.strip()
        if not case:
            continue
        if len(case) > 100 or not case.isprintable():
            raise AccountError(f"{case[:40]!r}: a case id is 1 to 100 printable characters")
        found[case] = None
    if len(found) > MAX_CASES:
        raise AccountError(f"{len(found)} cases: an investigator is assigned {MAX_CASES} at most")
    return list(found)


def _assign(s: Session, user_id: int, cases: list[str], by: str) -> None:
    s.execute(delete(InvestigatorCase).where(InvestigatorCase.user_id == user_id))
    now = _now()
    s.add_all(
        InvestigatorCase(user_id=user_id, case_id=c, assigned_by=by, assigned_at=now) for c in cases
    )


def add_user(
    engine: Engine,
    name: str,
    role: str,
    password: str,
    station_id: str | None = None,
    cases: Iterable[str] = (),
    by: str = "admin",
) -> Account:
    """Create an account. A supervisor needs a station of the database; an investigator may
    have one (they see its officers' footage) and cases (``by`` assigns them); others have
    neither."""
    if not name or not set(name) <= NAME_CHARS or len(name) > 64:
        raise AccountError(
            f"{name!r}: a user name is 1 to 64 of lower-case letters, digits, '.', '_' and '-'"
        )
    try:
        r = Role(role)
    except ValueError:
        raise AccountError(
            f"{role!r} is not a role; choose one of {', '.join(x.value for x in Role)}"
        ) from None
    if r is Role.SUPERVISOR and not station_id:
        raise AccountError("a supervisor reviews one station's encounters: give --station")
    if r not in STATION_ROLES and station_id:
        raise AccountError("only a supervisor or an investigator has a station")
    assigned = clean_cases(cases)
    if r is not Role.INVESTIGATOR and assigned:
        raise AccountError("only an investigator is assigned cases")
    _check_password(password)
    with Session(engine) as s, s.begin():
        if s.scalar(select(User.id).where(User.name == name)) is not None:
            raise AccountError(f"there is already a user named {name!r}")
        if station_id:
            _check_station(s, station_id)
        user = User(
            name=name,
            password_hash=_HASHER.hash(password),
            role=r.value,
            station_id=station_id,
            active=True,
            created_at=_now(),
        )
        s.add(user)
        s.flush()
        _assign(s, user.id, assigned, by)
        s.flush()
        return _account(s, user)


def list_users(engine: Engine) -> list[User]:
    with Session(engine, expire_on_commit=False) as s:
        return list(s.scalars(select(User).order_by(User.name)))


def assigned_cases(engine: Engine) -> dict[int, list[str]]:
    """Every investigator's cases, by account id."""
    found: dict[int, list[str]] = {}
    with Session(engine.execution_options(**db.READ_ONLY)) as s:
        for user_id, case_id in s.execute(
            select(InvestigatorCase.user_id, InvestigatorCase.case_id).order_by(
                InvestigatorCase.user_id, InvestigatorCase.case_id
            )
        ):
            found.setdefault(user_id, []).append(case_id)
    return found


def set_cases(engine: Engine, user_id: int, cases: Iterable[str], by: str) -> list[str]:
    """Assign an investigator exactly ``cases`` (replacing what they had); returns them. Their
    next request sees the change: the cases are read with the session's account."""
    assigned = clean_cases(cases)
    with Session(engine) as s, s.begin():
        user = s.get(User, user_id)
        if user is None:
            raise AccountError(f"no user with id {user_id}")
        if user.role != Role.INVESTIGATOR.value:
            raise AccountError(
                f"{user.name} is a {user.role}; only an investigator is assigned cases"
            )
        _assign(s, user_id, assigned, by)
    return assigned


def find_user_id(engine: Engine, name: str) -> int:
    """The id of the account named ``name`` (active or not)."""
    with Session(engine.execution_options(**db.READ_ONLY)) as s:
        found = s.scalar(select(User.id).where(User.name == name))
    if found is None:
        raise AccountError(f"there is no user named {name!r}")
    return found


def _end_sessions(s: Session, user_id: int, reason: str) -> None:
    s.execute(
        update(ConsoleSession)
        .where(ConsoleSession.user_id == user_id, ConsoleSession.ended_at.is_(None))
        .values(ended_at=_now(), end_reason=reason)
    )


def set_active(engine: Engine, user_id: int, active: bool) -> None:
    """Deactivate an account (ending all its sessions) or reactivate it (it signs in anew)."""
    with Session(engine) as s, s.begin():
        user = s.get(User, user_id)
        if user is None:
            raise AccountError(f"no user with id {user_id}")
        user.active = active
        if not active:
            _end_sessions(s, user_id, "deactivated")


def set_password(engine: Engine, user_id: int, password: str) -> None:
    """Give an account a new password and end all its sessions (whoever had the old one is out)."""
    _check_password(password)
    with Session(engine) as s, s.begin():
        user = s.get(User, user_id)
        if user is None:
            raise AccountError(f"no user with id {user_id}")
        user.password_hash = _HASHER.hash(password)
        _end_sessions(s, user_id, "new password")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(engine: Engine, account: Account) -> str:
    """A new session for ``account``; the random token its cookie is to carry."""
    token = secrets.token_urlsafe(32)
    now = _now()
    with Session(engine) as s, s.begin():
        s.add(
            ConsoleSession(id=_digest(token), user_id=account.id, created_at=now, last_seen_at=now)
        )
    return token


def session_account(engine: Engine, token: str, max_age_s: float) -> Account | None:
    """The account of the session ``token``: None once the session is ended, older than
    ``max_age_s`` or its account deactivated."""
    now = _now()
    digest = _digest(token)
    with Session(engine.execution_options(**db.READ_ONLY)) as s:
        found = s.execute(
            select(ConsoleSession, User)
            .join(User, User.id == ConsoleSession.user_id)
            .where(ConsoleSession.id == digest)
        ).first()
        if found is None:
            return None
        session, user = found
        if (
            session.ended_at is not None
            or not user.active
            or session.created_at <= now - timedelta(seconds=max_age_s)
        ):
            return None
        account, seen = _account(s, user), session.last_seen_at
    if now - seen >= timedelta(seconds=SESSION_TOUCH_S):
        with Session(engine) as s, s.begin():
            s.execute(
                update(ConsoleSession)
                .where(ConsoleSession.id == digest, ConsoleSession.ended_at.is_(None))
                .values(last_seen_at=now)
            )
    return account


def end_session(engine: Engine, token: str, reason: str = "signed out") -> None:
    """End the session ``token`` (sign-out); an unknown or ended one is left as it is."""
    with Session(engine) as s, s.begin():
        s.execute(
            update(ConsoleSession)
            .where(ConsoleSession.id == _digest(token), ConsoleSession.ended_at.is_(None))
            .values(ended_at=_now(), end_reason=reason)
        )


def throttle_key(address: str) -> str:
    """What failed sign-ins are counted by: the client's address, or for IPv6 its /64 network
    (one subscriber's block, which its owner can rotate through at will)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def _check_throttle(
    s: Session, name: str, address: str, max_failures: int, address_max_failures: int, window_s: int
) -> None:
    since = _now() - timedelta(seconds=window_s)
    failed = (LoginAttempt.at >= since, LoginAttempt.ok.is_(False), LoginAttempt.address == address)
    for where, limit in (
        ((*failed, LoginAttempt.name == name), max_failures),
        (failed, address_max_failures),
    ):
        count, oldest = s.execute(
            select(func.count(), func.min(LoginAttempt.at)).where(*where)
        ).one()
        if count >= limit:
            retry = oldest + timedelta(seconds=window_s) - _now()
            raise Throttled(max(1, int(retry.total_seconds()) + 1))


def authenticate(
    engine: Engine,
    name: str,
    password: str,
    address: str,
    *,
    max_failures: int,
    address_max_failures: int,
    window_s: int,
) -> Account | None:
    """The account if ``password`` is right; None if not. Raises :class:`Throttled` before
    checking anything once the recent failures for the name from ``address`` reach
    ``max_failures``, or those from ``address`` for any names reach ``address_max_failures``."""
    name, key = name[:64], throttle_key(address)
    with Session(engine) as s, s.begin():
        _check_throttle(s, name, key, max_failures, address_max_failures, window_s)
        user = s.scalar(select(User).where(User.name == name, User.active.is_(True)))
        try:
            ok: bool = _HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            ok = False
        ok = ok and user is not None
        s.add(LoginAttempt(at=_now(), name=name, address=key, ok=ok))
        if ok and user is not None:
            if _HASHER.check_needs_rehash(user.password_hash):
                user.password_hash = _HASHER.hash(password)
            return _account(s, user)
        return None


def log_access(engine: Engine, account: Account, what: str, address: str | None) -> None:
    """Record that ``account`` read officer-level data (``what``: the path and its query)."""
    with Session(engine) as s, s.begin():
        s.add(
            AccessLog(
                at=_now(),
                user_name=account.name,
                role=account.role.value,
                what=what[:1000],
                address=(address or "")[:64] or None,
            )
        )


def access_log(engine: Engine, limit: int = 500) -> list[AccessLog]:
    """The most recent reads of officer-level data, newest first."""
    with Session(engine, expire_on_commit=False) as s:
        return list(s.scalars(select(AccessLog).order_by(AccessLog.id.desc()).limit(limit)))
