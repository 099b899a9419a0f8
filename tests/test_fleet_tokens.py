"""API tokens of the standalone checkout API (issue 13, point 5): created and revoked by an
admin, scoped to stations, stored as a hash, every use logged; 401 for a token that is unknown
or revoked, 403 for a station outside the token's scope; the CLI that manages them."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner, Result

from checkout_data import make_fleet
from conftest import WritePackage
from onrecord.cli.app import app as cli
from onrecord.database import connection as db
from onrecord.database.fleet import ApiToken, ApiTokenUse, CameraState
from onrecord.fleet.api import create_app
from onrecord.fleet.tokens import TokenError, add_token, list_tokens, revoke_token

AT = "2020-06-01T07:30"


@dataclass
class Kiosks:
    client: TestClient
    engine: Engine
    url: str

    def as_(self, secret: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def kiosks(write_package: WritePackage, tmp_path: Path) -> Iterator[Kiosks]:
    url = f"sqlite:///{tmp_path / 'fleet.db'}"
    make_fleet(write_package, url).engine.dispose()
    engine = db.connect(url)
    with TestClient(create_app(url)) as c:
        yield Kiosks(c, engine, url)
    engine.dispose()


def uses(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as con:
        rows = con.execute(
            select(ApiTokenUse.__table__, ApiToken.name)
            .outerjoin(ApiToken, ApiToken.id == ApiTokenUse.token_id)
            .order_by(ApiTokenUse.id)
        )
        return [dict(r._mapping) for r in rows]


def holder(engine: Engine, camera: str) -> str | None:
    with engine.connect() as con:
        return con.scalar(select(CameraState.officer_id).where(CameraState.camera_id == camera))


def test_a_token_is_held_to_its_stations(kiosks: Kiosks) -> None:
    north = kiosks.as_(add_token(kiosks.engine, "north", stations=["S1"]).secret)
    c = kiosks.client
    r = c.post("/checkouts", json={"officer_id": "O1", "station_id": "S1", "at": AT}, headers=north)
    assert r.status_code == 201, r.text
    assert c.get("/stations/S1/cameras", headers=north).status_code == 200

    for method, path, payload in [
        ("post", "/checkouts", {"officer_id": "O7", "station_id": "S2", "at": AT}),
        ("post", "/checkins", {"camera_id": "P1", "station_id": "S2", "at": "2020-06-01T16:30"}),
        ("get", "/stations/S2/cameras", None),
        ("post", "/checkouts", {"officer_id": "O2", "station_id": "S9", "at": AT}),  # unknown
    ]:
        r = c.request(method.upper(), path, json=payload, headers=north)
        assert r.status_code == 403, (path, r.text)
        assert "north" in r.json()["detail"] and "S1" in r.json()["detail"]
    assert holder(kiosks.engine, "P1") == "O1"  # the refused check-in changed nothing

    # An officer's camera is not a station's business: it takes an all-stations token.
    r = c.get("/officers/O1/camera", headers=north)
    assert r.status_code == 403 and "all stations" in r.json()["detail"]
    desk = kiosks.as_(add_token(kiosks.engine, "desk", all_stations=True).secret)
    assert c.get("/officers/O1/camera", headers=desk).json()["camera"]["camera_id"] == "P1"
    r = c.post("/checkins", json={"camera_id": "P1", "station_id": "S2"}, headers=desk)
    assert r.status_code == 200, r.text


def test_unknown_and_revoked_tokens_are_refused(kiosks: Kiosks) -> None:
    new = add_token(kiosks.engine, "north", stations=["S1"])
    c = kiosks.client
    assert c.get("/stations/S1/cameras", headers=kiosks.as_(new.secret)).status_code == 200
    r = c.get("/stations/S1/cameras", headers=kiosks.as_(new.secret + "x"))
    assert r.status_code == 401 and 'error="invalid_token"' in r.headers["www-authenticate"]
    revoked = revoke_token(kiosks.engine, "north")
    assert revoked.revoked_at is not None
    body = {"officer_id": "O1", "station_id": "S1", "at": AT}
    r = c.post("/checkouts", json=body, headers=kiosks.as_(new.secret))
    assert r.status_code == 401 and "revoked" in r.json()["detail"]
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert holder(kiosks.engine, "P1") is None  # nothing was checked out
    with pytest.raises(TokenError, match="already revoked"):
        revoke_token(kiosks.engine, "north")


def test_every_use_is_logged(kiosks: Kiosks) -> None:
    north = add_token(kiosks.engine, "north", stations=["S1"])
    c, h = kiosks.client, kiosks.as_(north.secret)
    before = datetime.now(UTC)
    c.post("/checkouts", json={"officer_id": "O1", "station_id": "S1", "at": AT}, headers=h)
    c.post("/checkouts", json={"officer_id": "O1", "station_id": "S1", "at": AT}, headers=h)
    c.post("/checkins", json={"camera_id": "P1", "station_id": "S2"}, headers=h)
    c.get("/stations/S1/cameras", params={"at": AT}, headers=h)
    c.get("/stations/S1/cameras", headers={"Authorization": "Bearer guessed"})
    c.get("/health")
    after = datetime.now(UTC)
    logged = uses(kiosks.engine)
    assert [
        (u["name"], u["auth"], u["action"], u["status"], u["station_id"], u["officer_id"],
         u["camera_id"], u["address"])
        for u in logged
    ] == [
        ("north", "ok", "checkout", 201, "S1", "O1", "P1", "testclient"),
        ("north", "ok", "checkout", 409, "S1", "O1", None, "testclient"),  # already holds
        ("north", "ok", "checkin", 403, "S2", None, "P1", "testclient"),  # outside the scope
        ("north", "ok", "station_cameras", 200, "S1", None, None, "testclient"),
        (None, "unknown", "station_cameras", 401, "S1", None, None, "testclient"),
    ]  # fmt: skip
    assert str(logged[3]["path"]).startswith("/stations/S1/cameras?at=2020-06-01T07")
    assert all(before <= u["at"].replace(tzinfo=UTC) <= after for u in logged)  # type: ignore[union-attr]


def test_tokens_are_stored_only_as_a_hash(kiosks: Kiosks) -> None:
    new = add_token(kiosks.engine, "north", stations=["S1", "S2"])
    assert re.fullmatch(r"onr_[A-Za-z0-9_-]{40,}", new.secret)
    with kiosks.engine.connect() as con:
        dump = "\n".join(con.connection.driver_connection.iterdump())  # type: ignore[union-attr]
        stored = con.scalar(select(ApiToken.token_hash).where(ApiToken.name == "north"))
    assert new.secret not in dump and new.secret[4:20] not in dump
    assert stored == hashlib.sha256(new.secret.encode()).hexdigest()
    (info,) = list_tokens(kiosks.engine)
    assert info.name == "north" and info.scope.stations == frozenset({"S1", "S2"})


def test_token_rules(kiosks: Kiosks) -> None:
    with pytest.raises(TokenError, match="S9"):
        add_token(kiosks.engine, "north", stations=["S9"])
    with pytest.raises(TokenError, match="--all-stations"):
        add_token(kiosks.engine, "north")
    with pytest.raises(TokenError, match="not both"):
        add_token(kiosks.engine, "north", stations=["S1"], all_stations=True)
    with pytest.raises(TokenError, match="name"):
        add_token(kiosks.engine, "north kiosk", stations=["S1"])
    add_token(kiosks.engine, "north", stations=["S1"])
    revoke_token(kiosks.engine, "north")
    with pytest.raises(TokenError, match="already"):  # a name always means one token
        add_token(kiosks.engine, "north", stations=["S1"])
    with pytest.raises(TokenError, match="no token"):
        revoke_token(kiosks.engine, "south")


def test_openapi_declares_the_bearer_scheme(kiosks: Kiosks) -> None:
    doc = kiosks.client.get("/openapi.json").json()
    schemes = doc["components"]["securitySchemes"]
    ((name, scheme),) = schemes.items()
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    for path, method in [
        ("/checkouts", "post"),
        ("/checkins", "post"),
        ("/stations/{station_id}/cameras", "get"),
        ("/officers/{officer_id}/camera", "get"),
    ]:
        op = doc["paths"][path][method]
        assert op["security"] == [{name: []}] and {"401", "403"} <= set(op["responses"])
    assert "security" not in doc["paths"]["/health"]["get"]


runner = CliRunner()


def run(*args: str) -> Result:
    return runner.invoke(cli, list(args))


def test_token_commands(write_package: WritePackage, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fleet.db'}"
    make_fleet(write_package, url).engine.dispose()
    added = run("fleet", "token", "add", "north", "--station", "S1", "--station", "S2",
                "--db", url)  # fmt: skip
    assert added.exit_code == 0, added.output
    secret = added.output.split()[-1]
    assert secret.startswith("onr_") and added.output.count(secret) == 1
    desk = run("fleet", "token", "add", "desk", "--all-stations", "--db", url)
    assert desk.exit_code == 0, desk.output
    listed = run("fleet", "token", "list", "--db", url)
    assert listed.exit_code == 0 and secret not in listed.output
    assert re.search(r"north\s+│\s+S1, S2", listed.output) and "all stations" in listed.output

    with TestClient(create_app(url)) as c:
        r = c.get("/stations/S1/cameras", headers={"Authorization": f"Bearer {secret}"})
        assert r.status_code == 200
        logged = run("fleet", "token", "uses", "--db", url)
        assert logged.exit_code == 0 and re.search(r"north.+station_cameras.+200", logged.output)
        assert run("fleet", "token", "revoke", "north", "--db", url).exit_code == 0
        r = c.get("/stations/S1/cameras", headers={"Authorization": f"Bearer {secret}"})
        assert r.status_code == 401
    assert "revoked" in run("fleet", "token", "list", "--db", url).output

    bad = run("fleet", "token", "add", "south", "--station", "S9", "--db", url)
    assert bad.exit_code == 2 and "S9" in bad.output
    again = run("fleet", "token", "revoke", "north", "--db", url)
    assert again.exit_code == 2 and "already revoked" in again.output
