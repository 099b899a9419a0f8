"""The evidence vault in the console, probed by role: who sees which item, every view, play,
download and refusal a custody entry; byte ranges; one play entry per playback; share links
(use, expiry, revocation, only their items, logged); holds, categories and cases logged; CSRF on
every form; metadata escaped; proofs that verify; the disposition dry run; investigators' cases;
migration 0009. Over the in-memory blob store (``web_support``)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from onrecord.cli.app import app as cli
from onrecord.database import connection as db
from onrecord.database.vault import VaultHold
from onrecord.database.vault_access import VaultShare
from onrecord.vault.disposition import use_schedule
from onrecord.vault.items import Source
from onrecord.vault.merkle import leaf_hash, verify_inclusion
from onrecord.vault.retention import load_schedule
from onrecord.web.account_store import add_user
from onrecord.web.app import create_app
from onrecord.web.settings import Settings
from web_support import CASE, PASSWORD, ROLES, Clients, Site, client, csrf_of, new_item

PUBLIC = ("public", *ROLES)


@pytest.fixture
def clients(site: Site) -> Clients:
    return Clients(site.app())


def log(site: Site, item: str | None = None, start: int = 0) -> list[dict[str, Any]]:
    """The custody log's entries (about ``item`` if given) from index ``start``."""
    vault = site.vault()
    found = [json.loads(e.body) for e in vault.entries(start=start, limit=100_000, item=item)]
    vault.engine.dispose()
    return found


def head(site: Site) -> int:
    return len(log(site))


def post(c: Any, path: str, **data: str) -> Any:
    token = csrf_of(c.get("/login").text)
    return c.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def player(html: str, n: int = 0) -> str:
    """The source of the page's ``n``-th video player."""
    sources = re.findall(r'<video[^>]*src="([^"]+)"', html)
    return sources[n].replace("&amp;", "&")


# Who sees which item, and the log of it.


def test_item_pages_by_role_each_read_or_refusal_logged(site: Site, clients: Clients) -> None:
    items = site.items
    allowed = {
        "custodian": set(items),
        "auditor": set(items),
        "investigator": {"station", "case"},  # the station's officer's, and the case's
    }
    for role in PUBLIC:
        for which, item_id in items.items():
            before = head(site)
            r = clients[role].get(f"/evidence/{item_id}")
            new = log(site, start=before)
            if role == "public":
                assert r.status_code == 401 and new == [], (role, which)
                continue
            ok = which in allowed.get(role, set())
            assert r.status_code == (200 if ok else 403), (role, which, r.status_code)
            assert [(e["action"], e["outcome"], e["item"], e["actor"]) for e in new] == [
                ("view", "success" if ok else "failure", item_id, role)
            ], (role, which)
            assert new[0]["source"] == "testclient"
            if not ok:
                assert "reason" in new[0]["details"]


def test_an_unknown_item_is_404_and_logged_without_an_item(site: Site, clients: Clients) -> None:
    before = head(site)
    assert clients["custodian"].get("/evidence/V-2026-999999").status_code == 404
    assert clients["custodian"].get("/evidence/nonsense").status_code == 422
    [entry] = log(site, start=before)
    assert (entry["action"], entry["outcome"], entry["item"]) == ("view", "failure", None)
    assert entry["details"]["path"] == "/evidence/V-2026-999999"


