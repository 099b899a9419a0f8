"""The console's accounts probed as an attacker would (issue 13): sessions end on the server
(sign-out, deactivation, a new password) and stay ended; a supervisor's station must exist;
sign-in returns to the page asked for, query included, and never to another site."""

from __future__ import annotations

import html
import re
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert
from typer.testing import CliRunner

from onrecord.cli.app import app as cli
from onrecord.database import connection as db
from onrecord.database.fleet import Station
from web_support import PASSWORD, Site, build_site, client, csrf_of

OFFICE = ("198.51.100.20", 40000)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return build_site(tmp_path_factory.mktemp("webaccounts"))


@pytest.fixture(scope="module")
def app(site: Site) -> FastAPI:
    return site.app()


@pytest.fixture(scope="module")
def admin(app: FastAPI) -> TestClient:
    return client(app, "admin")


def _browser(app: Any, address: tuple[str, int] = OFFICE) -> TestClient:
    """A browser connecting from ``address``."""
    return TestClient(app, base_url="https://testserver", client=address)


def _post(c: TestClient, path: str, data: dict[str, Any], **kw: Any) -> Any:
    token = csrf_of(c.get("/login").text)
    return c.post(path, data={**data, "csrf_token": token}, follow_redirects=False, **kw)


def _sign_in(c: TestClient, name: str, password: str = PASSWORD, **kw: Any) -> Any:
    return _post(c, "/login", {"name": name, "password": password}, **kw)


# Sign-in keeps the page asked for, never another site (point 15).


def test_sign_in_returns_to_the_filtered_review_queue(site: Site, app: FastAPI) -> None:
    asked = f"/review?station={site.station}&outcome=no_video"
    c = _browser(app)
    page = c.get(asked)
    assert page.status_code == 401
    found = re.search(r'name="next" value="([^"]*)"', page.text)
    assert found and html.unescape(found.group(1)) == asked
    r = _post(c, "/login", {"name": "supervisor", "password": PASSWORD, "next": asked})
    assert r.status_code == 303 and r.headers["location"] == asked
    assert c.get(r.headers["location"]).status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example",
        "//evil.example",
        "/\\evil.example",
        "/\t/evil.example",
        "javascript:x",
    ],
)
def test_sign_in_never_sends_anyone_to_another_site(app: FastAPI, target: str) -> None:
    c = _browser(app)
    assert 'name="next" value=""' in c.get("/login", params={"next": target}).text
    r = _post(c, "/login", {"name": "auditor", "password": PASSWORD, "next": target})
    assert r.status_code == 303 and r.headers["location"] == "/overview"


# A supervisor's station exists (point 8).


