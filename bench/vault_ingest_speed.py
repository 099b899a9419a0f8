"""How fast the evidence vault takes in footage through the Axis content destination API, against
the floor of reading the same bytes, hashing them and writing them to the same disk, measured in
the same run.

    .venv/bin/python bench/vault_ingest_speed.py [--mb 1024] [--clip-mb 32] [--clips 4]
        [--repeats 3]

``--mb`` of clips (random bytes: hashing, encrypting and storing cost the same whatever the
video; ``--clip-mb`` each) are written once under ``bench/out/vault-ingest/``. Then, alternately,
``--repeats`` times each:

- **floor**: ``sha256sum`` of every clip, ``cp`` of every clip into a folder on the same disk,
  and ``sync`` of the copies (the least any ingest must do: read the bytes, hash them, write
  them once, durably, as the vault's stores do before an item is recorded); each step is timed
  and reported, and so is a tighter floor, one pass in Python that reads each block once,
  hashes it with OpenSSL's SHA-256 (which uses the CPU's SHA instructions, as coreutils'
  ``sha256sum`` may not), writes it and fsyncs each copy;
- **subject**: a fresh vault (SQLite database, blob store and keys in ``bench/out``) served by
  the content destination app under uvicorn in its own process on a loopback port, as ``onrecord
  vault serve`` runs it; this process is the body-worn system: python-swiftclient signs in,
  registers the user and the camera (not timed), then delivers the clips as recordings of
  ``--clips`` clips each (container, clips, ``Status: Complete``), one after another, timed from
  the first request to the last answer. The system sends no ``Etag`` (computing MD5 is the
  camera system's work, not the destination's; the destination still computes its own MD5 and
  SHA-256 of every byte).

The store is the vault's local folder store, encrypted at rest, as ``onrecord vault init
--store FOLDER`` makes it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from onrecord.vault.axis.headers import Kind, metadata_headers

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "vault-ingest"
ORIGIN = "bench.onrecord.example/ingest"
USER, SERIAL, OFFICER = "0b9a6d0e-5f39-4c5e-8d0c-1e2f3a4b5c6d", "B8A44F00BE01", "1001"

SERVER = """
import json, resource, sys, time
sys.path[:0] = [{src!r}]
from datetime import UTC, datetime
from pathlib import Path
import uvicorn
from onrecord.vault import setup
from onrecord.vault.axis.app import create_app
from onrecord.vault.axis.connection_file import create_connection_file
from onrecord.vault.service import Vault
url, keys = {url!r}, Path({keys!r})
setup.init_vault(url, store_location={store!r}, origin={origin!r}, keys=keys)
vault = Vault.open(url, keys=keys)
app = create_app(vault.engine, vault.store, vault)
doc = create_connection_file(vault.engine, base_urls=[{base!r}], site_name="bench",
                             now=datetime.now(UTC))
usage = resource.getrusage(resource.RUSAGE_SELF)
Path({ready!r}).write_text(json.dumps({{"key": doc["BlobAPIKey"], "user": doc["BlobAPIUserName"],
                                      "cpu": usage.ru_utime + usage.ru_stime}}))
