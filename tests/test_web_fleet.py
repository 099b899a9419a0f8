"""The Fleet page, the kiosk and the plan figures: the kiosk is the checkout service (same
answers, same refusals), its forms need the manager role and the CSRF token, the Fleet page
predicts the refusal the kiosk gives, and ``--plan`` shows the plan's own numbers."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from onrecord.database.fleet import CameraState, Shift
from onrecord.fleet.rules import Reason, Refused
from onrecord.fleet.service import CheckoutService
from onrecord.plan.run import run_plan
from onrecord.web.fleet_status import HORIZON, PICKUP_LEAD, PlanError, PlanResults, station_fleets
from web_support import ROLES, Site, client, csrf_of, free_officer


@pytest.fixture(scope="module")
def plan_dir(built_site: Site, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plan of the site's package (read only)."""
    out = tmp_path_factory.mktemp("plan") / "plan"
    run_plan(built_site.package, out, policy="mandate-all")
    return out


def _post(c: Any, path: str, **data: str) -> Any:
    token = csrf_of(c.get("/login").text)
    return c.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def test_kiosk_checks_out_and_in_as_the_service(site: Site) -> None:
    app = site.app()
    c = client(app, "manager")
    svc: CheckoutService = app.state.checkout_service
    officer = free_officer(svc, site.station)
    page = c.get(f"/kiosk/{site.station}")
    assert page.status_code == 200 and 'id="badge"' in page.text
    r = _post(c, f"/kiosk/{site.station}/checkout", badge=f" {officer} ")
    assert r.status_code == 200 and 'data-answer="issued"' in r.text
    held = svc.officer_camera(officer)
    assert held is not None and f'data-camera="{held.camera_id}"' in r.text
    again = _post(c, f"/kiosk/{site.station}/checkout", badge=officer)
    assert f'data-reason="{Reason.ALREADY_HOLDS}"' in again.text
    assert held.camera_id in again.text  # the service's own message names the camera
    # htmx asks for the answer alone, with the dock's count swapped out of band
    token = csrf_of(c.get("/login").text)
    back = c.post(
        f"/kiosk/{site.station}/checkin",
        data={"camera": held.camera_id, "csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert 'data-answer="docked"' in back.text and "<h1>" not in back.text
    assert 'id="dock" hx-swap-oob="true"' in back.text
    assert svc.officer_camera(officer) is None
    unknown = _post(c, f"/kiosk/{site.station}/checkout", badge="NOBODY")
    assert f'data-reason="{Reason.UNKNOWN_OFFICER}"' in unknown.text
    assert c.get("/kiosk/NO-SUCH-STATION").status_code == 404


def test_kiosk_forms_by_role_and_csrf(site: Site) -> None:
    app = site.app()
    for role in (None, *ROLES):
        c = client(app, role)
        r = _post(c, f"/kiosk/{site.station}/checkin", camera="X")
        expected = 200 if role == "manager" else 401 if role is None else 403
        assert r.status_code == expected, role
        token = csrf_of(c.get("/login").text)
        r = c.post(
            "/api/checkout/checkins",
            json={"camera_id": "X", "station_id": site.station},
            headers={"X-CSRF-Token": token},
        )
        expected = 404 if role == "manager" else 401 if role is None else 403  # 404: no camera X
        assert r.status_code == expected, role
    manager = client(app, "manager")
    r = manager.post(f"/kiosk/{site.station}/checkout", data={"badge": "X"})
    assert r.status_code == 403
    r = manager.post("/api/checkout/checkins", json={"camera_id": "X", "station_id": site.station})
    assert r.status_code == 403


def test_fleet_page_predicts_the_kiosks_refusal(site: Site) -> None:
    """Empty one station's batteries: every shift about to start there is listed without a
    camera, and the kiosk, asked at the first one's pickup, refuses for the same reason."""
    app = site.app()
    svc: CheckoutService = app.state.checkout_service
    with svc.readers() as s:
        first = s.scalars(
            select(Shift).where(Shift.station_id == site.station).order_by(Shift.start)
        ).first()
    assert first is not None
    at = first.start - PICKUP_LEAD - timedelta(hours=1)
    with svc.sessions.begin() as s:
        s.execute(
            update(CameraState)
            .where(CameraState.station_id == site.station, CameraState.docked.is_(True))
            .values(charge=0.0, since=at)
        )
    station = next(st for st in station_fleets(svc, at) if st.station_id == site.station)
    assert station.shifts_ahead >= 1 and len(station.without) >= 1
    assert all(c.charge == pytest.approx(0.0) for c in station.docked)
    assert all(c.full_at and c.full_at > at for c in station.docked)
    w = station.without[0]
    assert at <= w.start < at + HORIZON
    with pytest.raises(Refused) as refused:
        svc.checkout(w.officer_id, site.station, at=max(at, w.start - PICKUP_LEAD))
    assert refused.value.reason == w.reason
    if w.reason is Reason.NO_CHARGED_CAMERA:
        assert refused.value.ready_at == w.ready_at


def test_fleet_page_and_api(site: Site, plan_dir: Path) -> None:
    app = site.app(plan_dir=plan_dir)
    c = client(app, "auditor")
    page = c.get("/fleet")
    assert page.status_code == 200 and f'data-station="{site.station}"' in page.text
    assert "Open this station's kiosk" not in page.text  # the auditor reads, the manager acts
    assert "Open this station's kiosk" in client(app, "manager").get("/fleet").text
    doc = c.get("/api/fleet").json()
    summary = json.loads((plan_dir / "summary.json").read_text())
    assert doc["plan"]["totals"] == summary["totals"]
    row = next(st for st in doc["stations"] if st["station_id"] == site.station)
    assert row["plan"] == next(r for r in summary["stations"] if r["station_id"] == site.station)
    log = client(app, "admin").get("/api/access-log").json()
    assert {"/fleet", "/api/fleet"} <= {e["what"] for e in log if e["user"] == "auditor"}


def test_gap_page_shows_the_plan(site: Site, plan_dir: Path) -> None:
    totals = json.loads((plan_dir / "summary.json").read_text())["totals"]
    with_plan = client(site.app(plan_dir=plan_dir), "manager").get("/gap").text
    assert f'data-plan="cameras_to_order">{totals["cameras_to_order"]:,}<' in with_plan
    assert f'data-plan="pool_needed">{totals["pool_needed"]:,}<' in with_plan
    assert 'data-plan="stations"' not in client(site.app(), "manager").get("/gap").text


def test_a_folder_that_is_no_plan_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match=r"summary\.json"):
        PlanResults.load(tmp_path)
    (tmp_path / "summary.json").write_text('{"totals": {}}')
    with pytest.raises(PlanError, match="not an `onrecord plan` summary"):
        PlanResults.load(tmp_path)