def test_the_search_shows_each_role_its_items(site: Site, clients: Clients) -> None:
    def listed(role: str, query: str = "") -> set[str]:
        r = clients[role].get(f"/evidence{query}")
        assert r.status_code == 200, r.text
        return set(re.findall(r'<a href="/evidence/(V-[0-9-]+)">', r.text))

    items = site.items
    assert listed("custodian") == listed("auditor") == set(items.values())
    assert listed("investigator") == {items["station"], items["case"]}
    assert listed("custodian", f"?case={CASE}") == {items["case"]}
    assert listed("custodian", f"?station={site.station}") == {items["station"]}
    assert listed("custodian", "?category=traffic+stop") == {items["station"]}
    assert listed("custodian", "?camera=NONE") == set()
    assert listed("custodian", "?since=2026-11-30T14:04:00&until=2026-11-30T14:06") == set(
        items.values()
    )
    assert listed("custodian", "?since=2026-11-30T14:06:00Z") == set()
    empty = "?officer=&camera=&since=&until=&category=&case=&station="  # as the form sends it
    assert listed("investigator", empty) == {items["station"], items["case"]}
    assert listed("investigator", f"?station={site.station}&case={CASE}") == set()
    for bad in (
        "?offset=-1",
        "?offset=1000000001",
        "?since=0001-01-01T00:00:00",
        "?until=yesterday",
        "?case=" + "x" * 101,
    ):
        assert clients["custodian"].get(f"/evidence{bad}").status_code == 422, bad
    log_page = clients["auditor"].get("/access-log").text
    assert "/evidence" in log_page  # the search is a read of officer-level data


def test_escaping_of_item_metadata(site: Site, clients: Clients) -> None:
    evil = "<script>alert(1)</script>"
    vault = site.vault()
    made = vault.ingest(
        new_item(site.store, evil, [b"x" * 10], categories=(evil,), case_ids=(evil,),
              trigger_on_reason=evil, metadata={evil: evil}, camera_id='"><img src=x>'),
        actor="system", address=None,
    )  # fmt: skip
    vault.engine.dispose()
    for page in (f"/evidence/{made.item_id}", "/evidence", f"/custody-log?item={made.item_id}"):
        html = clients["custodian"].get(page).text
        assert evil not in html and "<img src=x>" not in html, page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, page


# Playing and downloading: byte ranges, and one entry per playback.


def test_byte_ranges(site: Site, clients: Clients) -> None:
    c = clients["custodian"]
    item = site.items["station"]
    src = player(c.get(f"/evidence/{item}").text)
    data = c.get(f"/evidence/{item}/files/0/download").content
    assert hashlib.sha256(data).hexdigest() in site.store.blobs and len(data) > 200
    r = c.get(src, headers={"Range": "bytes=0-99"})
    assert r.status_code == 206 and r.content == data[:100]
    assert r.headers["content-range"] == f"bytes 0-99/{len(data)}"
    assert r.headers["content-length"] == "100" and r.headers["accept-ranges"] == "bytes"
    assert r.headers["content-type"] == "video/mp4"
    assert r.headers["content-disposition"].startswith("inline")
    r = c.get(src, headers={"Range": "bytes=100-"})
    assert r.status_code == 206 and r.content == data[100:]
    r = c.get(src, headers={"Range": "bytes=-10"})
    assert r.status_code == 206 and r.content == data[-10:]
    for bad in (f"bytes={len(data)}-", "bytes=50-10", "bytes=0-1,4-5", "bytes=x"):
        r = c.get(src, headers={"Range": bad})
        assert r.status_code == 416, bad
        assert r.headers["content-range"] == f"bytes */{len(data)}"
    r = c.get(src)
    assert r.status_code == 200 and r.content == data
    assert c.get(src, headers={"Range": "lines=0-1"}).status_code == 200  # another unit
    r = c.get(f"/evidence/{item}/files/0/download", headers={"Range": "bytes=10-19"})
    assert r.status_code == 206 and r.content == data[10:20]
    assert r.headers["content-disposition"].startswith('attachment; filename="clip-1.mp4"')
    assert c.get(f"/evidence/{item}/files/9/download").status_code == 404


