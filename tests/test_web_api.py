"""The console's API and pages by role: every endpoint answers the roles it is for and refuses
(401 signed out, 403 other roles) the rest; sessions, CSRF, throttling and the access log work;
the public edition equals summary.json's numbers and names no officer."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert
from typer.testing import CliRunner

from onrecord.cli.app import app as cli
from onrecord.database import connection as db
from onrecord.database.fleet import Station
from onrecord.presentation.cells import percent
from onrecord.web import opendata
from onrecord.web.results import Results, ReviewFilter
from web_support import PASSWORD, ROLES, Clients, Site, client, csrf_of, get_paths, policy_yaml

PUBLIC = ("public", *ROLES)
AGGREGATES = ("admin", "manager", "supervisor", "auditor")
OFFICER_LEVEL = ("supervisor", "auditor")
FLEET = ("admin", "manager", "auditor")
KIOSK = ("manager",)
EVIDENCE = ("custodian", "investigator", "auditor")
FOOTAGE = ("custodian", "investigator")
CUSTODY_READ = ("custodian", "auditor")
ELSEWHERE = {
    "/evidence/{item_id}/files/{position}/play": "tests/test_web_evidence.py (a play token each)",
    "/share/{token}": "tests/test_web_evidence.py (a share's link)",
    "/share/{token}/{item_id}/files/{position}/play": "tests/test_web_evidence.py",
    "/share/{token}/{item_id}/files/{position}/download": "tests/test_web_evidence.py",
    "/requests/{request_id}": "tests/test_web_requests.py (a request logged first)",
    "/requests/{request_id}/jobs": "tests/test_web_requests.py",
    "/requests/{request_id}/jobs/{job_id}/play": "tests/test_web_requests.py (a play token)",
    "/requests/{request_id}/jobs/{job_id}/frame": "tests/test_web_requests.py (a job in review)",
    "/release/{token}": "tests/test_web_requests.py (a released request's link)",
    "/release/{token}/{item_id}/{name}": "tests/test_web_requests.py",
}
"""GET routes whose address no role can be given alike, each tested by role where it says."""


@pytest.fixture
def clients(site: Site) -> dict[str, Any]:
    """A client per role and a public one, on one app over this test's site."""
    return Clients(site.app())


def _officer(site: Site) -> str:
    return site.results.review(ReviewFilter()).rows[0]["officer_id"]


def _matrix(site: Site) -> list[tuple[str, tuple[str, ...]]]:
    """Every GET endpoint and the roles allowed it."""
    own = site.results.review(ReviewFilter(station=site.station)).rows[0]["encounter_id"]
    return [
        ("/", PUBLIC),
        ("/data", PUBLIC),
        ("/data/by-shift-kind.csv", PUBLIC),
        ("/report", PUBLIC),
        ("/login", PUBLIC),
        ("/api/openapi.json", PUBLIC),
        ("/assets/report.css", PUBLIC),
        ("/api/public/summary", PUBLIC),
        ("/api/public/compare", PUBLIC),
        ("/api/public/datasets", PUBLIC),
        ("/api/public/requests", PUBLIC),
        ("/api/me", ROLES),
        ("/overview", AGGREGATES),
        ("/gap", AGGREGATES),
        ("/policies", AGGREGATES),
        ("/api/summary", AGGREGATES),
        ("/api/gap", AGGREGATES),
        ("/api/policies", AGGREGATES),
        ("/api/policies/mandate-all.yaml", AGGREGATES),
        ("/review", OFFICER_LEVEL),
        (f"/review/{own}", OFFICER_LEVEL),
        ("/api/review", OFFICER_LEVEL),
        (f"/api/encounters/{own}", OFFICER_LEVEL),
        ("/api/summary/officers", ("auditor",)),
        ("/admin/users", ("admin",)),
        ("/api/users", ("admin",)),
        ("/access-log", ("admin", "auditor")),
        ("/api/access-log", ("admin", "auditor")),
        ("/fleet", FLEET),
        ("/api/fleet", FLEET),
        (f"/kiosk/{site.station}", KIOSK),
        (f"/api/checkout/stations/{site.station}/cameras", KIOSK),
        (f"/api/checkout/officers/{_officer(site)}/camera", KIOSK),
        ("/evidence", EVIDENCE),
        (f"/evidence/{site.items['station']}", EVIDENCE),
        (f"/evidence/{site.items['station']}/files/0/download", FOOTAGE),
        ("/api/evidence/entries/1/proof", EVIDENCE),  # the station's item's ingest
        ("/holds", CUSTODY_READ),
        ("/shares", CUSTODY_READ),
        ("/requests", CUSTODY_READ),
        ("/disposition", CUSTODY_READ),
        ("/custody-log", CUSTODY_READ),
        ("/upload", ("custodian",)),
    ]


