"""The console's hardening (issue 13): every numeric parameter is bounded (a 422, never a 500),
every error answer carries the security headers and is a page for browsers and JSON under
``/api``, a failing route is answered inside the app (the connection stays open); the public
outputs run no formula in a spreadsheet, name no server path, and the OpenAPI document shows
the public only its public part."""

from __future__ import annotations

import csv
import http.client
import io
import json
import logging
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from onrecord.audit.public import public_summary
from onrecord.web import opendata
from onrecord.web.app import create_app
from onrecord.web.errors import SERVER_ERROR
from onrecord.web.results import Results
from onrecord.web.settings import Settings
from web_support import ROLES, Site, client, csrf_of

HUGE = 10**23  # more than any database integer holds

SECURITY_HEADERS = {
    "content-security-policy": "default-src",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
}


@pytest.fixture(scope="module")
def site(built_site: Site, tmp_path_factory: pytest.TempPathFactory) -> Site:
    return built_site.copy(tmp_path_factory.mktemp("web-security"))


def signed_in(app: FastAPI, role: str | None) -> TestClient:
    """``web_support.client``, but a server error is answered (500) rather than raised."""
    cookies = client(app, role).cookies
    return TestClient(
        app, base_url="https://testserver", raise_server_exceptions=False, cookies=cookies
    )


def missing_headers(r: Any) -> list[str]:
    return [h for h, v in SECURITY_HEADERS.items() if v not in r.headers.get(h, "")]


def failing_app(site: Site) -> FastAPI:
    """The console with two routes that fail as a bug would: a page and an API endpoint."""
    app = site.app()

    @app.get("/broken")
    @app.get("/api/broken")
    def broken() -> None:
        raise RuntimeError("a bug")

    return app


# Numeric parameters are bounded.


def test_huge_offsets_and_limits_are_refused(site: Site) -> None:
    c = signed_in(site.app(), "auditor")
    for query in (f"offset={HUGE}", "offset=-1", f"limit={HUGE}", "limit=0", "limit=501"):
        r = c.get(f"/api/review?{query}")
        assert r.status_code == 422, (query, r.status_code)
        assert r.headers["content-type"] == "application/json"
        assert r.json()["detail"][0]["loc"] == ["query", query.split("=")[0]]
    for query in (f"offset={HUGE}", "offset=-1"):
        page = c.get(f"/review?{query}")
        assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
        assert 'data-status="422"' in page.text and "offset: Input should be" in page.text
    assert c.get("/api/review?offset=1000000000&limit=500").status_code == 200
    assert c.get("/review?offset=1000000000").status_code == 200


def test_a_huge_account_id_is_refused(site: Site) -> None:
    c = signed_in(site.app(), "admin")
    token = csrf_of(c.get("/login").text)
    for user in (HUGE, 2**31, 0):
        r = c.post(f"/admin/users/{user}/active", data={"active": "true", "csrf_token": token})
        assert r.status_code == 422, (user, r.status_code)
    r = c.post("/admin/users/2147483647/active", data={"active": "true", "csrf_token": token})
    assert r.status_code == 404


def test_checkout_times_out_of_range_are_refused(site: Site) -> None:
    c = signed_in(site.app(), "manager")
    token = {"X-CSRF-Token": csrf_of(c.get("/login").text)}
    for at in ("9999-12-31T23:59:59", "0001-01-01T00:00:00+14:00", "1899-12-31T23:00:00Z"):
        r = c.get(f"/api/checkout/stations/{site.station}/cameras", params={"at": at})
        assert r.status_code == 422, (at, r.status_code)
        body = {"officer_id": "x", "station_id": site.station, "at": at}
        assert c.post("/api/checkout/checkouts", json=body, headers=token).status_code == 422
        body = {"camera_id": "x", "station_id": site.station, "at": at}
        assert c.post("/api/checkout/checkins", json=body, headers=token).status_code == 422
    r = c.get(f"/api/checkout/stations/{site.station}/cameras", params={"at": "2020-06-02T08:00"})
    assert r.status_code == 200


# Errors: the security headers, a page for browsers, JSON under /api.


def test_every_error_carries_the_security_headers(site: Site) -> None:
    app = failing_app(site)
    public, auditor = signed_in(app, None), signed_in(app, "auditor")
    answers = {
        "404 unmatched page": public.get("/no/such/page"),
        "404 unmatched API": public.get("/api/no/such/endpoint"),
        "404 static file": public.get("/static/no-such.css"),
        "404 open data": public.get("/data/no-such.csv"),
        "404 route": auditor.get("/review/no-such-encounter"),
        "405 page": public.post("/"),
        "405 API": public.delete("/api/public/summary"),
        "405 open data": public.put("/data/overall.csv"),
        "401": public.get("/overview"),
        "403": auditor.get("/admin/users"),
        "422 page": auditor.get("/review?offset=x"),
        "422 API": auditor.get("/api/review?limit=x"),
        "500 page": public.get("/broken"),
        "500 API": public.get("/api/broken"),
    }
    for what, r in answers.items():
        assert r.status_code == int(what[:3]), (what, r.status_code)
        assert missing_headers(r) == [], what