def test_one_play_entry_per_playback(site: Site, clients: Clients) -> None:
    item = site.items["case"]
    c = clients["investigator"]
    first = player(c.get(f"/evidence/{item}").text)
    before = head(site)
    for asked in ("bytes=0-", "bytes=100-199", "bytes=0-", "bytes=500-"):
        assert c.get(first, headers={"Range": asked}).status_code == 206
    plays = [e for e in log(site, start=before) if e["action"] == "play"]
    assert [(e["actor"], e["item"], e["outcome"]) for e in plays] == [
        ("investigator", item, "success")
    ]
    assert plays[0]["details"]["file"] == "clip-1.mp4"
    second = player(c.get(f"/evidence/{item}").text)  # a new page, a new playback
    assert second != first
    c.get(second, headers={"Range": "bytes=0-"})
    assert len([e for e in log(site, start=before) if e["action"] == "play"]) == 2
    # Another account's token, a forged one, and a role without footage are refused, logged.
    before = head(site)
    assert clients["custodian"].get(first).status_code == 403
    assert c.get(first.replace("t=", "t=x")).status_code == 403
    assert c.get(f"/evidence/{item}/files/1/play?t=" + first.split("t=")[1]).status_code == 403
    assert clients["auditor"].get(first).status_code == 403
    assert clients["manager"].get(first).status_code == 403
    refused = log(site, start=before)
    assert [(e["action"], e["outcome"], e["actor"]) for e in refused] == [
        ("play", "failure", "custodian"),
        ("play", "failure", "investigator"),
        ("play", "failure", "investigator"),
        ("play", "failure", "auditor"),
        ("play", "failure", "manager"),
    ]
    assert "no video" not in clients["auditor"].get(f"/evidence/{item}").text
    assert "<video" not in clients["auditor"].get(f"/evidence/{item}").text


def test_every_download_is_logged(site: Site, clients: Clients) -> None:
    item = site.items["station"]
    before = head(site)
    clients["investigator"].get(f"/evidence/{item}/files/0/download")
    clients["investigator"].get(
        f"/evidence/{item}/files/0/download", headers={"Range": "bytes=5-9"}
    )
    assert clients["auditor"].get(f"/evidence/{item}/files/0/download").status_code == 403
    got = [
        (e["action"], e["outcome"], e["actor"], e["details"].get("range"))
        for e in log(site, start=before)
    ]
    assert got == [
        ("download", "success", "investigator", None),
        ("download", "success", "investigator", "5-9"),
        ("download", "failure", "auditor", None),
    ]


def test_the_item_page_shows_files_bookmarks_track_and_timeline(
    site: Site, clients: Clients
) -> None:
    item = site.items["station"]
    html = clients["custodian"].get(f"/evidence/{item}").text
    for sha in re.findall(r'data-sha256="([0-9a-f]{64})"', html):
        assert sha in site.store.blobs
    assert len(re.findall(r'data-sha256="', html)) == 3
    assert (
        "Traffic stop" in html and "plate:ABC" in html and "Driver stopped at the lights." in html
    )
    assert "<polyline points=" in html and "42.388000" in html and "-71.099000" in html
    assert 'data-action="ingest"' in html and 'data-action="view"' not in html  # logged after
    again = clients["custodian"].get(f"/evidence/{item}").text
    assert 'data-action="view"' in again
    assert "/api/evidence/entries/1/proof" in again


def test_a_proof_verifies_and_follows_the_scope(site: Site, clients: Clients) -> None:
    proof = clients["investigator"].get("/api/evidence/entries/1/proof").json()
    leaf = leaf_hash(proof["entry"].encode())
    assert base64.b64decode(proof["leaf"]) == leaf
    path = [base64.b64decode(h) for h in proof["inclusion"]]
    root = base64.b64decode(proof["root"])
    assert verify_inclusion(leaf, 1, proof["tree_size"], path, root)
    assert base64.b64encode(root).decode() in proof["checkpoint"]
    other = next(e["index"] for e in log(site, site.items["other"]) if e["action"] == "ingest")
    assert clients["investigator"].get(f"/api/evidence/entries/{other}/proof").status_code == 403
    assert clients["investigator"].get("/api/evidence/entries/0/proof").status_code == 403
    assert clients["auditor"].get("/api/evidence/entries/0/proof").status_code == 200
    clients["custodian"].get(f"/evidence/{site.items['other']}")  # a view, after the checkpoint
    last = head(site) - 1
    r = clients["custodian"].get(f"/api/evidence/entries/{last}/proof")
    assert r.status_code == 409 and "checkpoint" in r.json()["detail"]
    assert clients["custodian"].get("/api/evidence/entries/99999/proof").status_code == 404


