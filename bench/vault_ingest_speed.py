"""How fast the evidence vault takes in footage through the Axis content destination API, against
the floor of reading the same bytes, hashing them and writing them to the same disk, measured in
the same run.

    .venv/bin/python bench/vault_ingest_speed.py [--mb 1024] [--clip-mb 32] [--clips 4]
        [--repeats 3] [--servers httptools,h11] [--s3]

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
--store FOLDER`` makes it. ``--servers`` names the uvicorn configurations the subject runs under,
each measured in every repeat: ``h11`` (its pure-Python HTTP parser and asyncio's loop, what
uvicorn uses without extras) and ``httptools`` (httptools' C parser and uvloop, what
``uvicorn[standard]`` brings).

With ``--s3``, a throwaway SeaweedFS server (``tests/s3_server.py``, on loopback) is started once
and two more sides run in every repeat, against the same server:

- **s3 ingest**: the subject again (under the first of ``--servers``) with the vault's store an
  S3 bucket on that server (``onrecord vault init --store s3://… --endpoint-url …``);
- **boto3**: a plain boto3 ``upload_file`` of every clip into another prefix of the same bucket
  (the transfer manager's defaults: 8 MiB parts, 10 threads), the least any S3 upload does.
"""

from __future__ import annotations

import argparse
import contextlib
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
sys.path.insert(0, str(ROOT / "tests"))
from s3_server import ACCESS_KEY, SECRET_KEY, SeaweedServer, seaweedfs  # noqa: E402

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
setup.init_vault(url, store_location={store!r}, origin={origin!r}, keys=keys,
                 endpoint_url={endpoint!r})
vault = Vault.open(url, keys=keys)
app = create_app(vault.engine, vault.store, vault)
doc = create_connection_file(vault.engine, base_urls=[{base!r}], site_name="bench",
                             now=datetime.now(UTC))
usage = resource.getrusage(resource.RUSAGE_SELF)
Path({ready!r}).write_text(json.dumps({{"key": doc["BlobAPIKey"], "user": doc["BlobAPIUserName"],
                                      "cpu": usage.ru_utime + usage.ru_stime}}))
uvicorn.run(app, host="127.0.0.1", port={port}, log_level="warning", lifespan="off",
            http={http!r}, loop={loop!r})
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"cpu": usage.ru_utime + usage.ru_stime, "peak": usage.ru_maxrss * 1024}}))
"""


SERVERS = {"h11": ("h11", "asyncio"), "httptools": ("httptools", "uvloop")}
"""uvicorn's HTTP parser and event loop, by the names ``--servers`` takes."""


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


@dataclass(frozen=True)
class S3:
    """A bucket on the run's SeaweedFS server; each subject run takes a prefix of its own."""

    server: SeaweedServer
    bucket: str

    def stored_bytes(self, prefix: str) -> int:
        pages = self.server.client().get_paginator("list_objects_v2")
        return sum(
            o["Size"]
            for page in pages.paginate(Bucket=self.bucket, Prefix=prefix)
            for o in page.get("Contents", [])
        )

    def empty(self, prefix: str) -> None:
        """Delete what the run put under ``prefix`` (the server's disk is the machine's)."""
        client = self.server.client()
        pages = client.get_paginator("list_objects_v2")
        for page in pages.paginate(Bucket=self.bucket, Prefix=prefix):
            for o in page.get("Contents", []):
                client.delete_object(Bucket=self.bucket, Key=o["Key"])


def plain_upload(clips: list[Path], s3: S3, run: int) -> Result:
    """boto3's ``upload_file`` of every clip, one after another, to the same server."""
    client = s3.server.client()
    prefix = f"plain-{run}/"
    mine0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    for clip in clips:
        client.upload_file(str(clip), s3.bucket, prefix + clip.name)
    wall = time.perf_counter() - t0
    mine1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (mine1.ru_utime + mine1.ru_stime) - (mine0.ru_utime + mine0.ru_stime)
    stored = s3.stored_bytes(prefix)
    s3.empty(prefix)
    return Result(wall, cpu, {"stored_bytes": stored})


def subject(
    clips: list[Path], per_recording: int, server_kind: str, s3: S3 | None = None, run_no: int = 0
) -> Result:
    """A fresh vault served in its own process; this process delivers the clips."""
    from swiftclient.client import Connection  # type: ignore[import-untyped]

    run = OUT / "subject"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    port, ready = free_port(), run / "ready.json"
    http, loop = SERVERS[server_kind]
    prefix = f"vault-{run_no}/"
    code = SERVER.format(
        src=str(ROOT / "src"),
        url=f"sqlite:///{run / 'vault.db'}",
        keys=str(run / "keys"),
        store=str(run / "store") if s3 is None else f"s3://{s3.bucket}/{prefix.rstrip('/')}",
        endpoint=None if s3 is None else s3.server.endpoint_url,
        origin=ORIGIN,
        base=f"http://127.0.0.1:{port}",
        ready=str(ready),
        port=port,
        http=http,
        loop=loop,
    )
    env = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
    server = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env
    )
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
    if s3 is None:
        stored = sum(f.stat().st_size for f in (run / "store").rglob("*") if f.is_file())
    else:
        stored = s3.stored_bytes(prefix)
        s3.empty(prefix)
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


