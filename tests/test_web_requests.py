"""Records requests in the console: the pages by role, CSRF on every form, the requester's text
escaped, illegal moves answered with the service's message, the redaction started on the
console's own queue (the stand-in redactor ``release_support.copy_frames``, in threads over the
site's in-memory store), the review's players and their custody entries, approval with the link
shown once and working, denial with an exemption, and no redactor installed said plainly."""

from __future__ import annotations

import hashlib
import json
import re
import time
from datetime import UTC, datetime
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from onrecord.cli.app import app as cli
from onrecord.database.vault import VaultItem
from onrecord.release import redactor as redactors
from onrecord.release.deadline import DEFAULT_RULE, load_rule
from onrecord.release.matching import Filters
from onrecord.release.redactor import RedactionChoices
from onrecord.release.service import NewRequest, Releases
from onrecord.release.status import Status
from web_support import ROLES, Clients, Site, client, csrf_of, tone_item

PUBLIC = ("public", *ROLES)
CUSTODY_READ = ("custodian", "auditor")
STAND_IN = "release_support:copy_frames"
EVIL = '<script>alert("x")</script> & Sons'


@pytest.fixture
def clients(site: Site) -> Clients:
    return Clients(site.app(redactor=STAND_IN))


def post(c: TestClient, path: str, data: dict[str, Any] | None = None) -> Any:
    token = csrf_of(c.get("/login").text)
    return c.post(path, data={**(data or {}), "csrf_token": token}, follow_redirects=False)


def officer_of(site: Site, item_id: str) -> str:
    vault = site.vault()
    with vault.readers() as s:
        item = s.get(VaultItem, item_id)
        assert item is not None
        officer = item.officer_id
    vault.engine.dispose()
    return officer


def log(site: Site, start: int = 0) -> list[dict[str, Any]]:
    vault = site.vault()
    found = [json.loads(e.body) for e in vault.entries(start=start, limit=100_000)]
    vault.engine.dispose()
    return found


def new_request(site: Site, c: TestClient, requester: str = EVIL) -> str:
    """Log a request for the station item's officer around its recording; its id."""
    r = post(c, "/requests", {
        "requester": requester, "received": datetime.now(UTC).date().isoformat(),
        "description": "Footage of the stop <b>on Main St</b>",
        "officers": officer_of(site, site.items["station"]),
        "time_from": "2026-11-30T08:00", "time_to": "2026-11-30T11:00", "rule": DEFAULT_RULE,
    })  # fmt: skip
    assert r.status_code == 303, r.text
    found = re.fullmatch(r"/requests/(R-[0-9]{4}-[0-9]{4})", r.headers["location"])
    assert found
    return found.group(1)


def status_of(c: TestClient, request_id: str) -> str:
    found = re.search(r'data-status="([a-z]+)"', c.get(f"/requests/{request_id}").text)
    assert found
    return found.group(1)


def redacted(site: Site, c: TestClient, request_id: str) -> None:
    """Propose, take the station's item, redact, and wait for the review."""
    assert post(c, f"/requests/{request_id}/propose").status_code == 303
    r = post(c, f"/requests/{request_id}/take", {"item": site.items["station"]})
    assert r.status_code == 303, r.text
    r = post(c, f"/requests/{request_id}/redact", {"faces": "true", "style": "pixelate"})
    assert r.status_code == 303, r.text
    deadline = time.monotonic() + 60
    while status_of(c, request_id) == "redacting":
        assert time.monotonic() < deadline, c.get(f"/requests/{request_id}/jobs").text
        time.sleep(0.2)
    assert status_of(c, request_id) == "review"


def test_the_list_and_the_form_by_role(site: Site, clients: Clients) -> None:
    for role in PUBLIC:
        r = clients[role].get("/requests")
        assert r.status_code == (200 if role in CUSTODY_READ else 401 if role == "public" else 403)
    assert 'action="/requests"' in clients["custodian"].get("/requests").text
    assert 'action="/requests"' not in clients["auditor"].get("/requests").text
    for role in PUBLIC:
        r = post(clients[role], "/requests", {"requester": "A", "received": "2026-12-01",
                                              "description": "x", "officers": "O1"})  # fmt: skip
        expected = 303 if role == "custodian" else 401 if role == "public" else 403
        assert r.status_code == expected, (role, r.text)