def test_every_get_endpoint_by_role(site: Site, clients: dict[str, Any]) -> None:
    failures = []
    for path, allowed in _matrix(site):
        for role in PUBLIC:
            status = clients[role].get(path).status_code
            expected = 200 if role in allowed else 401 if role == "public" else 403
            if status != expected:
                failures.append(f"{role} GET {path}: {status}, expected {expected}")
    assert failures == []


def test_the_matrix_covers_every_route(site: Site) -> None:
    """A new page or endpoint cannot slip in without a row in the role matrix."""
    own = site.results.review(ReviewFilter(station=site.station)).rows[0]["encounter_id"]
    listed = {
        p.replace(own, "{encounter_id}")
        .replace("by-shift-kind", "{name}")
        .replace("report.css", "{name}")
        .replace("mandate-all.yaml", "{policy_id}.yaml")
        .replace(f"/{site.station}", "/{station_id}")
        .replace(f"/{_officer(site)}/", "/{officer_id}/")
        .replace(site.items["station"], "{item_id}")
        .replace("/files/0/", "/files/{position}/")
        .replace("/entries/1/", "/entries/{index}/")
        for p, _ in _matrix(site)
    } | ELSEWHERE.keys()
    gets = get_paths(site.app())
    assert len(gets) > 20  # the walk sees inside the routers, not just the app's own routes
    assert gets - listed == set()


def _post(c: Any, path: str, data: dict[str, str]) -> Any:
    token = csrf_of(c.get("/login").text)
    return c.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def test_posts_by_role(site: Site, clients: dict[str, Any]) -> None:
    for n, role in enumerate(PUBLIC):
        c = clients[role]
        r = _post(c, "/admin/users", {"name": f"new{n}", "role": "manager", "password": PASSWORD})
        assert r.status_code == (303 if role == "admin" else 401 if role == "public" else 403)
        token = csrf_of(c.get("/login").text)
        r = c.post(
            "/api/users",
            json={"name": f"api{n}", "role": "auditor", "password": PASSWORD},
            headers={"X-CSRF-Token": token},
        )
        assert r.status_code == (201 if role == "admin" else 401 if role == "public" else 403)
        r = _post(c, "/admin/users/1/active", {"active": "true"})
        assert r.status_code == (303 if role == "admin" else 401 if role == "public" else 403)
        r = _post(c, "/policies", {"text": policy_yaml(f"form-{n}")})
        assert r.status_code == (303 if role == "admin" else 401 if role == "public" else 403)
        r = _post(c, f"/policies/form-{n}/deactivate", {})
        assert r.status_code == (303 if role == "admin" else 401 if role == "public" else 403)
        headers = {"X-CSRF-Token": csrf_of(c.get("/login").text)}
        r = c.post("/api/policies", json={"text": policy_yaml(f"api-{n}")}, headers=headers)
        assert r.status_code == (201 if role == "admin" else 401 if role == "public" else 403)
        r = c.post(f"/api/policies/api-{n}/deactivate", headers=headers)
        assert r.status_code == (200 if role == "admin" else 401 if role == "public" else 403)
    users = {u["name"]: u for u in clients["admin"].get("/api/users").json()}
    made = {f"new{PUBLIC.index('admin')}", f"api{PUBLIC.index('admin')}"}
    assert made <= users.keys() and not {n for n in users if n.startswith(("new", "api"))} - made
    stored = {d["id"]: d for d in clients["admin"].get("/api/policies").json()["department"]}
    made = {f"{how}-{PUBLIC.index('admin')}" for how in ("form", "api")}
    assert stored.keys() == made and not any(d["active"] for d in stored.values())