def _median_ratio(subjects: list[Result], bases: list[Result], cpu: bool = False) -> float:
    if cpu:
        return statistics.median(s.cpu / b.cpu for s, b in zip(subjects, bases, strict=True))
    return statistics.median(s.wall / b.wall for s, b in zip(subjects, bases, strict=True))


def _server_report(subjects: list[Result], floors: list[Result], total: int) -> dict[str, Any]:
    """One server configuration's figures against the floors of the same repeats."""
    ratios = [s.wall / f.wall for f, s in zip(floors, subjects, strict=True)]
    return {
        "ingest_s": statistics.median(s.wall for s in subjects),
        "ingest_mb_per_s": total / 1e6 / statistics.median(s.wall for s in subjects),
        "ingest_cpu_s": statistics.median(s.cpu for s in subjects),
        "server_cpu_s": statistics.median(s.extra["server_cpu_s"] for s in subjects),
        "client_cpu_s": statistics.median(s.extra["client_cpu_s"] for s in subjects),
        "server_peak_mb": max(s.extra["server_peak_mb"] for s in subjects),
        "ratio_median": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "ratio_to_floor_without_sync_median": statistics.median(
            s.wall / (f.wall - f.extra["sync_s"]) for f, s in zip(floors, subjects, strict=True)
        ),
        "cpu_ratio_median": _median_ratio(subjects, floors, cpu=True),
        "ratio_to_one_pass_median": statistics.median(
            s.wall / f.extra["one_pass_s"] for f, s in zip(floors, subjects, strict=True)
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=1024, help="megabytes of clips (MiB)")
    parser.add_argument("--clip-mb", type=int, default=32, help="size of each clip (MiB)")
    parser.add_argument("--clips", type=int, default=4, help="clips per recording")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--servers",
        default="httptools,h11",
        help=f"uvicorn configurations, comma-separated, of {', '.join(SERVERS)}",
    )
    parser.add_argument("--s3", action="store_true", help="also into SeaweedFS, against boto3")
    args = parser.parse_args()
    kinds = [k.strip() for k in args.servers.split(",") if k.strip()]
    if not kinds or any(k not in SERVERS for k in kinds):
        parser.error(f"--servers: a comma-separated list of {', '.join(SERVERS)}")
    clips = make_clips(args.mb, args.clip_mb)
    total = sum(c.stat().st_size for c in clips)
    with contextlib.ExitStack() as stack:
        s3 = None
        if args.s3:
            server = stack.enter_context(seaweedfs(volume_size_mb=1024))
            s3 = S3(server, server.new_bucket())
        floors: list[Result] = []
        subjects: dict[str, list[Result]] = {k: [] for k in kinds}
        s3_subjects: list[Result] = []
        plains: list[Result] = []
        for i in range(args.repeats):
            floors.append(floor(clips))
            f = floors[-1]
            line = f"run {i + 1}: floor {f.wall:.2f} s (sync {f.extra['sync_s']:.2f} s)"
            for kind in kinds:
                subjects[kind].append(subject(clips, args.clips, kind))
                s = subjects[kind][-1]
                line += f", ingest {kind} {s.wall:.2f} s: {s.wall / f.wall:.2f}×"
            if s3 is not None:
                plains.append(plain_upload(clips, s3, i))
                s3_subjects.append(subject(clips, args.clips, kinds[0], s3, i))
                p, s = plains[-1], s3_subjects[-1]
                line += f"; boto3 {p.wall:.2f} s, s3 ingest {s.wall:.2f} s: {s.wall / p.wall:.2f}×"
            print(line, file=sys.stderr)
    first = subjects[kinds[0]]
    report: dict[str, Any] = {
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
        "floor_one_pass_s": statistics.median(f.extra["one_pass_s"] for f in floors),
        "floor_one_pass_cpu_s": statistics.median(f.extra["one_pass_cpu_s"] for f in floors),
        "stored_bytes": first[0].extra["stored_bytes"],
        "servers": {k: _server_report(subjects[k], floors, total) for k in kinds},
    }
    if len(kinds) > 1:
        report[f"{kinds[0]}_over_{kinds[1]}_wall_median"] = _median_ratio(first, subjects[kinds[1]])
        report[f"{kinds[0]}_over_{kinds[1]}_cpu_median"] = _median_ratio(
            first, subjects[kinds[1]], cpu=True
        )
    if s3_subjects:
        ratios = [s.wall / p.wall for s, p in zip(s3_subjects, plains, strict=True)]
        report["s3"] = {
            "server": kinds[0],
            "boto3_upload_s": statistics.median(p.wall for p in plains),
            "boto3_upload_cpu_s": statistics.median(p.cpu for p in plains),
            "ingest_s": statistics.median(s.wall for s in s3_subjects),
            "ingest_mb_per_s": total / 1e6 / statistics.median(s.wall for s in s3_subjects),
            "ingest_cpu_s": statistics.median(s.cpu for s in s3_subjects),
            "server_cpu_s": statistics.median(s.extra["server_cpu_s"] for s in s3_subjects),
            "server_peak_mb": max(s.extra["server_peak_mb"] for s in s3_subjects),
            "stored_bytes": s3_subjects[0].extra["stored_bytes"],
            "ratio_to_boto3_median": statistics.median(ratios),
            "ratio_to_boto3_min": min(ratios),
            "ratio_to_boto3_max": max(ratios),
        }
    report["machine"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "load_average": os.getloadavg(),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
