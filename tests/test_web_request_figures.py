"""The public dashboard's records-request figures: what the release part computes, shown with
small counts withheld (a hand-worked month), the same as JSON without sign-in, and no section
where the console keeps no evidence vault."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlalchemy.orm import Session

from onrecord.database import connection as db
from onrecord.database.vault import VaultSettings
from onrecord.release.deadline import load_rule
from onrecord.release.matching import Filters
from onrecord.release.service import NewRequest, Releases
from onrecord.vault.service import Vault
from vault_service_support import Clock
from web_support import Site

RULE = load_rule("massachusetts-66-10")


def deny(releases: Releases, received: date, code: str) -> None:
    new = NewRequest("A. Reader", received, "footage", None, Filters(officer_ids=("1234",)))
    request_id = releases.log_request(new, RULE, actor="clerk").id
    releases.deny(request_id, RULE, code, actor="counsel")


def test_a_month_of_denials_is_shown_with_its_small_reason_withheld(site: Site) -> None:
    # Six requests received on 30 November and denied on 1 December, five citing 26(f) and one
    # 26(a). The 1 is withheld; alone, it would be the total (6) minus the 5 shown, so the 5 is
    # withheld too; the total 6 stays, and each withheld count can be anything from 1 to 5.
    clock = Clock(datetime(2026, 12, 1, 14, 0, tzinfo=UTC))
    vault = Vault.open(site.db_url, store=site.store, clock=clock)
    releases = Releases(vault)
    for code in ("26(f)",) * 5 + ("26(a)",):
        deny(releases, date(2026, 11, 30), code)
    november, december = releases.monthly_figures().months
    vault.engine.dispose()
    assert (november.received, november.released, november.denied) == (6, 0, 0)
    assert (december.received, december.released, december.denied) == (0, 0, 6)
    assert [(r.code, r.count) for r in december.denied_by_reason] == [
        ("26(a)", None),
        ("26(f)", None),
    ]

    with TestClient(site.app()) as anyone:
        page = anyone.get("/")
        doc = anyone.get("/api/public/requests")
    assert page.status_code == 200
    section = page.text.split('<section id="requests">')[1].split("</section>")[0]
    assert "denied: 26(a)" in section and "denied: 26(f)" in section
    found = re.finditer(r'<tr><th scope="row" data-sort="([^"]+)">.*?</tr>', section, re.S)
    rows = {m.group(1): m.group(0) for m in found}
    assert list(rows) == ["2026-11", "2026-12"]
    assert rows["2026-12"].count(">withheld<") == 2  # denials count in the month denied
    assert ">6<" in rows["2026-12"] and ">—<" in rows["2026-12"]  # no release, so no median
    assert ">6<" in rows["2026-11"] and "withheld" not in rows["2026-11"]
    assert doc.status_code == 200
    assert doc.json()["months"][-1]["denied_by_reason"] == [
        {"code": "26(a)", "count": None},
        {"code": "26(f)", "count": None},
    ]
    assert doc.json()["withheld"] >= 2


def test_no_requests_yet_says_so(site: Site) -> None:
    with TestClient(site.app()) as anyone:
        page = anyone.get("/")
        doc = anyone.get("/api/public/requests")
    assert 'data-requests="none"' in page.text
    assert doc.json()["months"] == []


def test_without_a_vault_there_is_no_request_section(site: Site, tmp_path: Path) -> None:
    engine = db.connect(site.db_url)
    with Session(engine) as s, s.begin():
        s.execute(delete(VaultSettings))
    engine.dispose()
    with TestClient(site.app()) as anyone:
        page = anyone.get("/")
        doc = anyone.get("/api/public/requests")
    assert page.status_code == 200 and 'id="requests"' not in page.text
    assert doc.status_code == 404
