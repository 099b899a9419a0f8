"""Benchmark: the checkout API's throughput and latency under concurrent clients, on SQLite and
on PostgreSQL, with a baseline measured in the same run.

A synthetic department (20 stations × 100 pool cameras, 2,000 officers with a shift starting in
an hour) is loaded into a fresh database; ``onrecord fleet serve`` runs it in a subprocess (one
uvicorn process, as deployed); N asynchronous httpx clients each loop over their station's
officers, checking a camera out (``POST /checkouts``) and straight back in (``POST /checkins``)
for a fixed time, with an all-stations API token (so each request is also authenticated and
logged, as in service). The baseline is the same clients against ``GET /health`` of the same
server, which needs no token and touches no database, so the ratios say what the checkout itself
costs on this machine.
PostgreSQL is a throwaway server (``tests/postgres_server.py``, default durability settings).

    .venv/bin/python bench/checkout_speed.py [--clients 50] [--seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import quantiles

import httpx

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from onrecord.database import connection as db
from onrecord.fleet.package_io import init_database
from onrecord.fleet.tokens import add_token
from postgres_server import free_port, postgres

STATIONS, CAMERAS_PER_STATION, OFFICERS = 20, 100, 2_000


def department(root: Path) -> Path:
    """The synthetic department as a data package, its shifts an hour from now."""
    root.mkdir(parents=True, exist_ok=True)
    start = datetime.now(UTC) + timedelta(hours=1)
    end = start + timedelta(hours=8)
    stations = [f"S{i:02d}" for i in range(STATIONS)]
    (root / "stations.csv").write_text("station_id\n" + "\n".join(stations) + "\n")
    (root / "cameras.csv").write_text(
        "camera_id,station_id\n"
        + "".join(f"C{s}-{i:03d},{s}\n" for s in stations for i in range(CAMERAS_PER_STATION))
    )
    officers = [(f"O{i:04d}", stations[i % STATIONS]) for i in range(OFFICERS)]
    (root / "officers.csv").write_text(
        "officer_id,station_id,trained_on\n" + "".join(f"{o},{s},2019-01-01\n" for o, s in officers)
    )
    (root / "shifts.csv").write_text(
        "shift_id,officer_id,start,end,kind,station_id\n"
        + "".join(
            f"H{o},{o},{start.isoformat()},{end.isoformat()},regular,{s}\n" for o, s in officers
        )
    )
    (root / "recordings.csv").write_text("recording_id,officer_id,start,end\n")
    return root


@contextmanager
def serving(command: list[str], ready: str = "/health") -> Iterator[str]:
    """``onrecord COMMAND --port N`` (a server) on a free port until the block ends, once
    ``ready`` answers; yields its base URL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from onrecord.cli.app import main; main()", *command,
         "--port", str(port)],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=sys.stderr,  # standard output is the benchmark's JSON
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + ready, timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"onrecord {command[0]} did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, seconds: float) -> None:
        self.latencies.setdefault(kind, []).append(seconds)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


async def client(
    http: httpx.AsyncClient, mode: str, officers: list[tuple[str, str]], stop: float, t: Tally
) -> None:
    i = 0
    while time.perf_counter() < stop:
        if mode == "health":
            t0 = time.perf_counter()
            r = await http.get("/health")
            t.add("health", time.perf_counter() - t0)
            continue
        officer, station = officers[i % len(officers)]
        i += 1
        t0 = time.perf_counter()
        r = await http.post("/checkouts", json={"officer_id": officer, "station_id": station})
        t.add("checkout", time.perf_counter() - t0)
        if r.status_code != 201:
            t.error(r.json().get("reason", str(r.status_code)))
            continue
        t0 = time.perf_counter()
        r = await http.post(
            "/checkins",
            json={"camera_id": r.json()["camera_id"], "station_id": station, "battery_pct": 100},
        )
        t.add("checkin", time.perf_counter() - t0)
        if r.status_code != 200:
            t.error(f"checkin {r.status_code}")


async def load(
    base: str, mode: str, clients: int, seconds: float, token: str
) -> tuple[Tally, float]:
    """``clients`` concurrent clients for ``seconds``; officers split so none is shared."""
    officers = [(f"O{i:04d}", f"S{i % STATIONS:02d}") for i in range(OFFICERS)]
    tally = Tally()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60, headers=auth) as http:
        t0 = time.perf_counter()
        stop = t0 + seconds
        await asyncio.gather(
            *(client(http, mode, officers[k::clients], stop, tally) for k in range(clients))
        )
        return tally, time.perf_counter() - t0


def figures(tally: Tally, wall: float) -> dict[str, object]:
    out: dict[str, object] = {"errors": tally.errors}
    for kind, lat in tally.latencies.items():
        q = quantiles(lat, n=100)
        out[kind] = {
            "requests": len(lat),
            "per_s": len(lat) / wall,
            "p50_ms": q[49] * 1000,
            "p99_ms": q[98] * 1000,
        }
    return out


def measure(url: str, package: Path, clients: int, seconds: float) -> dict[str, object]:
    engine = db.connect(url, create=True)
    init_database(engine, package)
    token = add_token(engine, "bench", all_stations=True).secret
    engine.dispose()
    with serving(["fleet", "serve", "--db", url]) as base:
        asyncio.run(load(base, "health", clients, 2, token))  # warm up server and connections
        health = figures(*asyncio.run(load(base, "health", clients, seconds, token)))
        checkout = figures(*asyncio.run(load(base, "checkout", clients, seconds, token)))
    base_h = health["health"]
    co = checkout["checkout"]
    assert isinstance(base_h, dict) and isinstance(co, dict)
    checkout["ratios"] = {
        "throughput": co["per_s"] / base_h["per_s"],
        "p50": co["p50_ms"] / base_h["p50_ms"],
        "p99": co["p99_ms"] / base_h["p99_ms"],
    }
    return {"baseline": health, "checkout": checkout}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=15)
    args = ap.parse_args()
    results: dict[str, object] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "clients": args.clients,
        "seconds": args.seconds,
    }
    with tempfile.TemporaryDirectory(prefix="onrecord-bench-") as tmp:
        package = department(Path(tmp) / "pkg")
        results["sqlite"] = measure(
            f"sqlite:///{Path(tmp) / 'fleet.db'}", package, args.clients, args.seconds
        )
        with postgres({"max_connections": "200"}) as server:
            results["postgresql"] = measure(
                server.new_database(), package, args.clients, args.seconds
            )
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
