"""Test support for the Axis content destination: a fake vault (the two calls the destination
makes), the destination served by uvicorn on a loopback port, and a body-worn system's side
of the conversation as python-swiftclient speaks it, with the headers an Axis system sends.
"""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import av
import numpy as np
import uvicorn
from sqlalchemy import Engine
from swiftclient.client import Connection

from memory_store import MemoryStore
from onrecord.database import connection as db
from onrecord.vault.axis.app import create_app
from onrecord.vault.axis.connection_file import create_connection_file
from onrecord.vault.axis.headers import Kind, metadata_headers
from onrecord.vault.axis.service import Settings
from onrecord.vault.items import IngestResult, NewItem
from onrecord.vault.store import BlobStore

USER = "5a4f1f9e-2b1c-4c3d-9e8f-0a1b2c3d4e5f"
SERIAL = "B8A44F000001"


@dataclass
class Failure:
    action: str
    actor: str
    address: str | None
    item: str | None
    details: dict[str, Any]


@dataclass
class FakeVault:
    """The vault's two calls: ``ingest`` idempotent on (source, external key), as the real
    one is, and ``record_failure`` keeping the failure entries in order."""

    items: dict[tuple[str, str | None], tuple[str, NewItem]] = field(default_factory=dict)
    ingests: list[tuple[NewItem, str, str | None]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ingest(self, item: NewItem, *, actor: str, address: str | None) -> IngestResult:
        with self.lock:
            self.ingests.append((item, actor, address))
            key = (item.source.value, item.external_key)
            if key in self.items:
                return IngestResult(self.items[key][0], created=False)
            item_id = f"V-{len(self.items) + 1:06d}"
            self.items[key] = (item_id, item)
            return IngestResult(item_id, created=True)

    def record_failure(
        self,
        action: str,
        *,
        actor: str,
        address: str | None,
        item: str | None,
        details: dict[str, Any],
    ) -> int:
        with self.lock:
            self.failures.append(Failure(action, actor, address, item, details))
            return len(self.failures)

    def made(self) -> list[NewItem]:
        """The items made, in order."""
        return [item for _, item in self.items.values()]


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` under uvicorn on a free loopback port, in a thread; yields its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def new_database(tmp_path: Path, url: str | None = None) -> Engine:
    """An operational database at the newest schema (a SQLite file unless ``url``)."""
    engine = db.connect(url or f"sqlite:///{tmp_path / 'onrecord.db'}", create=True)
    db.upgrade(engine)
    return engine


@dataclass
class Site:
    """A destination being served, its database, store and fake vault, and the connection
    file's credentials."""

    engine: Engine
    store: Any
    vault: FakeVault
    app: Any
    url: str
    user: str
    key: str

    def client(self, retries: int = 0, **kw: Any) -> Connection:
        """A Swift client signed in as the body-worn system (``retries=0``: every status is
        seen; a system retries, which ``retries`` > 0 stands for)."""
        return Connection(
            authurl=f"{self.url}/auth/v1.0",
            user=self.user,
            key=self.key,
            auth_version="1",
            retries=retries,
            starting_backoff=0.05,
            max_backoff=0.5,
            **kw,
        )


@contextmanager
def site(
    tmp_path: Path,
    settings: Settings | None = None,
    store: BlobStore | None = None,
    db_url: str | None = None,
) -> Iterator[Site]:
    """A destination served over a new database, a memory store and a fake vault."""
    engine = new_database(tmp_path, db_url)
    vault = FakeVault()
    blobs = store if store is not None else MemoryStore()
    app = create_app(engine, blobs, vault, settings)
    with serving(app) as url:
        doc = create_connection_file(
            engine, base_urls=[url], site_name="Test site", now=datetime.now(UTC)
        )
        yield Site(engine, blobs, vault, app, url, doc["BlobAPIUserName"], doc["BlobAPIKey"])
    engine.dispose()


def meta(kind: Kind, **values: str) -> dict[str, str]:
    """Metadata headers as an Axis system sends them (HTTP capitalisation, URL-encoded)."""
    return metadata_headers(kind, values)


def epoch(at: datetime) -> str:
    return str(int(at.timestamp()))


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Recording:
    """One recording as the system would deliver it: ``trigger_on`` an hour ago by default."""

    user: str = USER
    serial: str = SERIAL
    trigger_on: datetime = field(
        default_factory=lambda: datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    )
    length: timedelta = timedelta(minutes=3)
    pre_buffer: timedelta = timedelta(seconds=30)

    @property
    def name(self) -> str:
        return f"{self.user}_{self.serial}_{self.trigger_on:%Y%m%dT%H%M%SZ}"

    @property
    def start(self) -> datetime:
        return self.trigger_on - self.pre_buffer

    @property
    def stop(self) -> datetime:
        return self.trigger_on + self.length

    def container_meta(self, **more: str) -> dict[str, str]:
        values = {
            "ContainerName": self.name,
            "BWCSerialNumber": self.serial,
            "SCUSerialNumber": "B8A44F00AA01",
            "FirmwareVersion": "11.6.4",
            "UserID": self.user,
            "TriggerOn": "Button",
            "TriggerOff": "Button",
            "TriggerOnTime": epoch(self.trigger_on),
            "TriggerOnTimeISO": iso(self.trigger_on),
            "TriggerOnLocation": "55.718409 13.221184 5 " + epoch(self.trigger_on),
            "TriggerOffTime": epoch(self.stop),
            "TriggerOffTimeISO": iso(self.stop),
            "StartTime": epoch(self.start),
            "StartTimeISO": iso(self.start),
            "StopTime": epoch(self.stop),
            "StopTimeISO": iso(self.stop),
            "TimeZone": "America/New_York",
            "BWCModel": "W110",
            "Status": "Transferring",
            **more,
        }
        return meta(Kind.CONTAINER, **values)

    def clip_name(self, n: int = 0) -> str:
        at = self.start + timedelta(seconds=60 * n)
        return f"{at:%Y%m%d_%H%M%S}_4711.mp4"

    def clip_meta(self, n: int = 0, seconds: int = 60) -> dict[str, str]:
        at = self.start + timedelta(seconds=60 * n)
        end = at + timedelta(seconds=seconds)
        return meta(
            Kind.OBJECT,
            StartTime=epoch(at),
            StartTimeISO=iso(at),
            StopTime=epoch(end),
            StopTimeISO=iso(end),
            ContainerType="mp4",
        )


def register(
    conn: Connection,
    users: Mapping[str, tuple[str, str]] | None = None,
    devices: Mapping[str, str] | None = None,
) -> None:
    """Register users (UUID → (name, UserID)) and cameras (serial → model), as the system does
    when an administrator adds them in AXIS Body Worn Manager."""
    users = {USER: ("Anna Åberg", "O1")} if users is None else users
    devices = {SERIAL: "W110"} if devices is None else devices
    conn.put_container("Users")
    conn.put_container("Devices")
    for uuid, (name, user_id) in users.items():
        conn.put_object(
            "Users", uuid, b"", headers=meta(Kind.OBJECT, Active="True", Name=name, UserID=user_id)
        )
    for serial, model in devices.items():
        conn.put_object(
            "Devices",
            serial,
            b"",
            headers=meta(Kind.OBJECT, Active="True", Name=f"Camera {serial[-2:]}", Model=model),
        )


def tiny_clip(shade: int = 0, frames: int = 10) -> bytes:
    """A real MP4 of ``frames`` frames (a tenth of a second each) of one grey ``shade``: tests
    that need distinct clips give distinct shades."""
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(frames):
            pixels = np.full((48, 64, 3), (shade * 7 + i) % 256, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()
