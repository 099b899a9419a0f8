"""Deliver some of the demo department's recordings to its evidence vault the way an Axis
body-worn system does: a small generated clip for each (PyAV: a few seconds of H.264 in MP4, a
size a browser plays), sent through the Axis content destination API with python-swiftclient,
the client library the tests use to speak for a camera system.

    .venv/bin/python scripts/demo_vault.py --db build/demo.db --package build/demo \
        [--officers 8] [--per-officer 2] [--seconds 3]

Run it after ``onrecord fleet init PACKAGE --db DB`` and ``onrecord vault init --db DB …`` on the
same database (``make demo`` does). The destination is served in this process by uvicorn on a
loopback port, over the vault's own store and database, so each recording becomes an item with
its ``ingest`` custody entry exactly as a real delivery would make it.

The recordings are chosen from the package so that officer ids, camera serials and times match
its roster: officers of ``--station`` first (the demo supervisor's), each officer's first
recordings on a known camera. Each becomes an Axis recording of that officer (an Axis user whose
``UserID`` is the officer id) on that camera (a registered device), from its start to its end;
the clip is a short stand-in for the footage. Its stop reason is sent as a camera would: battery
and malfunction as the recording's ``TriggerOff``, any other as a bookmark tagged
``StopReason:<reason>``, so the export's built-in stop-reason mapping gives it back.
"""

from __future__ import annotations

import argparse
import hashlib
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import av
import numpy as np
import uvicorn
from sqlalchemy import select
from sqlalchemy.orm import Session
from swiftclient.client import ClientException, Connection  # type: ignore[import-untyped]

import onrecord
from onrecord.database.axis import AxisAccount, AxisContainer
from onrecord.database.connection import DatabaseError
from onrecord.package.loader import Package
from onrecord.package.problems import StructuralError
from onrecord.vault.axis.app import create_app
from onrecord.vault.axis.connection_file import create_connection_file
from onrecord.vault.axis.headers import Kind, metadata_headers
from onrecord.vault.errors import VaultError
from onrecord.vault.service import Vault
from onrecord.vault.store import StoreError

USERS = uuid.UUID("6f1c3a52-0d7e-4b8a-9a43-5c2e8d1f0b17")
"""The namespace of the demo's Axis user UUIDs (one per officer, the same on every run)."""
BY_TRIGGER = {"battery": "Battery", "malfunction": "Error"}
"""Stop reasons a camera reports as its trigger-off reason (the rest arrive as tags)."""
WIDTH, HEIGHT, FPS = 160, 96, 10
SYSTEM = "demo-axis"
"""The demo's body-worn system, as the destination knows it (its credentials' name)."""


@dataclass(frozen=True)
class DemoRecording:
    """A recording of the package, as it will be delivered."""

    recording_id: str
    officer_id: str
    camera_id: str
    model: str
    start: datetime
    end: datetime
    stop_reason: str | None
    category: str | None

    @property
    def user(self) -> str:
        return str(uuid.uuid5(USERS, self.officer_id))

    @property
    def container(self) -> str:
        return f"{self.user}_{self.camera_id}_{self.start:%Y%m%dT%H%M%SZ}"


def choose(pkg: Package, officers: int, per_officer: int, station: str) -> list[DemoRecording]:
    """``per_officer`` recordings (the first, on a known camera) of each of ``officers``
    officers, those of ``station`` first, then by id."""
    rows = pkg.con.sql(
        """WITH r AS (
            SELECT r.recording_id, r.officer_id, r.camera_id, coalesce(c.model, 'W110') AS model,
                   r.start, r."end", r.stop_reason, r.category, o.station_id,
                   row_number() OVER (PARTITION BY r.officer_id ORDER BY r.start, r.recording_id)
                       AS n
            FROM recordings r JOIN cameras c USING (camera_id)
            JOIN officers o ON o.officer_id = r.officer_id
            WHERE r."end" > r.start)
        SELECT recording_id, officer_id, camera_id, model, start, "end", stop_reason, category
        FROM r WHERE n <= ? AND officer_id IN (
            SELECT officer_id FROM r GROUP BY officer_id, station_id HAVING count(*) >= ?
            ORDER BY station_id IS DISTINCT FROM ?, officer_id LIMIT ?)
        ORDER BY officer_id, start""",
        params=[per_officer, per_officer, station, officers],
    ).fetchall()
    return [
        DemoRecording(rid, oid, cid, model, s.astimezone(UTC), e.astimezone(UTC), reason, cat)
        for rid, oid, cid, model, s, e, reason, cat in rows
    ]


