"""The content destination's operations, apart from HTTP: who is calling, what a container or
object write means, when a recording becomes an item, and which status each refusal is.

The statuses are the API's own vocabulary: 400 the content can never be stored as sent (the
system shows it as not transferred and keeps it), 401 credentials or token refused, 403 not
permitted, 404 no such container or object, 422 the body's MD5 is not the ``Etag`` the client
sent (Swift's check of a transfer), 503 busy or the store unreachable (retry soon, after
``Retry-After`` seconds), 507 the store is full. OnRecord charges no licence per camera or user,
so it never answers 402.

Every method is blocking (database, vault) and runs in a worker thread; the body of an object is
streamed into the store by the caller (``upload``) between :meth:`Destination.accept_object`,
which refuses what can be refused before a byte is read, and :meth:`Destination.stage_object`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from onrecord.vault.axis import assemble, auth, registry, staging
from onrecord.vault.axis.headers import Kind, MetadataError, metadata_headers, read_metadata
from onrecord.vault.axis.names import (
    RESERVED_SYSTEM_OBJECTS,
    ContainerKind,
    UnknownContainer,
    container_kind,
    object_role,
    recording_name,
)
from onrecord.vault.axis.sink import ACCESS, INGEST, SIGN_IN, RecordingSink
from onrecord.vault.axis.system import Category, SystemObject, system_objects
from onrecord.vault.axis.times import TimeError
from onrecord.vault.axis.upload import Stored
from onrecord.vault.items import FileRole
from onrecord.vault.store import StoreError, StoreFull, StoreUnavailable

COMPLETE = "Complete"
EMPTY_ETAG = hashlib.md5(b"", usedforsecurity=False).hexdigest()
"""The MD5 of no bytes: the ``Etag`` of a metadata-only object."""


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Settings:
    """How the destination behaves: the categories offered to the cameras, how many uploads it
    takes at once before answering 503, the ``Retry-After`` it then asks for, how long a token
    lasts, and its clock (tests set it)."""

    categories: tuple[Category, ...] = ()
    max_uploads: int = 8
    retry_after_s: int = 5
    token_lifetime: timedelta = auth.LIFETIME
    clock: Callable[[], datetime] = _now


class Refused(Exception):
    """A request the destination declines, with the API's status and a message for the person
    reading the system's log. ``logged`` ones become failure entries in the custody log."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        logged: bool = True,
        action: str = INGEST,
        headers: Mapping[str, str] | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.logged = logged
        self.action = action
        self.headers = dict(headers or {})
        self.details = dict(details or {})


@contextmanager
def unstorable() -> Iterator[None]:
    """Turn what makes content unstorable as sent into the API's 400."""
    try:
        yield
    except (MetadataError, UnknownContainer, assemble.Unstorable, staging.Closed, TimeError) as e:
        raise Refused(400, str(e)) from None


@dataclass(frozen=True)
class Caller:
    """A system whose token was accepted: its credentials' id and name."""

    account_id: int
    name: str

    @property
    def actor(self) -> str:
        """Who acted, as the custody log names a source system's account."""
        return f"axis:{self.name}"


@dataclass(frozen=True)
class Pending:
    """An object write accepted before its body is read."""

    container: staging.Container
    name: str
    role: FileRole
    media_type: str
    meta: dict[str, str]