def test_request_pages_and_changes_by_role(site: Site, clients: Clients) -> None:
    request_id = new_request(site, clients["custodian"])
    for role in PUBLIC:
        expected = 200 if role in CUSTODY_READ else 401 if role == "public" else 403
        for path in (f"/requests/{request_id}", f"/requests/{request_id}/jobs"):
            assert clients[role].get(path).status_code == expected, (role, path)
    for role in PUBLIC:
        if role == "custodian":
            continue
        for action in ("propose", "take", "redact", "approve", "deny"):
            r = post(clients[role], f"/requests/{request_id}/{action}", {"exemption": "x"})
            assert r.status_code == (401 if role == "public" else 403), (role, action)
    assert clients["custodian"].get("/requests/R-2026-9999").status_code == 404
    assert clients["custodian"].get("/requests/nonsense").status_code == 422


def test_every_form_needs_the_csrf_token(site: Site, clients: Clients) -> None:
    c = clients["custodian"]
    request_id = new_request(site, c)
    data = {"requester": "A", "received": "2026-12-01", "description": "x", "officers": "O1"}
    assert c.post("/requests", data=data).status_code == 403
    for action in ("propose", "take", "redact", "approve", "deny"):
        r = c.post(f"/requests/{request_id}/{action}", data={"csrf_token": "forged"})
        assert r.status_code == 403, action
    assert status_of(c, request_id) == "received"


def test_the_requester_text_is_escaped_and_the_read_logged(site: Site, clients: Clients) -> None:
    c = clients["custodian"]
    request_id = new_request(site, c)
    for page in (c.get("/requests").text, c.get(f"/requests/{request_id}").text):
        assert "<script>" not in page and "&lt;script&gt;" in page
        assert "&amp; Sons" in page
    assert "<b>on Main St</b>" not in c.get(f"/requests/{request_id}").text
    reads = clients["auditor"].get("/api/access-log").json()
    assert any(e["what"] == f"/requests/{request_id}" for e in reads), reads


def test_refused_input_and_illegal_moves_show_the_service_message(
    site: Site, clients: Clients
) -> None:
    c = clients["custodian"]
    r = post(c, "/requests", {"requester": "A", "received": "2026-12-01", "description": "x"})
    assert r.status_code == 422 and "give the officers" in r.text
    assert 'value="A"' in r.text  # the form keeps what was typed
    r = post(c, "/requests", {"requester": "A", "received": "1 Dec", "description": "x",
                              "officers": "O1"})  # fmt: skip
    assert r.status_code == 422 and "is not a date" in r.text
    r = post(c, "/requests", {"requester": "A", "received": "2026-12-01", "description": "x",
                              "officers": "O1", "rule": "/etc/passwd"})  # fmt: skip
    assert r.status_code == 422 and "choose one of" in r.text
    request_id = new_request(site, c)
    r = post(c, f"/requests/{request_id}/approve")
    assert r.status_code == 409
    assert f"request {request_id} is received and cannot become released" in r.text
    r = post(c, f"/requests/{request_id}/take")
    assert r.status_code == 422 and "tick at least one item" in r.text
    r = post(c, f"/requests/{request_id}/take", {"item": "V-2026-999999"})
    assert r.status_code == 422 and "not among the items proposed" in r.text