# Holds, categories and cases.


def test_holds_are_placed_and_released_with_reasons(site: Site, clients: Clients) -> None:
    item = site.items["other"]
    c = clients["custodian"]
    before = head(site)
    assert post(c, f"/evidence/{item}/holds", reason="preservation letter 7").status_code == 303
    assert post(c, "/holds", case="26-1234", reason="court order 99").status_code == 303
    assert post(c, f"/evidence/{item}/holds", reason="   ").status_code == 422
    with Session(db.connect(site.db_url)) as s:
        hold_ids = list(s.scalars(select(VaultHold.id).order_by(VaultHold.id)))
    assert len(hold_ids) == 2
    assert "under hold" in c.get(f"/evidence/{item}").text
    r = post(c, f"/holds/{hold_ids[0]}/release", reason="case closed", back=f"/evidence/{item}")
    assert r.status_code == 303 and r.headers["location"] == f"/evidence/{item}#holds"
    assert post(c, f"/holds/{hold_ids[0]}/release", reason="again").status_code == 409
    assert post(c, "/holds/999/release", reason="none").status_code == 404
    assert (
        post(c, f"/holds/{hold_ids[1]}/release", reason="x", back="https://evil").status_code == 422
    )
    entries = [e for e in log(site, start=before) if e["action"].startswith("hold")]
    assert [
        (e["action"], e["item"], e["details"]["reason"], e["details"].get("case")) for e in entries
    ] == [
        ("hold placed", item, "preservation letter 7", None),
        ("hold placed", None, "court order 99", "26-1234"),
        ("hold released", item, "case closed", None),
    ]
    page = clients["auditor"].get("/holds").text
    assert "court order 99" in page and "/release" not in page  # the auditor reads only


def test_holds_categories_and_cases_are_the_custodians(site: Site, clients: Clients) -> None:
    item = site.items["station"]
    for role in ("investigator", "auditor", "admin"):
        before = head(site)
        for path, field in (("holds", "reason"), ("categories", "categories"), ("cases", "cases")):
            r = post(clients[role], f"/evidence/{item}/{path}", **{field: "x"})
            assert r.status_code == 403, (role, path)
        assert [(e["action"], e["outcome"]) for e in log(site, start=before)] == [
            ("hold placed", "failure"), ("category set", "failure"), ("case set", "failure"),
        ]  # fmt: skip
        assert post(clients[role], "/holds", case="c", reason="r").status_code == 403
        assert post(clients[role], "/holds/1/release", reason="r").status_code == 403
    assert post(clients["public"], f"/evidence/{item}/holds", reason="x").status_code == 401


def test_categories_and_cases_are_set_and_logged(site: Site, clients: Clients) -> None:
    item = site.items["other"]
    c = clients["custodian"]
    before = head(site)
    assert (
        post(
            c, f"/evidence/{item}/categories", categories="Use of force\nformal_complaint, "
        ).status_code
        == 303
    )
    assert (
        post(
            c, f"/evidence/{item}/categories", categories="formal_complaint,Use of force"
        ).status_code
        == 303
    )
    assert post(c, f"/evidence/{item}/cases", cases=f"{CASE}\n26-9").status_code == 303
    assert post(c, f"/evidence/{item}/cases", cases="x" * 101).status_code == 422
    got = [(e["action"], e["details"]) for e in log(site, start=before) if e["action"] != "view"]
    assert got == [
        ("category set", {"categories": ["Use of force", "formal_complaint"], "previous": []}),
        ("case set", {"cases": ["26-000777", "26-9"], "previous": []}),
    ]  # the second, unchanged list logged nothing
    # The case the investigator is assigned now opens this item to them.
    assert clients["investigator"].get(f"/evidence/{item}").status_code == 200