def make_clip(r: DemoRecording, seconds: float) -> bytes:
    """``seconds`` of H.264 in MP4 (fast start, so a browser plays it as it loads): a bar
    sweeping over a colour of the recording's own, dated with its start."""
    shade = np.frombuffer(hashlib.sha256(r.recording_id.encode()).digest()[:3], np.uint8)
    frames = max(1, round(seconds * FPS))
    with tempfile.TemporaryDirectory() as folder:  # fast start rewrites the file: not a buffer
        path = Path(folder) / "clip.mp4"
        with av.open(str(path), "w", options={"movflags": "+faststart"}) as out:
            out.metadata["creation_time"] = r.start.strftime("%Y-%m-%dT%H:%M:%S.000000Z")
            stream = out.add_stream("h264", rate=FPS, options={"preset": "veryfast"})
            stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
            for i in range(frames):
                pixels = np.empty((HEIGHT, WIDTH, 3), np.uint8)
                pixels[:] = shade
                x = i * WIDTH // frames
                pixels[:, x : x + WIDTH // 10] = 255 - shade
                for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                    out.mux(packet)
            for packet in stream.encode():
                out.mux(packet)
        return path.read_bytes()


@contextmanager
def serving(vault: Vault) -> Iterator[str]:
    """The vault's Axis content destination under uvicorn on a free loopback port, in a
    thread; yields its base URL."""
    app = create_app(vault.engine, vault.store, vault)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the content destination did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


def _epoch(at: datetime) -> str:
    return str(int(at.timestamp()))


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def deliver(conn: Connection, r: DemoRecording, clip: bytes, time_zone: str) -> None:
    """One recording as a system delivers it: its container, its clip, its bookmark (when the
    stop reason travels in a tag), then ``Status: Complete``."""
    trigger_off = BY_TRIGGER.get(r.stop_reason or "", "Button")
    conn.put_container(
        r.container,
        headers=metadata_headers(
            Kind.CONTAINER,
            {
                "ContainerName": r.container,
                "BWCSerialNumber": r.camera_id,
                "SCUSerialNumber": "DEMO-W800-1",
                "FirmwareVersion": "11.6.4",
                "UserID": r.user,
                "TriggerOn": "Button",
                "TriggerOff": trigger_off,
                "TriggerOnTime": _epoch(r.start),
                "TriggerOnTimeISO": _iso(r.start),
                "TriggerOffTime": _epoch(r.end),
                "TriggerOffTimeISO": _iso(r.end),
                "StartTime": _epoch(r.start),
                "StartTimeISO": _iso(r.start),
                "StopTime": _epoch(r.end),
                "StopTimeISO": _iso(r.end),
                "TimeZone": time_zone,
                "BWCModel": r.model,
                "Status": "Transferring",
            },
        ),
    )
    conn.put_object(
        r.container,
        f"{r.start:%Y%m%d_%H%M%S}_{r.recording_id}.mp4",
        clip,
        headers=metadata_headers(
            Kind.OBJECT,
            {
                "StartTime": _epoch(r.start),
                "StartTimeISO": _iso(r.start),
                "StopTime": _epoch(r.end),
                "StopTimeISO": _iso(r.end),
                "ContainerType": "mp4",
            },
        ),
    )
    tags = [] if not r.stop_reason or r.stop_reason in BY_TRIGGER else [r.stop_reason]
    if tags or r.category:
        bookmark = {"StartTime": _iso(r.end)}
        if tags:
            bookmark["Tags"] = f"StopReason:{tags[0]}"
        if r.category:
            bookmark["CategoryID"] = bookmark["CategoryName"] = r.category
        conn.put_object(
            r.container,
            f"bookmark_{r.end:%Y%m%dT%H%M%SZ}_1",
            (r.category or "").encode(),
            headers=metadata_headers(Kind.OBJECT, bookmark),
        )
    conn.post_container(
        r.container, headers=metadata_headers(Kind.CONTAINER, {"Status": "Complete"})
    )


def register(conn: Connection, chosen: list[DemoRecording]) -> None:
    """The officers as Axis users (``UserID``: the officer id) and their cameras as devices,
    as AXIS Body Worn Manager registers them."""
    conn.put_container("Users")
    conn.put_container("Devices")
    for r in {r.officer_id: r for r in chosen}.values():
        meta = {"Active": "True", "Name": f"Officer {r.officer_id}", "UserID": r.officer_id}
        conn.put_object("Users", r.user, b"", headers=metadata_headers(Kind.OBJECT, meta))
    for r in {r.camera_id: r for r in chosen}.values():
        meta = {"Active": "True", "Name": f"Camera {r.camera_id}", "Model": r.model}
        conn.put_object("Devices", r.camera_id, b"", headers=metadata_headers(Kind.OBJECT, meta))


def delivered(vault: Vault, system: str) -> set[str]:
    """The recordings ``system`` has already delivered complete (a second run skips them)."""
    with Session(vault.engine) as s:
        names = s.scalars(
            select(AxisContainer.name)
            .join(AxisAccount, AxisAccount.id == AxisContainer.account_id)
            .where(AxisAccount.name == system, AxisContainer.completed_at.is_not(None))
        )
        return set(names)


def deliver_demo(
    vault: Vault,
    package: Path,
    *,
    officers: int = 8,
    per_officer: int = 2,
    seconds: float = 3.0,
    station: str = "A-1",
) -> tuple[list[DemoRecording], list[DemoRecording]]:
    """Choose recordings, make their clips and deliver those not yet delivered; returns the
    recordings delivered now and those skipped."""
    pkg = onrecord.load(package)
    chosen = choose(pkg, officers, per_officer, station)
    zone = pkg.department.timezone
    done = delivered(vault, SYSTEM)
    with serving(vault) as url:
        with Session(vault.engine) as s:
            known = s.scalar(select(AxisAccount).where(AxisAccount.name == SYSTEM)) is not None
        doc = create_connection_file(
            vault.engine,
            base_urls=[url],
            site_name="Demo City Police Department",
            now=datetime.now(UTC),
            user_name=SYSTEM,
            replace=known,
        )
        conn = Connection(
            authurl=f"{url}/auth/v1.0",
            user=doc["BlobAPIUserName"],
            key=doc["BlobAPIKey"],
            auth_version="1",
            retries=3,
        )
        register(conn, chosen)
        for r in chosen:
            if r.container not in done:
                deliver(conn, r, make_clip(r, seconds), zone)
        conn.close()
    return [r for r in chosen if r.container not in done], [
        r for r in chosen if r.container in done
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="the operational database, with its vault")
    parser.add_argument("--package", type=Path, required=True, help="the demo data package")
    parser.add_argument("--officers", type=int, default=8)
    parser.add_argument("--per-officer", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each clip")
    parser.add_argument("--station", default="A-1", help="whose officers come first")
    parser.add_argument("--keys", type=Path, help="the vault's keys folder (default: init's)")
    args = parser.parse_args(argv)
    try:
        vault = Vault.open(args.db, keys=args.keys)
        now, before = deliver_demo(
            vault,
            args.package,
            officers=args.officers,
            per_officer=args.per_officer,
            seconds=args.seconds,
            station=args.station,
        )
    except (VaultError, StoreError, DatabaseError, StructuralError) as e:
        print(f"✗ {e}", file=sys.stderr)
        return 2
    except ClientException as e:
        print(f"✗ the content destination refused a delivery: {e}", file=sys.stderr)
        return 2
    people = len({r.officer_id for r in now})
    print(
        f"Delivered {len(now)} recordings of {people} officers through the Axis content "
        f"destination into the vault at {vault.settings.store_location}"
        + (f" ({len(before)} were already there)" if before else "")
        + f"; list them with `onrecord vault log --db {args.db}`."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