def test_request_to_release_through_the_console(site: Site, clients: Clients) -> None:
    c = clients["custodian"]
    request_id = new_request(site, c)
    page = c.get(f"/requests/{request_id}").text
    assert "No item has been proposed yet" in page and 'action="/requests/' in page
    redacted(site, c, request_id)
    page = c.get(f"/requests/{request_id}").text
    item = site.items["station"]
    [(job, token)] = re.findall(r'src="/requests/[^/]+/jobs/([0-9]+)/play\?t=([^"]+)"', page)
    assert re.search(rf'src="/evidence/{item}/files/0/play\?t=', page)  # the original beside it
    start = len(log(site))
    r = c.get(f"/requests/{request_id}/jobs/{job}/play?t={token}", headers={"Range": "bytes=0-"})
    assert r.status_code == 206 and r.headers["content-type"] == "video/mp4"
    assert c.get(f"/requests/{request_id}/jobs/{job}/play?t={token}").status_code == 200
    [entry] = log(site, start)  # one entry per playback, seeking adds none
    assert (entry["action"], entry["item"], entry["actor"]) == ("play", item, "custodian")
    assert entry["details"]["redacted"] is True and entry["details"]["request"] == request_id
    assert hashlib.sha256(r.content).hexdigest() == entry["details"]["sha256"]
    r = c.get(f"/requests/{request_id}/jobs/{job}/play?t=forged")
    assert r.status_code == 403
    auditor = clients["auditor"].get(f"/requests/{request_id}").text
    assert "<video" not in auditor and "Approve" not in auditor
    r = post(c, f"/requests/{request_id}/approve", {"link_days": "7"})
    assert r.status_code == 200 and "data-released" in r.text
    link = re.search(r'data-link value="[^"]*"|value="([^"]+)"[^>]*data-link', r.text)
    assert link and link.group(1)
    path = link.group(1).removeprefix("https://testserver")
    assert path.startswith("/release/")
    assert "data-released" not in c.get(f"/requests/{request_id}").text  # shown once
    assert status_of(c, request_id) == "released"
    requester = client(site.app(), None)
    listing = requester.get(path)
    assert listing.status_code == 200, listing.text
    files = re.findall(r'href="(/release/[^"]+)" download', listing.text)
    assert len(files) == 2  # the redacted clip and its record
    clip = requester.get(next(f for f in files if f.endswith(".redacted.mp4")))
    assert clip.status_code == 200 and clip.content.startswith(b"\x00\x00\x00")
    assert hashlib.sha256(clip.content).hexdigest() in listing.text
    assert requester.get(path[:-3] + "AAA").status_code == 404
    r = post(c, f"/requests/{request_id}/deny", {"exemption": "no-records"})
    assert r.status_code == 409 and "an ended request does not change" in r.text


def test_deny_cites_an_exemption_of_the_rule(site: Site, clients: Clients) -> None:
    c = clients["custodian"]
    request_id = new_request(site, c)
    codes = [e.code for e in load_rule(DEFAULT_RULE).exemptions]
    page = c.get(f"/requests/{request_id}").text
    assert all(f'<option value="{code}">' in page for code in codes)
    r = post(c, f"/requests/{request_id}/deny", {"exemption": "made-up"})
    assert r.status_code == 422 and codes[0] in r.text
    r = post(c, f"/requests/{request_id}/deny", {"exemption": codes[0], "note": "<i>why</i>"})
    assert r.status_code == 303
    page = c.get(f"/requests/{request_id}").text
    assert 'data-status="denied"' in page and "&lt;i&gt;why&lt;/i&gt;" in page


def test_without_a_redactor_the_page_says_so(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redactors, "DEFAULT_REDACTOR", None)
    c = client(site.app(), "custodian")
    request_id = new_request(site, c)
    assert post(c, f"/requests/{request_id}/propose").status_code == 303
    assert post(c, f"/requests/{request_id}/take", {"item": site.items["station"]}).status_code
    page = c.get(f"/requests/{request_id}").text
    assert "data-no-redactor" in page and "no redactor is installed" in page
    r = post(c, f"/requests/{request_id}/redact", {"faces": "true"})
    assert r.status_code == 422 and "no redactor is installed" in r.text
    assert status_of(c, request_id) == "found"  # nothing planned
    other = client(site.app(redactor="nowhere:redact"), "custodian")
    assert (
        "module &#39;nowhere&#39; cannot be imported" in other.get(f"/requests/{request_id}").text
    )


def test_serve_hands_the_redaction_options_to_the_app(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    given: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: given.update(app=app))
    base = ["serve", "--audit", str(site.audit), "--db", site.db_url]
    more = ["--redactor", STAND_IN, "--redis", "redis://127.0.0.1:1/0", "--workers", "3"]
    r = CliRunner().invoke(cli, [*base, *more])
    assert r.exit_code == 0, r.output
    settings = given["app"].state.settings
    assert (settings.redactor, settings.redis_url, settings.redaction_workers) == (
        STAND_IN,
        "redis://127.0.0.1:1/0",
        3,
    )
    assert CliRunner().invoke(cli, [*base, "--workers", "0"]).exit_code == 2


BOXES = """boxes:
  - label: sign
    keyframes:
      - {frame: 0, x: 4, y: 4, w: 16, h: 16}
      - {frame: 19, x: 24, y: 24, w: 16, h: 16}
"""


