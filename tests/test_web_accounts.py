"""The console's accounts probed as an attacker would (issue 13): sessions end on the server
(sign-out, deactivation, a new password) and stay ended; sign-in throttling counts per name and
address and per address, believes X-Forwarded-For only from trusted proxies, and never locks a
user out from someone else's address; a supervisor's station must exist; sign-in returns to the
page asked for, query included, and never to another site."""

from __future__ import annotations

import html
import re
from itertools import count
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert
from typer.testing import CliRunner

from onrecord.cli.app import app as cli
from onrecord.database import connection as db
from onrecord.database.fleet import Station
from web_support import PASSWORD, Site, client, csrf_of

OFFICE = ("198.51.100.20", 40000)


@pytest.fixture(scope="module")
def site(built_site: Site, tmp_path_factory: pytest.TempPathFactory) -> Site:
    return built_site.copy(tmp_path_factory.mktemp("webaccounts"))


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


# Throttling by name and address, and by address; X-Forwarded-For from proxies only (point 7).


def test_wrong_guesses_do_not_lock_the_user_out_from_another_address(
    app: FastAPI, admin: TestClient
) -> None:
    _, name = _new_user(admin)
    attacker = _browser(app, ("203.0.113.1", 1))
    assert [_sign_in(attacker, name, "wrong password!").status_code for _ in range(5)] == [401] * 5
    r = _sign_in(attacker, name)
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert _sign_in(_browser(app, ("198.51.100.30", 1)), name).status_code == 303


def test_spraying_one_password_over_many_names_is_throttled(app: FastAPI) -> None:
    sprayer = _browser(app, ("203.0.113.2", 1))
    said = [_sign_in(sprayer, f"spray{n}", "Password2024").status_code for n in range(21)]
    assert said == [401] * 20 + [429]
    assert _sign_in(sprayer, "auditor").status_code == 429
    assert _sign_in(_browser(app, ("198.51.100.31", 1)), "auditor").status_code == 303


def _served(site: Site, monkeypatch: pytest.MonkeyPatch, *options: str) -> tuple[Any, Any]:
    """What `onrecord serve` hands uvicorn: the app, and uvicorn's own stack around it (its
    proxy-headers middleware when on), which a test client can call as a connection would."""
    given: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: given.update(app=app, kw=kw))
    r = CliRunner().invoke(
        cli, ["serve", "--audit", str(site.audit), "--db", site.db_url, "--port", "8765", *options]
    )
    assert r.exit_code == 0, r.output
    config = uvicorn.Config(given["app"], **given["kw"])
    config.load()
    return given["app"], config.loaded_app


def test_forwarded_for_from_an_untrusted_peer_is_ignored(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client on the same host (the demo, a proxy's host) may not name its own address."""
    _, stack = _served(site, monkeypatch)
    local = _browser(stack, ("127.0.0.1", 1))
    said = [
        _sign_in(local, f"rotate{n}", "Password2024", headers={"X-Forwarded-For": f"192.0.2.{n}"})
        for n in range(21)
    ]
    assert [r.status_code for r in said] == [401] * 20 + [429]


def test_a_trusted_proxy_names_the_client(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    served, _ = _served(site, monkeypatch, "--trusted-proxy", "10.0.0.2", "--trusted-proxy", "::1")
    assert served.state.settings.trusted_proxies == ("10.0.0.2", "::1")
    app = site.app(trusted_proxies=("10.0.0.0/24",))
    proxy = _browser(app, ("10.0.0.2", 1))
    # The proxy appends the peer it saw; what the client wrote itself is further left.
    via = {"X-Forwarded-For": "192.0.2.99, 203.0.113.3, 10.0.0.7"}
    wrong = [_sign_in(proxy, "auditor", "wrong!!!!!!", headers=via) for _ in range(5)]
    assert [r.status_code for r in wrong] == [401] * 5
    assert _sign_in(proxy, "auditor", headers=via).status_code == 429
    other = {"X-Forwarded-For": "192.0.2.99, 198.51.100.40"}
    assert _sign_in(proxy, "auditor", headers=other).status_code == 303
    assert proxy.get("/review?outcome=gap", headers=other).status_code == 200
    log = client(app, "auditor").get("/api/access-log").json()
    assert log[0]["what"] == "/review?outcome=gap" and log[0]["address"] == "198.51.100.40"
    bad = CliRunner().invoke(
        cli, ["serve", "--audit", str(site.audit), "--db", site.db_url, "--trusted-proxy", "x"]
    )
    assert bad.exit_code == 2 and "'x' is not an IP address" in bad.output