uvicorn.run(app, host="127.0.0.1", port={port}, log_level="warning", lifespan="off")
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"cpu": usage.ru_utime + usage.ru_stime, "peak": usage.ru_maxrss * 1024}}))
"""


@dataclass
class Result:
    wall: float
    cpu: float  # user + system seconds, every process of the run
    extra: dict[str, Any]


def make_clips(total_mb: int, clip_mb: int) -> list[Path]:
    """Random clips totalling ``total_mb``, written once and reused by later runs."""
    folder = OUT / f"clips-{total_mb}-{clip_mb}"
    count = max(1, total_mb // clip_mb)
    paths = [folder / f"clip-{i:04d}.mp4" for i in range(count)]
    if all(p.is_file() and p.stat().st_size == clip_mb << 20 for p in paths):
        return paths
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for i, path in enumerate(paths):
        seed = hashlib.sha256(f"clip {i}".encode()).digest()
        with path.open("wb") as f:
            for block in range(clip_mb):
                f.write(hashlib.shake_256(seed + block.to_bytes(4, "big")).digest(1 << 20))
    return paths


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def floor(clips: list[Path]) -> Result:
    """``sha256sum`` then ``cp`` of every clip into a new folder beside them; ``sync`` apart."""
    dest = OUT / "floor-copy"
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    cpu0 = children_cpu()
    t0 = time.perf_counter()
    subprocess.run(["sha256sum", *map(str, clips)], check=True, stdout=subprocess.DEVNULL)
    t1 = time.perf_counter()
    subprocess.run(["cp", *map(str, clips), str(dest)], check=True)
    t2 = time.perf_counter()
    subprocess.run(["sync", *(str(dest / c.name) for c in clips)], check=True)
    t3 = time.perf_counter()
    cpu = children_cpu() - cpu0
    shutil.rmtree(dest)
    dest.mkdir()
    mine = resource.getrusage(resource.RUSAGE_SELF)
    t4 = time.perf_counter()
    for clip in clips:  # one pass: each block read once, hashed (OpenSSL) and written
        digest = hashlib.sha256()
        with clip.open("rb") as src, (dest / clip.name).open("wb") as out:
            while block := src.read(1 << 20):
                digest.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
    one_pass = time.perf_counter() - t4
    after = resource.getrusage(resource.RUSAGE_SELF)
    one_pass_cpu = (after.ru_utime + after.ru_stime) - (mine.ru_utime + mine.ru_stime)
    shutil.rmtree(dest)
    extra = {
        "sha256sum_s": t1 - t0,
        "cp_s": t2 - t1,
        "sync_s": t3 - t2,
        "one_pass_s": one_pass,
        "one_pass_cpu_s": one_pass_cpu,
    }
    return Result(t3 - t0, cpu, extra)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def subject(clips: list[Path], per_recording: int) -> Result:
    """A fresh vault served in its own process; this process delivers the clips."""
    from swiftclient.client import Connection  # type: ignore[import-untyped]

    run = OUT / "subject"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    port, ready = free_port(), run / "ready.json"
    code = SERVER.format(
        src=str(ROOT / "src"),
        url=f"sqlite:///{run / 'vault.db'}",
        keys=str(run / "keys"),
        store=str(run / "store"),
        origin=ORIGIN,
        base=f"http://127.0.0.1:{port}",
        ready=str(ready),
        port=port,
    )
    server = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not ready.exists() or not _answers(port):
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the content destination did not start")
            time.sleep(0.1)
        doc = json.loads(ready.read_text())
        conn = Connection(
            authurl=f"http://127.0.0.1:{port}/auth/v1.0",
            user=doc["user"],
            key=doc["key"],
            auth_version="1",
            retries=0,
        )
        conn.put_container("Users")
        conn.put_container("Devices")
        person = {"Active": "True", "Name": "Bench Officer", "UserID": OFFICER}
        camera = {"Active": "True", "Name": "Bench camera", "Model": "W110"}
        conn.put_object("Users", USER, b"", headers=metadata_headers(Kind.OBJECT, person))
        conn.put_object("Devices", SERIAL, b"", headers=metadata_headers(Kind.OBJECT, camera))
        conn.get_auth()
        mine0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        _deliver(conn, clips, per_recording)
        wall = time.perf_counter() - t0
        mine1 = resource.getrusage(resource.RUSAGE_SELF)
        conn.close()
    finally:
        server.send_signal(signal.SIGINT)
        out, _ = server.communicate(timeout=120)
    served = json.loads(out.strip().splitlines()[-1])
    served["cpu"] -= doc["cpu"]  # its work from the first delivery on, not its start-up
    client = (mine1.ru_utime + mine1.ru_stime) - (mine0.ru_utime + mine0.ru_stime)
    items = _items(run / "vault.db")
    if items != -(-len(clips) // per_recording):
        raise SystemExit(f"expected one item per recording, the vault holds {items}")
    stored = sum(f.stat().st_size for f in (run / "store").rglob("*") if f.is_file())
    shutil.rmtree(run)
    return Result(
        wall,
        served["cpu"] + client,
        {
            "server_cpu_s": served["cpu"],
            "client_cpu_s": client,
            "server_peak_mb": served["peak"] / 1e6,
            "stored_bytes": stored,
            "items": items,
        },
    )


def _answers(port: int) -> bool:
    """Whether the server listens (a connection, not a request: a refused sign-in would be a
    custody-log entry)."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def _deliver(conn: Any, clips: list[Path], per_recording: int) -> None:
    """The clips as recordings of ``per_recording`` clips, one recording after another."""
    base = int(time.time()) - 86_400
    for n in range(0, len(clips), per_recording):
        start = base + n * 60
        name = f"{USER}_{SERIAL}_{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(start))}"
        part = clips[n : n + per_recording]
        stop = start + 60 * len(part)
        conn.put_container(
            name,
            headers=metadata_headers(
                Kind.CONTAINER,
                {
                    "UserID": USER,
                    "BWCSerialNumber": SERIAL,
                    "TriggerOn": "Button",
                    "TriggerOff": "Button",
                    "StartTime": str(start),
                    "StopTime": str(stop),
                    "Status": "Transferring",
                },
            ),
        )
        for k, clip in enumerate(part):
            at = start + 60 * k
            with clip.open("rb") as f:
                conn.put_object(
                    name,
                    f"{time.strftime('%Y%m%d_%H%M%S', time.gmtime(at))}_{k}.mp4",
                    f,
                    content_length=clip.stat().st_size,
                    chunk_size=1 << 20,
                    headers=metadata_headers(
                        Kind.OBJECT, {"StartTime": str(at), "StopTime": str(at + 60)}
                    ),
                )
        conn.post_container(name, headers=metadata_headers(Kind.CONTAINER, {"Status": "Complete"}))