def test_unmatched_paths_are_the_error_page_for_browsers_and_json_for_the_api(
    site: Site,
) -> None:
    c = signed_in(site.app(), None)
    r = c.get("/no/such/page", headers={"Accept": "text/html"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert 'data-status="404"' in r.text and "/no/such/page" in r.text
    r = c.get("/api/no/such/endpoint")
    assert r.status_code == 404 and r.json() == {"detail": "Not Found"}
    r = c.post("/")
    assert r.status_code == 405 and r.headers["allow"] == "GET"
    assert r.headers["content-type"].startswith("text/html") and 'data-status="405"' in r.text
    r = c.delete("/api/public/summary")
    assert r.status_code == 405 and r.json() == {"detail": "Method Not Allowed"}


def test_a_failing_route_is_answered_and_logged(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    c = client(failing_app(site), None)  # raises whatever reaches the server
    with caplog.at_level(logging.ERROR, logger="onrecord.web"):
        page = c.get("/broken")
        api = c.get("/api/broken")
    assert page.status_code == 500 and 'data-status="500"' in page.text
    assert "RuntimeError" not in page.text and "a bug" not in page.text
    assert api.status_code == 500 and api.json() == {"detail": SERVER_ERROR}
    failures = [r for r in caplog.records if r.exc_info and "a bug" in str(r.exc_info[1])]
    assert len(failures) == 2 and "GET /broken" in failures[0].getMessage()


@contextmanager
def serving(app: FastAPI) -> Iterator[int]:
    """``app`` under uvicorn on a free loopback port, in a thread."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(10)


def test_a_server_error_keeps_the_connection(site: Site) -> None:
    with serving(failing_app(site)) as port:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        caching = []
        try:
            sock = None
            for path in ("/api/broken", "/broken", "/api/public/datasets"):
                conn.request("GET", path)  # on one keep-alive connection
                r = conn.getresponse()
                r.read()
                assert r.status == (200 if "public" in path else 500), path
                sock = sock or conn.sock
                assert conn.sock is sock, f"a new connection after {path}"
                caching.append(r.getheader("cache-control"))
        finally:
            conn.close()
    assert caching == ["no-store"] * 3


# Public outputs: no formula in a CSV cell, no server path, the API's public part only.

FORMULAS = ['=HYPERLINK("http://x.example","y")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"]


def test_open_data_cells_cannot_run_in_a_spreadsheet(site: Site, tmp_path: Path) -> None:
    """A department's own names (units, stations...) reach the open data as they are: one
    that starts like a formula is written after a single quote; numbers stay numbers."""
    audit = tmp_path / "audit"
    shutil.copytree(site.audit, audit)
    summary = json.loads((audit / "summary.json").read_text())
    units = summary["rates"]["by"]["unit"]
    assert len(units) >= len(FORMULAS)
    for row, name in zip(units, FORMULAS, strict=False):
        row["key"] = name
    units[-1]["hours"] = -1.5  # not a real figure: a negative number, which is no formula
    (audit / "summary.json").write_text(json.dumps(summary))
    app = create_app(Settings(audit_dir=audit, db_url=site.db_url), Results(audit, site.package))
    c = signed_in(app, None)
    r = c.get("/data/by-unit.csv")
    assert r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["key"] for row in rows[: len(FORMULAS)]] == [f"'{f}" for f in FORMULAS]
    assert rows[-1]["hours"] == "-1.5"
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in rows[0].values())
    assert "single quote" in c.get("/data").text
    assert "single quote" in c.get("/api/public/datasets").json()["text_cell"]


def test_public_outputs_name_no_server_path(site: Site) -> None:
    c = signed_in(site.app(), None)
    summary = c.get("/api/public/summary").json()
    assert "path" not in summary["package"] and "package.path" in summary["suppression"]["removed"]
    pages = ["/", "/data", "/report", "/api/public/summary", "/api/public/compare"]
    pages += [f"/data/{name}.csv" for name in opendata.DATASETS]
    for page in pages:
        text = c.get(page).text
        assert str(site.package) not in text and str(site.audit) not in text, page


def test_a_policy_file_is_named_without_its_folder_in_public(site: Site) -> None:
    full = site.results.model
    named = full.policy.model_copy(update={"origin": "/srv/onrecord/policies/night-2026.yaml"})
    summary = full.model_copy(update={"policy": named})
    public = public_summary(summary)
    assert public.policy.origin == "night-2026.yaml"
    assert summary.policy.origin == "/srv/onrecord/policies/night-2026.yaml"
    built_in = full.model_copy(update={"policy": named.model_copy(update={"origin": "built-in"})})
    assert public_summary(built_in).policy.origin == "built-in"
    assert "path" not in public.document()["package"] and summary.package.path is not None


def test_the_openapi_document_is_public_in_part(site: Site) -> None:
    app = site.app()
    doc = signed_in(app, None).get("/api/openapi.json").json()
    public = {"/api/public/" + p for p in ("summary", "compare", "datasets", "requests")}
    assert set(doc["paths"]) == public
    assert "NewUser" not in json.dumps(doc) and "checkout" not in json.dumps(doc)
    for role in ROLES:
        whole = signed_in(app, role).get("/api/openapi.json").json()
        assert {"/api/users", "/api/review", "/api/checkout/checkouts"} <= whole["paths"].keys()
        assert public < whole["paths"].keys()