def test_an_admin_assigns_investigators_cases(site: Site, clients: Clients) -> None:
    users = {u["name"]: u for u in clients["admin"].get("/api/users").json()}
    investigator = users["investigator"]
    assert investigator["cases"] == [CASE] and investigator["station_id"] == site.station
    assert (
        post(clients["admin"], f"/admin/users/{investigator['id']}/cases", cases="").status_code
        == 303
    )
    assert clients["investigator"].get(f"/evidence/{site.items['case']}").status_code == 403
    assert (
        post(
            clients["admin"], f"/admin/users/{users['auditor']['id']}/cases", cases="1"
        ).status_code
        == 422
    )
    assert (
        post(
            clients["custodian"], f"/admin/users/{investigator['id']}/cases", cases="1"
        ).status_code
        == 403
    )
    r = clients["admin"].post(
        "/api/users",
        json={
            "name": "inv2",
            "role": "investigator",
            "password": PASSWORD,
            "cases": ["A", "A", "B"],
        },
        headers={"X-CSRF-Token": csrf_of(clients["admin"].get("/login").text)},
    )
    assert (
        r.status_code == 201 and r.json()["cases"] == ["A", "B"] and r.json()["station_id"] is None
    )
    assert client(site.app(), "inv2").get("/evidence").status_code == 200


# Shares.


def make_share(site: Site, clients: Clients, *items: str, days: str = "7") -> str:
    r = post(clients["custodian"], "/shares", items="\n".join(items), recipient="A. Lawyer",
             recipient_role="defence", purpose="discovery", days=days)  # fmt: skip
    assert r.status_code == 201, r.text
    link = re.search(r'value="(https://testserver/share/[^"]+)"', r.text)
    assert link is not None
    return link.group(1).removeprefix("https://testserver")


def test_a_share_opens_only_its_items_and_logs_each_use(site: Site, clients: Clients) -> None:
    named = site.items["station"]
    before = head(site)
    link = make_share(site, clients, named)
    token = link.rsplit("/", 1)[1]
    created = log(site, start=before)
    assert [(e["action"], e["item"], e["actor"]) for e in created] == [
        ("share created", named, "custodian")
    ]
    assert created[0]["details"]["recipient_role"] == "defence"
    with Session(db.connect(site.db_url)) as s:
        stored = s.scalars(select(VaultShare.token_hash)).all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]  # the hash, never the token
    public = client(site.app(), None)
    before = head(site)
    page = public.get(link)
    assert page.status_code == 200 and named in page.text
    assert site.items["other"] not in page.text
    src = player(page.text)
    assert public.get(src, headers={"Range": "bytes=0-"}).status_code == 206
    assert public.get(src, headers={"Range": "bytes=10-"}).status_code == 206
    data = public.get(f"{link}/{named}/files/0/download")
    assert data.status_code == 200 and hashlib.sha256(data.content).hexdigest() in page.text
    for other in (site.items["other"], "V-2026-999999"):
        assert public.get(f"{link}/{other}/files/0/download").status_code == 403
    assert public.get(f"{link}/{named}/files/0/play?t=forged").status_code == 403
    uses = [
        (e["action"], e["outcome"], e["item"], e["actor"], e["details"]["use"])
        for e in log(site, start=before)
    ]
    share = f"share:{created[0]['details']['share']}"
    assert uses == [
        ("share used", "success", named, share, "view"),
        ("share used", "success", named, share, "play"),
        ("share used", "success", named, share, "download"),
        ("share used", "failure", site.items["other"], share, "download"),
        ("share used", "failure", None, share, "download"),
    ]
    assert public.get("/share/" + "A" * 43).status_code == 404  # no such share: not logged
    assert len(log(site, start=before)) == len(uses)