def test_a_track_rejected_and_accepted_again_in_the_review(site: Site) -> None:
    """With the real engine: the review lists the clip's tracks from its redaction record; a
    custodian's Reject renders the clip again without it (a new redacted clip, an entry); the
    buttons need the CSRF token and the custodian's role."""
    clients = Clients(site.app(redactor=redactors.DEFAULT_REDACTOR))
    c = clients["custodian"]
    request_id, job = in_review(site, c)
    page = c.get(f"/requests/{request_id}").text
    [track] = re.findall(r'<tr data-track="([0-9]+)">', page)
    row = page.split(f'<tr data-track="{track}">')[1].split("</tr>")[0]
    assert "manual" in row and "(sign)" in row and "20 (0–19)" in row and ">Reject<" in row
    action = f"/requests/{request_id}/jobs/{job}/tracks/{track}"
    assert c.post(action, data={"accepted": "false", "csrf_token": "forged"}).status_code == 403
    auditor = clients["auditor"]
    assert 'data-tracks="' not in auditor.get(f"/requests/{request_id}").text
    assert post(auditor, action, {"accepted": "false"}).status_code == 403
    assert (
        post(c, f"/requests/{request_id}/jobs/{job}/tracks/99", {"accepted": "false"}).status_code
        == 422
    )

    start = len(log(site))
    r = post(c, action, {"accepted": "false"})
    assert r.status_code == 303 and r.headers["location"].endswith(f"#review-{job}")
    [entry] = log(site, start)
    assert (entry["action"], entry["actor"], entry["item"]) == (
        "redaction made",
        "custodian",
        site.items["station"],
    )
    assert entry["details"]["review"] == {"track": int(track), "accepted": False}
    row = c.get(f"/requests/{request_id}").text.split(f'<tr data-track="{track}">')[1]
    assert "no (rejected)" in row.split("</tr>")[0] and ">Accept<" in row.split("</tr>")[0]
    assert post(c, action, {"accepted": "true"}).status_code == 303
    row = c.get(f"/requests/{request_id}").text.split(f'<tr data-track="{track}">')[1]
    assert ">Reject<" in row.split("</tr>")[0]
    assert post(c, f"/requests/{request_id}/approve", {"link_days": "7"}).status_code == 200
    assert 'data-tracks="' not in c.get(f"/requests/{request_id}").text  # nothing left to decide


def test_jobs_left_waiting_start_with_the_console(site: Site) -> None:
    """Jobs planned while no console ran (or left queued by one that stopped) are run from the
    console's start, not from the next redaction someone asks for."""
    releases = Releases(site.vault())
    request = releases.log_request(
        NewRequest(
            "A reporter",
            datetime.now(UTC).date(),
            "the stop",
            filters=Filters(officer_ids=(officer_of(site, site.items["station"]),)),
        ),
        load_rule(DEFAULT_RULE),
        actor="custodian",
    )
    releases.propose(request.id)
    releases.take(request.id, [site.items["station"]], actor="custodian")
    [job] = releases.plan_redaction(request.id, RedactionChoices(), actor="custodian")
    assert job.status == "queued"
    releases.vault.engine.dispose()
    with TestClient(site.app(redactor=STAND_IN), base_url="https://testserver") as started:
        deadline = time.monotonic() + 60
        while Releases(site.vault()).request(request.id).request.status is not Status.REVIEW:
            assert time.monotonic() < deadline, "the waiting job never ran"
            time.sleep(0.2)
        assert started.get("/").status_code == 200


def in_review(site: Site, c: TestClient, item: str | None = None) -> tuple[str, str]:
    """A request in review whose station clip (or ``item``) the real engine redacted (the
    sign's box only, no detector); its id and the job's."""
    request_id = new_request(site, c)
    assert post(c, f"/requests/{request_id}/propose").status_code == 303
    r = post(c, f"/requests/{request_id}/take", {"item": item or site.items["station"]})
    assert r.status_code == 303, r.text
    r = post(c, f"/requests/{request_id}/redact", {"style": "solid", "boxes": BOXES})
    assert r.status_code == 303, r.text
    deadline = time.monotonic() + 120
    while status_of(c, request_id) == "redacting":
        assert time.monotonic() < deadline, c.get(f"/requests/{request_id}/jobs").text
        time.sleep(0.2)
    [job] = re.findall(r'data-tracks="([0-9]+)"', c.get(f"/requests/{request_id}").text)
    return request_id, job