def test_a_supervisors_station_must_exist(site: Site, admin: TestClient, tmp_path: Path) -> None:
    runner = CliRunner()
    add = ["user", "add", "kim", "--role", "supervisor", "--password-stdin"]
    r = runner.invoke(cli, [*add, "--station", "Z-9", "--db", site.db_url], input=PASSWORD + "\n")
    assert r.exit_code == 2 and "there is no station 'Z-9'" in r.output
    assert site.station in r.output and "onrecord fleet init" in r.output
    token = csrf_of(admin.get("/login").text)
    body = {"name": "kim", "role": "supervisor", "password": PASSWORD, "station_id": "Z-9"}
    r = admin.post("/api/users", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 422 and "there is no station 'Z-9'" in r.json()["detail"]
    r = _post(admin, "/admin/users", {**body, "station": "Z-9"})
    assert r.status_code == 422 and "there is no station" in html.unescape(r.text)
    r = admin.post(
        "/api/users", json={**body, "station_id": site.station}, headers={"X-CSRF-Token": token}
    )
    assert r.status_code == 201
    empty = str(tmp_path / "console.db")
    r = runner.invoke(cli, [*add, "--station", "B-2", "--db", empty], input=PASSWORD + "\n")
    assert r.exit_code == 2 and "has no stations" in r.output and "fleet init" in r.output


def test_the_accounts_page_offers_the_databases_stations(site: Site, admin: TestClient) -> None:
    engine = db.connect(site.db_url)
    with engine.begin() as con:
        con.execute(insert(Station).values(station_id="NEW-1", dock_slots=0))
    engine.dispose()
    assert "<option>NEW-1</option>" in admin.get("/admin/users").text


# Sessions end on the server (point 4).

NEW_PASSWORD = "another long password"
_names = count()


def _new_user(admin: TestClient) -> tuple[int, str]:
    """A fresh auditor (made through the admin API), so each test ends sessions of its own."""
    name = f"user{next(_names)}"
    token = csrf_of(admin.get("/login").text)
    body = {"name": name, "role": "auditor", "password": PASSWORD}
    r = admin.post("/api/users", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 201, r.text
    user_id: int = r.json()["id"]
    return user_id, name


def _signed_in(app: FastAPI, name: str, address: tuple[str, int] = OFFICE) -> str:
    """Sign ``name`` in from ``address``; the session cookie it was given."""
    c = _browser(app, address)
    assert _sign_in(c, name).status_code == 303
    assert c.get("/api/me").status_code == 200
    cookie = c.cookies.get("onrecord_session")
    assert cookie
    return cookie


def _replay(app: FastAPI, cookie: str) -> int:
    """The status of /api/me for a stranger elsewhere who copied the session cookie."""
    c = _browser(app, ("203.0.113.66", 40000))
    c.cookies.set("onrecord_session", cookie)
    return c.get("/api/me").status_code


def test_signing_out_ends_the_session_on_the_server(app: FastAPI, admin: TestClient) -> None:
    _, name = _new_user(admin)
    c = _browser(app)
    assert _sign_in(c, name).status_code == 303
    cookie = c.cookies.get("onrecord_session")
    assert cookie and _replay(app, cookie) == 200
    assert _post(c, "/logout", {}).status_code == 303
    assert c.get("/api/me").status_code == 401
    assert _replay(app, cookie) == 401


def test_deactivating_ends_sessions_and_reactivating_revives_none(
    app: FastAPI, admin: TestClient
) -> None:
    user, name = _new_user(admin)
    cookie = _signed_in(app, name)
    assert _post(admin, f"/admin/users/{user}/active", {"active": "false"}).status_code == 303
    assert _replay(app, cookie) == 401
    assert _post(admin, f"/admin/users/{user}/active", {"active": "true"}).status_code == 303
    assert _replay(app, cookie) == 401
    assert _replay(app, _signed_in(app, name)) == 200


def test_a_new_password_from_the_admin_ends_every_session(app: FastAPI, admin: TestClient) -> None:
    user, name = _new_user(admin)
    cookies = [_signed_in(app, name), _signed_in(app, name, ("198.51.100.21", 1))]
    r = _post(admin, "/admin/users/password", {"user_id": str(user), "password": NEW_PASSWORD})
    assert r.status_code == 303
    assert [_replay(app, c) for c in cookies] == [401, 401]
    assert _sign_in(_browser(app), name).status_code == 401
    assert _sign_in(_browser(app), name, NEW_PASSWORD).status_code == 303
    short = _post(admin, "/admin/users/password", {"user_id": str(user), "password": "short"})
    assert short.status_code == 422 and "at least 10 characters" in short.text


def test_user_password_command_ends_every_session(
    site: Site, app: FastAPI, admin: TestClient
) -> None:
    _, name = _new_user(admin)
    cookie = _signed_in(app, name)
    runner = CliRunner()
    r = runner.invoke(
        cli,
        ["user", "password", name, "--db", site.db_url, "--password-stdin"],
        input=NEW_PASSWORD + "\n",
    )
    assert r.exit_code == 0, r.output
    assert _replay(app, cookie) == 401
    assert _sign_in(_browser(app), name, NEW_PASSWORD).status_code == 303
    r = runner.invoke(
        cli,
        ["user", "password", "nobody", "--db", site.db_url, "--password-stdin"],
        input=NEW_PASSWORD + "\n",
    )
    assert r.exit_code == 2 and "no user named 'nobody'" in r.output
