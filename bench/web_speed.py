"""Benchmark: the web console's page load times and its API's latency under concurrent clients,
with a baseline measured in the same run.

The demo department (``onrecord demo-data`` defaults: 1,100 officers over 28 days) is audited
under Boston's rule and compared with the mandate, its fleet loaded into a fresh SQLite
database, and ``onrecord serve`` runs it in a subprocess (one uvicorn process, as deployed).
Page loads: one signed-in client fetches each page in turn (public dashboard, overview, review
queue, kiosk), median and p99 of the repeats. Under load: N asynchronous httpx clients loop on
one endpoint for a fixed time. The baseline is a static file of the same server (no template, no
database, no session), so the ratios say what each page or endpoint itself costs here.

    .venv/bin/python bench/web_speed.py [--clients 20 50] [--seconds 10] [--repeats 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path
from statistics import median, quantiles
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from checkout_speed import Tally, figures, serving
from onrecord.audit import run_audit
from onrecord.database import connection as db
from onrecord.demo import generate
from onrecord.fleet.package_io import init_database
from onrecord.web.account_store import add_user

PASSWORD = "benchmark password"
BASELINE = "/static/console.css"


def site(root: Path) -> tuple[Path, str, str]:
    """The audit folder, the database URL and a station with cameras."""
    generate(root / "pkg")
    run_audit(root / "pkg", root / "audit", policy="boston-rule-405-2019", compare="mandate-all")
    url = f"sqlite:///{root / 'console.db'}"
    engine = db.connect(url, create=True)
    init_database(engine, root / "pkg")
    for role in ("manager", "auditor"):
        add_user(engine, role, role, PASSWORD)
    station = engine.connect().exec_driver_sql("SELECT min(station_id) FROM stations").scalar()
    engine.dispose()
    return root / "audit", url, str(station)


def session_cookies(base: str, role: str) -> httpx.Cookies:
    """Sign in through the real form; the cookies every client of that role then sends."""
    with httpx.Client(base_url=base) as c:
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
        assert token, "no CSRF field on the sign-in page"
        r = c.post("/login", data={"name": role, "password": PASSWORD, "csrf_token": token[1]})
        assert r.status_code in (200, 303), r.text
        return c.cookies


def page_loads(
    base: str, cookies: httpx.Cookies, pages: dict[str, str], repeats: int
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    with httpx.Client(base_url=base, cookies=cookies) as c:
        for name, path in pages.items():
            times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                c.get(path).raise_for_status()
                times.append(time.perf_counter() - t0)
            out[name] = {
                "path": path,
                "median_ms": median(times) * 1000,
                "p99_ms": quantiles(times, n=100)[98] * 1000,
                "bytes": len(c.get(path).content),
            }
    for row in out.values():
        row["ratio"] = row["median_ms"] / out["baseline"]["median_ms"]
    return out


async def under_load(
    base: str, cookies: httpx.Cookies, path: str, clients: int, seconds: float
) -> dict[str, object]:
    tally = Tally()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=base, cookies=cookies, limits=limits, timeout=120
    ) as http:

        async def loop(stop: float) -> None:
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                r = await http.get(path)
                tally.add(path, time.perf_counter() - t0)
                if r.status_code != 200:
                    tally.error(str(r.status_code))

        t0 = time.perf_counter()
        await asyncio.gather(*(loop(t0 + seconds) for _ in range(clients)))
        return figures(tally, time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, nargs="+", default=[20, 50])
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--repeats", type=int, default=30)
    args = ap.parse_args()
    results: dict[str, object] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f} at start",
    }
    with tempfile.TemporaryDirectory(prefix="onrecord-bench-") as tmp:
        audit, url, station = site(Path(tmp))
        os.environ["ONRECORD_SECRET_KEY"] = "bench" * 8  # for the server subprocess
        command = ["serve", "--audit", str(audit), "--db", url, "--insecure-cookies"]
        with serving(command, ready=BASELINE) as base:
            manager = session_cookies(base, "manager")
            auditor = session_cookies(base, "auditor")
            pages = {
                "baseline": BASELINE,
                "public dashboard": "/",
                "overview": "/overview",
                "review queue": "/review",
            }
            results["pages"] = page_loads(base, auditor, pages, args.repeats)
            kiosk = {"baseline": BASELINE, "kiosk": f"/kiosk/{station}", "fleet": "/fleet"}
            results["manager pages"] = page_loads(base, manager, kiosk, args.repeats)
            load: dict[str, object] = {}
            for n in args.clients:
                rows = {}
                for path in (BASELINE, "/api/summary", "/api/review", "/api/fleet"):
                    rows[path] = asyncio.run(under_load(base, auditor, path, n, args.seconds))
                b = rows[BASELINE][BASELINE]
                for path, row in rows.items():
                    f = row[path]
                    assert isinstance(f, dict) and isinstance(b, dict)
                    f["p50_ratio"] = f["p50_ms"] / b["p50_ms"]
                    f["p99_ratio"] = f["p99_ms"] / b["p99_ms"]
                load[f"{n} clients"] = rows
            results["under load"] = load
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