def _items(db: Path) -> int:
    with sqlite3.connect(db) as con:
        return int(con.execute("SELECT count(*) FROM vault_items").fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=1024, help="megabytes of clips (MiB)")
    parser.add_argument("--clip-mb", type=int, default=32, help="size of each clip (MiB)")
    parser.add_argument("--clips", type=int, default=4, help="clips per recording")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    clips = make_clips(args.mb, args.clip_mb)
    total = sum(c.stat().st_size for c in clips)
    floors, subjects = [], []
    for i in range(args.repeats):
        floors.append(floor(clips))
        subjects.append(subject(clips, args.clips))
        f, s = floors[-1], subjects[-1]
        print(
            f"run {i + 1}: floor {f.wall:.2f} s (sync {f.extra['sync_s']:.2f} s), one pass "
            f"{f.extra['one_pass_s']:.2f} s, ingest {s.wall:.2f} s: {s.wall / f.wall:.2f}×",
            file=sys.stderr,
        )
    ratios = [s.wall / f.wall for f, s in zip(floors, subjects, strict=True)]
    undurable = [
        s.wall / (f.wall - f.extra["sync_s"]) for f, s in zip(floors, subjects, strict=True)
    ]
    one_pass = [s.wall / f.extra["one_pass_s"] for f, s in zip(floors, subjects, strict=True)]
    report = {
        "bytes": total,
        "clips": len(clips),
        "clip_mib": args.clip_mb,
        "clips_per_recording": args.clips,
        "store": "local folder, encrypted",
        "floor_s": statistics.median(f.wall for f in floors),
        "floor_sync_s": statistics.median(f.extra["sync_s"] for f in floors),
        "floor_sha256sum_s": statistics.median(f.extra["sha256sum_s"] for f in floors),
        "floor_cp_s": statistics.median(f.extra["cp_s"] for f in floors),
        "floor_cpu_s": statistics.median(f.cpu for f in floors),
        "ingest_s": statistics.median(s.wall for s in subjects),
        "ingest_mb_per_s": total / 1e6 / statistics.median(s.wall for s in subjects),
        "ingest_cpu_s": statistics.median(s.cpu for s in subjects),
        "server_cpu_s": statistics.median(s.extra["server_cpu_s"] for s in subjects),
        "client_cpu_s": statistics.median(s.extra["client_cpu_s"] for s in subjects),
        "server_peak_mb": max(s.extra["server_peak_mb"] for s in subjects),
        "stored_bytes": subjects[0].extra["stored_bytes"],
        "ratio_median": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "ratio_to_floor_without_sync_median": statistics.median(undurable),
        "floor_one_pass_s": statistics.median(f.extra["one_pass_s"] for f in floors),
        "floor_one_pass_cpu_s": statistics.median(f.extra["one_pass_cpu_s"] for f in floors),
        "cpu_ratio_median": statistics.median(
            s.cpu / f.cpu for f, s in zip(floors, subjects, strict=True)
        ),
        "ratio_to_one_pass_median": statistics.median(one_pass),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "load_average": os.getloadavg(),
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