@dataclass
class Destination:
    engine: Engine
    sink: RecordingSink
    settings: Settings = field(default_factory=Settings)

    def __post_init__(self) -> None:
        self.served: dict[str, SystemObject] = system_objects(self.settings.categories)
        self.verifier = auth.Verifier()

    # -- sign-in -----------------------------------------------------------------------------

    def sign_in(self, user: str | None, key: str | None) -> auth.Token:
        """A token for the credentials, or 401."""
        token = auth.issue_token(
            self.engine,
            self.verifier,
            user,
            key,
            self.settings.clock(),
            self.settings.token_lifetime,
        )
        if token is None:
            reason = (
                "no credentials: send X-Auth-User and X-Auth-Key from the connection file"
                if not user or not key
                else "these credentials are not valid: load the connection file OnRecord made "
                "into AXIS Body Worn Manager (a new one replaces the old key)"
            )
            raise Refused(
                401, reason, action=SIGN_IN, details={"user": user or None}, headers=_CHALLENGE
            )
        return token

    def caller(self, token: str | None, account: str) -> Caller:
        """Who sent ``token`` for a request on ``account``; 401 or 403 otherwise."""
        presented = auth.present(self.engine, token, self.settings.clock())
        if presented.auth != "ok" or presented.account_id is None or presented.name is None:
            reason = {
                "missing": "no token: sign in at /auth/v1.0 and send X-Auth-Token",
                "unknown": "this token is not known: sign in again at /auth/v1.0",
                "expired": "this token has expired: sign in again at /auth/v1.0",
            }[presented.auth]
            raise Refused(
                401,
                reason,
                action=SIGN_IN,
                logged=presented.auth != "expired",
                headers=_CHALLENGE,
            )
        if presented.account != account:
            raise Refused(
                403,
                f"this token is for account {presented.account}, not {account}: use the "
                "X-Storage-Url the sign-in answered",
                action=ACCESS,
            )
        return Caller(presented.account_id, presented.name)

    # -- System objects ----------------------------------------------------------------------

    def system_object(self, caller: Caller, name: str) -> tuple[bytes, dict[str, str]]:
        """A ``System`` object's body and headers: the destination's own, or a system's."""
        if name in self.served:
            obj = self.served[name]
            return obj.body, {"Etag": obj.etag, "Content-Type": "application/json"}
        if name in RESERVED_SYSTEM_OBJECTS:
            raise Refused(
                404,
                f"System/{name} is not served: no categories are configured, so the cameras "
                "keep their default list",
                logged=False,
            )
        meta = registry.system_meta(self.engine, caller.account_id, name)
        if meta is None:
            raise Refused(404, f"no system {name} is registered in System", logged=False)
        return b"", {"Etag": EMPTY_ETAG, **metadata_headers(Kind.OBJECT, meta)}

    # -- containers --------------------------------------------------------------------------

    def write_container(
        self,
        caller: Caller,
        name: str,
        raw_headers: Iterable[tuple[bytes, bytes]],
        *,
        post: bool,
        address: str | None,
    ) -> int:
        """Create a container (PUT: 201, or 202 when it exists) or merge metadata into it
        (POST: 204). A recording whose ``Status`` becomes ``Complete`` is ingested."""
        now = self.settings.clock()
        with unstorable():
            kind = container_kind(name)
            meta = read_metadata(
                raw_headers, Kind.CONTAINER, lenient=kind is ContainerKind.REJECTED
            )
            if kind is ContainerKind.RECORDING:
                existing = staging.container(self.engine, caller.account_id, name)
                if existing is not None and existing.completed_at is not None:
                    if staging.merge(existing.meta, meta) != existing.meta:
                        raise staging.Closed(
                            f"recording {name} is complete (vault item {existing.item_id}); "
                            "its metadata no longer changes"
                        )
                    return 204 if post else 202
                merged = staging.merge(existing.meta if existing else {}, meta)
                self._check_recording(caller, name, merged, now)
            written = staging.put_container(
                self.engine,
                caller.account_id,
                name,
                kind,
                meta,
                now,
                existing_only=post and kind is not ContainerKind.REJECTED,  # never refused
            )
        if written is None:
            raise Refused(404, f"no container {name}: PUT it before its metadata")
        c, created = written
        if kind is ContainerKind.RECORDING and c.meta.get("Status") == COMPLETE:
            self._complete(caller, c, address)
        return 204 if post else 201 if created else 202

    def _check_recording(
        self, caller: Caller, name: str, meta: Mapping[str, str], now: datetime
    ) -> assemble.Filing:
        parts = recording_name(name)
        user = registry.user(self.engine, caller.account_id, parts.user)
        camera = registry.device(self.engine, caller.account_id, parts.serial)
        return assemble.check_recording(name, meta, user, camera, now)

    def _complete(self, caller: Caller, c: staging.Container, address: str | None) -> None:
        """Ingest a complete recording (again, harmlessly, if a retry finds it half done)."""
        now = self.settings.clock()
        recording = staging.staged(self.engine, caller.name, c)
        parts = recording_name(c.name)
        user = registry.user(self.engine, caller.account_id, parts.user)
        camera = registry.device(self.engine, caller.account_id, parts.serial)
        with unstorable():
            item = assemble.recording_item(recording, user, camera, now)
        result = self.sink.ingest(item, actor=caller.actor, address=address)
        staging.complete(self.engine, c.id, result.item_id, self.settings.clock())

    # -- objects -----------------------------------------------------------------------------

    def write_registry_object(
        self,
        caller: Caller,
        container: str,
        name: str,
        raw_headers: Iterable[tuple[bytes, bytes]],
        *,
        post: bool,
    ) -> int:
        """Register a user, camera or system (PUT: 201) or replace its metadata (POST: 202)."""
        with unstorable():
            kind = container_kind(container)
            meta = read_metadata(raw_headers, Kind.OBJECT)
        if kind is ContainerKind.SYSTEM and name in RESERVED_SYSTEM_OBJECTS:
            raise Refused(403, f"System/{name} is this destination's own; a system only reads it")
        if staging.container(self.engine, caller.account_id, container) is None:
            raise Refused(404, f"no container {container}: PUT it before its objects")
        done = registry.register(
            self.engine,
            caller.account_id,
            kind,
            name,
            meta,
            self.settings.clock(),
            existing_only=post,
        )
        if done is None:
            raise Refused(404, f"no object {container}/{name}: PUT it before its metadata")
        return 202 if post else 201

    def accept_object(
        self, caller: Caller, container: str, name: str, raw_headers: Iterable[tuple[bytes, bytes]]
    ) -> Pending:
        """Everything that can refuse an object of a recording or of rejected content before
        its body is read (rejected content is never refused, and its container is made if
        need be)."""
        now = self.settings.clock()
        with unstorable():
            kind = container_kind(container)
            rejected = kind is ContainerKind.REJECTED
            meta = read_metadata(raw_headers, Kind.OBJECT, lenient=rejected)
            role, media_type = object_role(name)
            c = staging.container(self.engine, caller.account_id, container)
            if c is None and rejected:
                written = staging.put_container(
                    self.engine, caller.account_id, container, kind, {}, now
                )
                c = written[0] if written else None
            if c is None:
                raise Refused(404, f"no container {container}: PUT it before its objects")
            if not rejected and c.completed_at is None:
                self._check_recording(caller, container, c.meta, now)
                if role is FileRole.CLIP:
                    assemble.check_clip(name, meta, now)
        return Pending(c, name, role, media_type, meta)

    def stage_object(
        self,
        caller: Caller,
        pending: Pending,
        stored: Stored,
        client_etag: str | None,
        address: str | None,
    ) -> None:
        """Stage an object whose bytes are in the store; a rejected object becomes an item."""
        if client_etag and client_etag.strip('"').lower() != stored.md5:
            raise Refused(
                422,
                f"the body's MD5 is {stored.md5}, not the Etag sent ({client_etag}): it was "
                "damaged on the way; send it again",
            )
        c = pending.container
        received = staging.Received(
            pending.role, pending.media_type, stored.sha256, stored.size, stored.md5
        )
        with unstorable():
            staging.put_object(
                self.engine, c.id, pending.name, received, pending.meta, self.settings.clock()
            )
        if c.kind is ContainerKind.REJECTED:
            one, item_id = staging.staged_object(self.engine, caller.name, c, pending.name)
            if item_id is None:
                self._ingest_rejected(caller, c, one, address)

    def _ingest_rejected(
        self,
        caller: Caller,
        c: staging.Container,
        one: assemble.StagedContainer,
        address: str | None,
    ) -> None:
        obj = one.objects[0]
        origin = assemble.rejected_origin(one, obj)
        user = camera = None
        if origin is not None:
            user = registry.user(self.engine, caller.account_id, origin.user)
            camera = registry.device(self.engine, caller.account_id, origin.serial)
        item = assemble.rejected_item(one, obj, user, camera, self.settings.clock())
        result = self.sink.ingest(item, actor=caller.actor, address=address)
        staging.object_item(self.engine, c.id, obj.name, result.item_id)

    def post_object(
        self,
        caller: Caller,
        container: str,
        name: str,
        raw_headers: Iterable[tuple[bytes, bytes]],
    ) -> int:
        """Replace the metadata of an object of a recording or of rejected content (202)."""
        with unstorable():
            kind = container_kind(container)
            meta = read_metadata(raw_headers, Kind.OBJECT, lenient=kind is ContainerKind.REJECTED)
            c = staging.container(self.engine, caller.account_id, container)
            if c is not None and staging.post_object(
                self.engine, c.id, name, meta, self.settings.clock()
            ):
                return 202
        raise Refused(404, f"no object {container}/{name}: PUT it before its metadata")

    # -- the custody log ---------------------------------------------------------------------

    def log_refusal(
        self,
        refused: Refused,
        *,
        actor: str,
        method: str,
        path: str,
        address: str | None,
    ) -> None:
        """A failure entry for a refusal the custody log keeps (see ``sink``)."""
        if not refused.logged:
            return
        details: dict[str, Any] = {
            "method": method,
            "path": path,
            "status": refused.status,
            "reason": refused.message,
            **refused.details,
        }
        self.sink.record_failure(
            refused.action, actor=actor, address=address, item=None, details=details
        )


_CHALLENGE = {"WWW-Authenticate": 'Swift realm="onrecord"'}


def store_refusal(exc: StoreError, retry_after_s: int) -> Refused:
    """The refusal a store error is: 507 full, 503 unreachable (retry), else 500."""
    if isinstance(exc, StoreFull):
        return Refused(507, f"{exc}; the system keeps the recording and sends it again later")
    if isinstance(exc, StoreUnavailable):
        return Refused(503, str(exc), headers={"Retry-After": str(retry_after_s)})
    return Refused(500, str(exc))