def test_forms_without_the_csrf_token_are_refused(site: Site) -> None:
    c = client(site.app(), "admin")
    r = c.post("/admin/users", data={"name": "x", "role": "manager", "password": PASSWORD})
    assert r.status_code == 403
    r = c.post("/api/users", json={"name": "x", "role": "manager", "password": PASSWORD})
    assert r.status_code == 403
    r = c.post("/login", data={"name": "admin", "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 403
    for path in ("/policies", "/policies/mandate-all/deactivate"):
        assert c.post(path, data={"text": policy_yaml("no-token")}).status_code == 403
    r = c.post("/api/policies", json={"text": policy_yaml("no-token")})
    assert r.status_code == 403
    assert c.post("/api/policies/mandate-all/deactivate").status_code == 403


def test_session_cookie_flags(site: Site) -> None:
    c = client(site.app(), None)
    token = csrf_of(c.get("/login").text)
    r = c.post(
        "/login",
        data={"name": "auditor", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    cookie = r.headers["set-cookie"].lower()
    assert "onrecord_session=" in cookie
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie
    demo = client(site.app(secure_cookies=False), None)
    r = demo.post(
        "/login",
        data={
            "name": "auditor",
            "password": PASSWORD,
            "csrf_token": csrf_of(demo.get("/login").text),
        },
        follow_redirects=False,
    )
    assert "secure" not in r.headers["set-cookie"].lower()


def test_a_forged_or_expired_session_is_anonymous(site: Site) -> None:
    c = client(site.app(), None)
    c.cookies.set("onrecord_session", "eyJ1aWQiOjF9.forged.sig")  # no domain: it is sent
    assert c.get("/api/me").status_code == 401
    other = client(site.app(secret_key="another key"), "auditor")
    assert client(site.app(), None).get("/api/me").status_code == 401
    assert other.get("/api/me").status_code == 200


def test_login_is_throttled(site: Site) -> None:
    c = client(site.app(login_max_failures=3), None)
    for _ in range(3):
        r = _post(c, "/login", {"name": "manager", "password": "wrong password!"})
        assert r.status_code == 401
    r = _post(c, "/login", {"name": "manager", "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0


def test_supervisor_sees_only_their_station(site: Site, clients: dict[str, Any]) -> None:
    sup = clients["supervisor"]
    others = [s for s in site.results.stations() if s != site.station]
    rows = sup.get("/api/review", params={"station": others[0], "limit": 500}).json()["rows"]
    assert rows and {r["station_id"] for r in rows} == {site.station}
    elsewhere = next(s for s in others if site.results.review(ReviewFilter(station=s)).total)
    enc = site.results.review(ReviewFilter(station=elsewhere)).rows[0]["encounter_id"]
    assert sup.get(f"/api/encounters/{enc}").status_code == 403
    assert sup.get(f"/review/{enc}").status_code == 403
    assert clients["auditor"].get(f"/api/encounters/{enc}").status_code == 200


def test_review_filters(site: Site, clients: dict[str, Any]) -> None:
    c = clients["auditor"]
    everything = c.get("/api/review", params={"limit": 500}).json()
    assert everything["total"] == sum(
        site.results.summary["rates"]["overall"][f"outcome_{o}"]
        for o in ("no_video", "late_start", "early_stop", "gap")
    )
    month = site.results.review_options()["month"][-1]
    rows = c.get(
        "/api/review", params={"type": "arrest", "month": month, "outcome": "no_video"}
    ).json()["rows"]
    assert all(
        r["type"] == "arrest" and r["month"] == month and r["outcome"] == "no_video" for r in rows
    )
    html = c.get("/review", params={"outcome": "gap"}, headers={"HX-Request": "true"}).text
    assert "<html" not in html and "data-total" in html  # htmx gets only the rows


def test_officer_level_reads_are_logged(site: Site, clients: dict[str, Any]) -> None:
    clients["auditor"].get("/api/review", params={"officer": "000000", "type": "arrest"})
    log = clients["admin"].get("/api/access-log").json()
    assert any(
        e["user"] == "auditor" and e["what"] == "/api/review?officer=000000&type=arrest"
        for e in log
    )
    before = len(log)
    clients["manager"].get("/api/review")  # refused: nothing read, nothing logged
    assert len(clients["admin"].get("/api/access-log").json()) == before


def test_public_numbers_are_summary_json(site: Site, clients: dict[str, Any]) -> None:
    summary = json.loads((site.audit / "summary.json").read_text())
    public = clients["public"].get("/api/public/summary").json()
    assert public["public"] is True and "officer" not in public["rates"]["by"]
    for key in ("equipment_rate", "compliance_rate", "hours_on_camera_rate"):
        assert public["rates"]["overall"][key] == summary["rates"]["overall"][key]
    html = clients["public"].get("/").text
    for key in ("equipment_rate", "compliance_rate", "hours_on_camera_rate"):
        shown = f'data-metric="{key}">{percent(summary["rates"]["overall"][key]["rate"])}<'
        assert shown in html
    rows = clients["public"].get("/data/by-shift-kind.csv").text.splitlines()
    head = rows[0].split(",")
    by_kind = {r["key"]: r for r in public["rates"]["by"]["shift_kind"]}
    for line in rows[1:]:
        cells = dict(zip(head, line.split(","), strict=True))
        src = by_kind[cells["key"]]
        expected = src["compliance_rate"]["rate"] if src.get("compliance_rate") else None
        assert cells.get("compliance_rate", "") == ("" if expected is None else str(expected))


def test_public_pages_name_no_officer(site: Site, clients: dict[str, Any]) -> None:
    officers = {r["key"] for r in site.results.summary["rates"]["by"]["officer"]}
    c = clients["public"]
    pages = [c.get(p).text for p in ("/", "/data", "/report", "/api/public/summary")]
    pages += [c.get(f"/data/{name}.csv").text for name in opendata.DATASETS]
    for text in pages:
        assert not [o for o in officers if f'"{o}"' in text or f">{o}<" in text or f",{o}," in text]
        assert "E0000" not in text  # no encounter id


def test_openapi_document_lists_the_api(clients: dict[str, Any]) -> None:
    doc = clients["auditor"].get("/api/openapi.json").json()  # the public sees its part only
    assert {"/api/review", "/api/public/summary", "/api/users"} <= doc["paths"].keys()
    assert not [p for p in doc["paths"] if not p.startswith("/api")]


def test_security_headers(clients: dict[str, Any]) -> None:
    r = clients["public"].get("/")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"


def test_user_add_command(tmp_path: Path) -> None:
    url = str(tmp_path / "c.db")
    engine = db.connect(url, create=True)  # a database whose fleet has the station B-2
    db.upgrade(engine)
    with engine.begin() as con:
        con.execute(insert(Station).values(station_id="B-2", dock_slots=0))
    engine.dispose()
    runner = CliRunner()
    r = runner.invoke(
        cli,
        [
            "user",
            "add",
            "kim",
            "--role",
            "supervisor",
            "--station",
            "B-2",
            "--db",
            url,
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        cli,
        ["user", "add", "lee", "--role", "supervisor", "--db", url, "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert r.exit_code == 2 and "--station" in r.output


EXAMPLE = "shifts.csv line 7, column start: officer 000123 worked outside their employment"


def _site_with_examples(site: Site, root: Path) -> Site:
    """The site's audit with a data-quality group whose example names an officer, as a
    department's own records often give one."""
    audit = root / "audit"
    shutil.copytree(site.audit, audit)
    doc = json.loads((audit / "summary.json").read_text())
    doc["data_quality"]["groups"].append(
        {
            "severity": "finding",
            "code": "outside_employment",
            "table": "shifts",
            "column": "start",
            "count": 12,
            "example": EXAMPLE,
        }
    )
    (audit / "summary.json").write_text(json.dumps(doc))
    return replace(site, audit=audit, results=Results(audit))


def _log_of(clients: dict[str, Any], role: str) -> list[str]:
    return [e["what"] for e in clients["admin"].get("/api/access-log").json() if e["user"] == role]


def test_summary_examples_only_for_auditors_and_logged(site: Site, tmp_path: Path) -> None:
    """/api/summary's data-quality examples name officers: the aggregate roles get the counts
    without them, an auditor gets them and the read is in the access log."""
    clients = Clients(_site_with_examples(site, tmp_path).app())
    for role in ("admin", "manager", "supervisor"):
        r = clients[role].get("/api/summary")
        assert r.status_code == 200 and EXAMPLE not in r.text
        groups = r.json()["data_quality"]["groups"]
        assert [g["count"] for g in groups if g["code"] == "outside_employment"] == [12]
        assert not [g for g in groups if "example" in g]
        assert "/api/summary" not in _log_of(clients, role)
    r = clients["auditor"].get("/api/summary")
    assert r.status_code == 200
    assert [g["example"] for g in r.json()["data_quality"]["groups"]] == [EXAMPLE]
    assert "/api/summary" in _log_of(clients, "auditor")


def test_checkout_camera_lists_are_logged(site: Site, clients: dict[str, Any]) -> None:
    """The checkout API's station camera list names who holds each camera: reads are logged."""
    path = f"/api/checkout/stations/{site.station}/cameras"
    assert clients["manager"].get(path).status_code == 200
    assert path in _log_of(clients, "manager")