def test_a_box_drawn_on_a_frame_in_the_review(site: Site) -> None:
    """The frame to draw on is the original for the custodian, a ``view`` entry each time,
    refused to other roles and past the clip's end (422, the reason as text); the box form
    renders the clip again with a new track, and a box outside the frame is the page with the
    reason (422). The clip has no sound: the page says so, and mutes are refused."""
    clients = Clients(site.app(redactor=redactors.DEFAULT_REDACTOR))
    c = clients["custodian"]
    request_id, job = in_review(site, c)
    page = c.get(f"/requests/{request_id}").text
    assert f'data-box-editor="{job}"' in page and 'viewBox="0 0 32 32"' in page
    assert "data-no-audio" in page and "data-waveform" not in page  # a clip without sound
    r = post(c, f"/requests/{request_id}/jobs/{job}/mutes", {"mutes": "0.2-0.4"})
    assert r.status_code == 422 and "no audio track" in r.text
    frame = f"/requests/{request_id}/jobs/{job}/frame"
    start = len(log(site))
    r = c.get(frame, params={"at": "0:00.3"})
    assert (r.status_code, r.headers["content-type"], r.headers["x-frame"]) == (
        200,
        "image/jpeg",
        "3",
    )
    [seen] = log(site, start)
    assert (seen["action"], seen["item"], seen["details"]["redacted"]) == (
        "view", site.items["station"], False
    )  # fmt: skip
    late = c.get(frame, params={"at": "5"})
    assert late.status_code == 422 and "past the clip's last frame" in late.text
    assert c.get(frame, params={"at": "soon"}).status_code == 422
    for role in PUBLIC:
        if role != "custodian":  # only the custodian reviews; the public is sent to sign in
            assert clients[role].get(frame).status_code in (401, 403), role

    boxes = f"/requests/{request_id}/jobs/{job}/boxes"
    box = {"at": "0.3", "x": "8", "y": "8", "w": "12", "h": "12", "mode": "fixed", "until": "1"}
    outside = post(c, boxes, {**box, "x": "24"})
    assert outside.status_code == 422 and "reaches outside the 32×32 frame" in outside.text
    assert post(clients["auditor"], boxes, box).status_code == 403
    start = len(log(site))
    r = post(c, boxes, {**box, "label": "screen"})
    assert r.status_code == 303 and r.headers["location"].endswith(f"#review-{job}")
    [entry] = log(site, start)
    assert entry["action"] == "redaction made" and entry["details"]["review"]["box"]["x"] == 8
    row = c.get(f"/requests/{request_id}").text.split('<tr data-track="2">')[1].split("</tr>")[0]
    assert "(screen)" in row and "8 (3–10)" in row


def test_mutes_set_on_the_waveform_in_the_review(site: Site) -> None:
    """A clip with sound shows its waveform (an inline SVG drawn from the original's peaks) and
    its mutes; setting ranges writes the clip again and shades them; overlapping ranges or a
    clip without sound are the page with the reason (422)."""
    clients = Clients(site.app(redactor=redactors.DEFAULT_REDACTOR))
    c = clients["custodian"]
    item = tone_item(site, officer_of(site, site.items["station"]))
    request_id, job = in_review(site, c, item)
    page = c.get(f"/requests/{request_id}").text
    assert f'data-waveform="{job}"' in page and "data-muted" not in page
    mutes = f"/requests/{request_id}/jobs/{job}/mutes"
    bad = post(c, mutes, {"mutes": "0.2-0.8 0:00.5-1"})
    assert bad.status_code == 422 and "overlap: make them one range (0.2-1)" in bad.text
    assert post(c, mutes, {"mutes": "1-0.5"}).status_code == 422
    assert post(clients["auditor"], mutes, {"mutes": "0.2-0.4"}).status_code == 403
    start = len(log(site))
    r = post(c, mutes, {"mutes": "0.2-0.4, 1-1.5"})
    assert r.status_code == 303 and r.headers["location"].endswith(f"#review-{job}")
    [entry] = log(site, start)
    assert entry["details"]["review"] == {"mutes_ms": [[200, 400], [1000, 1500]]}
    page = c.get(f"/requests/{request_id}").text
    assert page.count("data-muted") == 2 and 'value="0.2-0.4 1-1.5"' in page