def test_an_expired_or_revoked_share_is_refused_and_logged(site: Site, clients: Clients) -> None:
    public = client(site.app(), None)
    expired = make_share(site, clients, site.items["case"], site.items["other"])
    revoked = make_share(site, clients, site.items["station"])
    engine = db.connect(site.db_url)
    with Session(engine) as s, s.begin():
        first = s.scalars(select(VaultShare).order_by(VaultShare.id)).first()
        assert first is not None
        past = datetime.now(UTC) - timedelta(days=1)
        s.execute(
            update(VaultShare).where(VaultShare.id == first.id)
            .values(created_at=past - timedelta(days=7), expires_at=past)
        )  # fmt: skip
    shares = clients["custodian"].get("/shares").text
    second = int(re.findall(r'data-share="(\d+)"', shares)[0])
    before = head(site)
    assert (
        post(clients["custodian"], f"/shares/{second}/revoke", reason="plea entered").status_code
        == 303
    )
    assert post(clients["custodian"], f"/shares/{second}/revoke", reason="again").status_code == 409
    assert post(clients["auditor"], f"/shares/{second}/revoke", reason="x").status_code == 403
    assert [(e["action"], e["details"]["reason"]) for e in log(site, start=before)] == [
        ("share revoked", "plea entered")
    ]
    before = head(site)
    r = public.get(expired)
    assert r.status_code == 410 and "expired" in r.text
    r = public.get(f"{revoked}/{site.items['station']}/files/0/download")
    assert r.status_code == 410 and "revoked" in r.text
    refused = [(e["action"], e["outcome"], e["item"]) for e in log(site, start=before)]
    assert refused == [
        ("share used", "failure", site.items["case"]),
        ("share used", "failure", site.items["other"]),
        ("share used", "failure", site.items["station"]),
    ]


def test_shares_are_the_custodians(site: Site, clients: Clients) -> None:
    for role in PUBLIC:
        r = post(clients[role], "/shares", items=site.items["station"], recipient="x",
                 recipient_role="court", days="1")  # fmt: skip
        expected = 201 if role == "custodian" else 401 if role == "public" else 403
        assert r.status_code == expected, role
    c = clients["custodian"]
    for bad in (
        {"days": "0"},
        {"days": "91"},
        {"recipient_role": "press"},
        {"items": "V-2026-999999"},
        {"recipient": " "},
    ):
        data = {
            "items": site.items["station"],
            "recipient": "x",
            "recipient_role": "court",
            "days": "1",
            **bad,
        }
        assert post(c, "/shares", **data).status_code == 422, bad


# CSRF on every form.


def test_every_evidence_form_needs_the_csrf_token(site: Site, clients: Clients) -> None:
    item = site.items["station"]
    forms = [
        (f"/evidence/{item}/categories", {"categories": "a"}),
        (f"/evidence/{item}/cases", {"cases": "a"}),
        (f"/evidence/{item}/holds", {"reason": "a"}),
        ("/holds", {"case": "a", "reason": "a"}),
        ("/holds/1/release", {"reason": "a"}),
        ("/shares", {"items": item, "recipient": "a", "recipient_role": "court", "days": "1"}),
        ("/shares/1/revoke", {"reason": "a"}),
    ]
    for path, data in forms:
        r = clients["custodian"].post(path, data=data, follow_redirects=False)
        assert r.status_code == 403 and "security token" in r.text, path
        r = clients["custodian"].post(path, data={**data, "csrf_token": "forged"})
        assert r.status_code == 403, path
    r = clients["admin"].post("/admin/users/6/cases", data={"cases": "a"})
    assert r.status_code == 403
    assert log(site, item)[-1]["action"] == "ingest"  # nothing was done


# The disposition queue.


