"""The checkout HTTP API through FastAPI's TestClient: every endpoint, its refusals (reason code,
message, status) and the OpenAPI document."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from checkout_data import make_fleet
from onrecord.fleet.api import create_app
from package_writer import WritePackage


@pytest.fixture
def client(write_package: WritePackage, tmp_path: Path) -> Iterator[TestClient]:
    """A client of the standalone API carrying an all-stations token (issue 13, point 5)."""
    url = f"sqlite:///{tmp_path / 'fleet.db'}"
    make_fleet(write_package, url).engine.dispose()
    with TestClient(create_app(url)) as c:
        c.headers["Authorization"] = f"Bearer {all_stations_token(url)}"
        yield c


def all_stations_token(url: str) -> str:
    from onrecord.database import connection as db
    from onrecord.fleet.tokens import add_token

    engine = db.connect(url)
    try:
        return add_token(engine, "test-kiosk", all_stations=True).secret
    finally:
        engine.dispose()


@pytest.fixture
def anonymous(write_package: WritePackage, tmp_path: Path) -> Iterator[TestClient]:
    """A client of the standalone API without credentials."""
    url = f"sqlite:///{tmp_path / 'fleet.db'}"
    make_fleet(write_package, url).engine.dispose()
    with TestClient(create_app(url)) as c:
        yield c


ENDPOINTS = [
    ("post", "/checkouts", {"officer_id": "O1", "station_id": "S1", "at": "2020-06-01T07:30"}),
    ("post", "/checkins", {"camera_id": "C2", "station_id": "S1", "at": "2020-06-01T07:30"}),
    ("get", "/stations/S1/cameras", None),
    ("get", "/officers/O1/camera", None),
]


@pytest.mark.parametrize(("method", "path", "payload"), ENDPOINTS)
def test_nothing_is_served_without_credentials(
    anonymous: TestClient, method: str, path: str, payload: dict[str, str] | None
) -> None:
    """Issue 13, point 5: no write (and no read naming officers) without a token; 401 says how
    to authenticate. /health stays open."""
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic eDp5"}):
        r = anonymous.request(method.upper(), path, json=payload, headers=headers)
        assert r.status_code == 401, (headers, r.text)
        assert r.headers["www-authenticate"].startswith("Bearer")
    assert anonymous.get("/stations/S1/cameras").status_code == 401
    assert anonymous.get("/health").json() == {"status": "ok"}


def test_checkout_then_checkin(client: TestClient) -> None:
    r = client.post(
        "/checkouts", json={"officer_id": "O1", "station_id": "S1", "at": "2020-06-01T07:30"}
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["camera_id"] == "P1" and body["personal"] is True and body["charge_pct"] == 100
    assert body["shift"] == {
        "shift_id": "H1",
        "start": "2020-06-01T12:00:00Z",
        "end": "2020-06-01T20:00:00Z",
    }
    assert body["at"] == "2020-06-01T11:30:00Z"  # no offset: New York time; answers are UTC

    mine = client.get("/officers/O1/camera", params={"at": "2020-06-01T13:30"}).json()
    assert mine["camera"]["camera_id"] == "P1" and mine["camera"]["charge_pct"] == 50.0

    r = client.post(
        "/checkins",
        json={"camera_id": "P1", "station_id": "S1", "at": "2020-06-01T16:30", "battery_pct": 30},
    )
    assert r.status_code == 200, r.text
    assert r.json() | {"at": None} == {
        "camera_id": "P1",
        "station_id": "S1",
        "at": None,
        "officer_id": "O1",
        "charge_pct": 30.0,
        "reported": True,
    }
    assert client.get("/officers/O1/camera").json() == {"officer_id": "O1", "camera": None}


def test_station_cameras_with_estimated_charge(client: TestClient) -> None:
    r = client.get("/stations/S1/cameras", params={"at": "2020-06-01T07:00"})
    assert r.status_code == 200
    cams = {c["camera_id"]: c for c in r.json()}
    assert sorted(cams) == ["C1", "C2", "P1"]
    assert cams["C2"]["charge_pct"] == 35.0  # 10% at 06:00 + 1 h / 4 h
    assert cams["P1"]["assigned_officer_id"] == "O1" and cams["C1"]["docked"] is True


@pytest.mark.parametrize(
    ("method", "path", "payload", "status", "reason"),
    [
        ("post", "/checkouts", {"officer_id": "O99", "station_id": "S1"}, 404, "unknown_officer"),
        ("post", "/checkouts", {"officer_id": "O1", "station_id": "S9"}, 404, "unknown_station"),
        ("post", "/checkouts", {"officer_id": "O3", "station_id": "S1"}, 409, "not_trained"),
        ("post", "/checkouts", {"officer_id": "O7", "station_id": "S2"}, 409, "camera_in_repair"),
        ("post", "/checkins", {"camera_id": "Z9", "station_id": "S1"}, 404, "unknown_camera"),
        ("post", "/checkins", {"camera_id": "C1", "station_id": "S1"}, 409, "already_docked"),
        ("get", "/stations/S9/cameras", None, 404, "unknown_station"),
        ("get", "/officers/O99/camera", None, 404, "unknown_officer"),
    ],
)
def test_refusals_carry_a_reason_and_a_message(
    client: TestClient,
    method: str,
    path: str,
    payload: dict[str, str] | None,
    status: int,
    reason: str,
) -> None:
    kwargs = {"json": payload | {"at": "2020-06-01T07:30"}} if payload else {}
    r = client.request(method.upper(), path, **kwargs)
    assert r.status_code == status, r.text
    assert r.json()["reason"] == reason and r.json()["message"]


def test_no_charged_camera_gives_ready_at(client: TestClient) -> None:
    at = {"at": "2020-06-01T07:30"}
    assert client.post("/checkouts", json={"officer_id": "O2", "station_id": "S1"} | at).is_success
    r = client.post("/checkouts", json={"officer_id": "O8", "station_id": "S1"} | at)
    assert r.status_code == 409 and r.json()["reason"] == "no_charged_camera"
    assert r.json()["ready_at"].startswith("2020-06-01T12:31:00")  # 08:31 EDT


def test_already_holds_is_a_conflict(client: TestClient) -> None:
    body = {"officer_id": "O1", "station_id": "S1", "at": "2020-06-01T07:30"}
    assert client.post("/checkouts", json=body).status_code == 201
    r = client.post("/checkouts", json=body)
    assert r.status_code == 409 and r.json()["reason"] == "already_holds"
    assert "P1" in r.json()["message"]


@pytest.mark.parametrize(
    "payload",
    [
        {"camera_id": "P1", "station_id": "S1", "battery_pct": 120},
        {"camera_id": "", "station_id": "S1"},
        {"camera_id": "P1", "station_id": "S1", "at": "yesterday"},
    ],
)
def test_bad_input_is_a_validation_error(client: TestClient, payload: dict[str, object]) -> None:
    assert client.post("/checkins", json=payload).status_code == 422


def test_openapi_documents_the_refusals(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    post = doc["paths"]["/checkouts"]["post"]
    assert {"201", "404", "409", "422"} <= set(post["responses"])
    reasons = doc["components"]["schemas"]["Reason"]["enum"]
    assert "no_charged_camera" in reasons and "already_holds" in reasons
    assert client.get("/health").json() == {"status": "ok"}
    # no page that would fetch its code from a CDN
    assert client.get("/docs").status_code == 404 and client.get("/redoc").status_code == 404