def test_the_disposition_queue_is_the_dry_run(site: Site, clients: Clients) -> None:
    page = clients["custodian"].get("/disposition").text
    assert "no retention schedule" in page and "onrecord vault retention use" in page
    vault = site.vault()
    old = vault.ingest(
        new_item(site.store, "OLD-1", [b"old footage"], start=datetime(2020, 1, 1, tzinfo=UTC),
              end=datetime(2020, 1, 1, 0, 5, tzinfo=UTC), source=Source.FOLDER),
        actor="system", address=None,
    ).item_id  # fmt: skip
    use_schedule(vault, load_schedule("minnesota-13.825"), actor="admin", address=None)
    vault.engine.dispose()
    page = clients["auditor"].get("/disposition").text
    assert re.search(rf'id="eligible".*data-item="{old}"', page, re.S)
    assert "minnesota-13.825" in page and f'data-item="{site.items["station"]}"' not in page
    post(clients["custodian"], f"/evidence/{old}/holds", reason="litigation")
    page = clients["custodian"].get("/disposition?show=all").text
    kept = page[page.index('id="kept"') :]
    assert f'data-item="{old}"' in kept and "litigation" in kept
    assert f'data-item="{site.items["station"]}"' in page[page.index('id="waiting"') :]
    assert clients["custodian"].get("/disposition?show=some").status_code == 422


# Migration 0009.


def test_migration_0009_adds_the_roles_and_keeps_the_accounts(fleet_url: str) -> None:
    engine = db.connect(fleet_url, create=True)
    with engine.begin() as conn:
        cfg = db.alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0008")
    insert = (
        "INSERT INTO users (name, password_hash, role, station_id, active, created_at) "
        "VALUES (:name, 'x', :role, :station, true, '2026-01-01')"
    )
    with engine.begin() as c:
        c.execute(text(insert), {"name": "old", "role": "auditor", "station": None})
    db.upgrade(engine)
    with engine.begin() as c:
        c.execute(text(insert), {"name": "cus", "role": "custodian", "station": None})
        c.execute(text(insert), {"name": "inv", "role": "investigator", "station": "S1"})
        names = c.execute(text("SELECT name, role FROM users ORDER BY name")).all()
    assert [tuple(n) for n in names] == [
        ("cus", "custodian"),
        ("inv", "investigator"),
        ("old", "auditor"),
    ]
    for role, station in (("bogus", None), ("supervisor", None)):  # both checks survived
        with pytest.raises(IntegrityError, match=r"(?i)check|constraint"), engine.begin() as c:
            c.execute(text(insert), {"name": f"x-{role}", "role": role, "station": station})
    with engine.begin() as conn:
        cfg = db.alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008")
    with engine.begin() as c:
        assert [r[0] for r in c.execute(text("SELECT name FROM users"))] == ["old"]
    engine.dispose()


def test_the_console_without_a_vault_says_how_to_make_one(tmp_path: Path, site: Site) -> None:
    url = f"sqlite:///{tmp_path / 'bare.db'}"
    engine = db.connect(url, create=True)
    db.upgrade(engine)
    add_user(engine, "custodian", "custodian", PASSWORD)
    engine.dispose()
    bare = client(create_app(Settings(audit_dir=site.audit, db_url=url), site.results), "custodian")
    r = bare.get("/evidence")
    assert r.status_code == 404 and "onrecord vault init" in r.text


def test_the_command_line_adds_investigators_and_assigns_their_cases(site: Site) -> None:
    runner = CliRunner()
    add = ["user", "add", "inv3", "--role", "investigator", "--db", site.db_url]
    r = runner.invoke(
        cli, [*add, "--case", "C-1", "--case", "C-2", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert r.exit_code == 0 and "cases C-1, C-2" in r.output, r.output
    r = runner.invoke(cli, ["user", "cases", "inv3", "--case", CASE, "--db", site.db_url])
    assert r.exit_code == 0 and f"assigned: {CASE}" in r.output
    assert client(site.app(), "inv3").get(f"/evidence/{site.items['case']}").status_code == 200
    r = runner.invoke(cli, ["user", "cases", "auditor", "--case", "X", "--db", site.db_url])
    assert r.exit_code == 2 and "only an investigator" in r.output
    r = runner.invoke(
        cli,
        [
            "user",
            "add",
            "cus2",
            "--role",
            "custodian",
            "--case",
            "X",
            "--db",
            site.db_url,
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert r.exit_code == 2 and "only an investigator is assigned cases" in r.output
