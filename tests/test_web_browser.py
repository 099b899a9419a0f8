"""The console in a real browser (Debian's chromium): the public dashboard shows summary.json's
numbers and fetches nothing from outside; an auditor signs in and works the review queue down to
an encounter's timeline; an admin adds a department policy and reads its differences; a
custodian takes a records request from logging to release (the stand-in redactor).
Screenshots go to build/test-artifacts/ for people to look at."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn

from offline_browser import Watch, artifact, chromium, watched_page
from onrecord.database.vault import VaultItem
from onrecord.policy import diff, load_policy, parse_policy
from onrecord.presentation.cells import percent
from onrecord.release.redactor import DEFAULT_REDACTOR
from onrecord.web.results import ReviewFilter
from web_support import PASSWORD, Site, free_officer, policy_yaml, tone_item


@contextmanager
def _served(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn on a free port in this process; its URL, then stopped."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def base_url(site: Site) -> Iterator[str]:
    """The app over this test's site (the stand-in redactor), stopped after the test."""
    with _served(site.app(secure_cookies=False, redactor="release_support:copy_frames")) as url:
        yield url


@pytest.fixture
def engine_url(site: Site) -> Iterator[str]:
    """The app over this test's site with the redaction engine as its redactor."""
    with _served(site.app(secure_cookies=False, redactor=DEFAULT_REDACTOR)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def _page(browser: Any, base_url: str, **options: Any) -> tuple[Any, Watch]:
    """A page that may load only this site."""
    return watched_page(browser, lambda url: url.startswith(base_url), **options)


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(artifact(f"web-{name}.png")), full_page=True)


def test_public_dashboard_shows_summary_json(site: Site, base_url: str, browser: Any) -> None:
    summary = json.loads((site.audit / "summary.json").read_text())
    page, watch = _page(browser, base_url, viewport={"width": 1200, "height": 900})
    page.goto(base_url + "/")
    for key in ("equipment_rate", "compliance_rate", "hours_on_camera_rate"):
        shown = page.locator(f"[data-metric={key}]").inner_text()
        assert shown == percent(summary["rates"]["overall"][key]["rate"])
        denominator = page.locator(f'[data-metric="{key}.denominator"]').inner_text()
        expected = summary["rates"]["overall"][key]["denominator"]
        assert denominator.replace(",", "") == f"{expected:.0f}"
    assert summary["policy"]["id"] in page.locator("[data-fact=policy]").inner_text()
    _shot(page, "public-dashboard")
    phone, phone_watch = _page(browser, base_url, viewport={"width": 390, "height": 844})
    phone.goto(base_url + "/")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the dashboard scrolls sideways on a phone ({width}px)"
    _shot(phone, "public-dashboard-phone")
    phone.goto(base_url + "/data")
    with phone.expect_download() as download:
        phone.locator("a[href='/data/by-month.csv']").click()
    assert download.value.suggested_filename == "onrecord-by-month.csv"
    assert watch == Watch() and phone_watch == Watch()


def test_auditor_works_the_review_queue(site: Site, base_url: str, browser: Any) -> None:
    page, watch = _page(browser, base_url, viewport={"width": 1200, "height": 900})
    page.goto(base_url + "/review")
    assert page.locator("h1").inner_text() == "Sign in"
    page.fill("#name", "auditor")
    page.fill("#password", PASSWORD)
    with page.expect_navigation(url="**/review"):  # a new page, not this one
        page.keyboard.press("Enter")
    total = int(page.locator("[data-total]").get_attribute("data-total") or 0)
    assert total == site.results.review(ReviewFilter()).total
    page.select_option("select[name=outcome]", "no_video")  # htmx swaps the rows in
    page.wait_for_function(
        "t => document.querySelector('[data-total]').dataset.total != t", arg=str(total)
    )
    assert "outcome=no_video" in page.url
    outcomes = page.locator("table.review tbody td:nth-child(7)").all_inner_texts()
    assert outcomes and set(outcomes) == {"no video"}
    page.locator("table.review thead th", has_text="Station").click()  # sortable after a swap
    stations = page.locator("table.review tbody td:nth-child(4)").all_inner_texts()
    assert stations == sorted(stations)
    _shot(page, "review-queue")
    page.locator("table.review tbody a").first.click()
    page.wait_for_url("**/review/E*")
    assert page.locator("[data-outcome]").get_attribute("data-outcome") == "no_video"
    assert page.locator("svg.chart rect").count() >= 2
    _shot(page, "encounter-timeline")
    page.goto(base_url + "/access-log")
    assert page.locator("tbody tr", has_text="/review?").count() >= 1
    page.goto(base_url + "/gap")
    _shot(page, "gap")
    page.goto(base_url + "/policies")
    _shot(page, "policies")
    page.locator("button", has_text="Sign out").click()
    page.wait_for_url(base_url + "/")
    assert page.locator("a", has_text="Sign in").count() == 1
    # the only error is the sign-in page's own 401 status, which the browser reports
    assert [e for e in watch.errors if "status of 401" not in e] == [] and watch.fetched == []


def test_manager_checks_a_camera_out_and_in_at_the_kiosk(
    site: Site, base_url: str, browser: Any
) -> None:
    """By keyboard only, on a phone's width: a badge number in, a camera out; its id in, back."""
    page, watch = _page(browser, base_url, viewport={"width": 390, "height": 844})
    page.goto(f"{base_url}/kiosk/{site.station}")
    page.fill("#name", "manager")
    page.fill("#password", PASSWORD)
    with page.expect_navigation(url=f"**/kiosk/{site.station}"):  # a new page, not this one
        page.keyboard.press("Enter")
    with site.service() as svc:
        officer = free_officer(svc, site.station)
    page.wait_for_function("document.activeElement.id === 'badge'")  # autofocus
    page.keyboard.type(officer)
    page.keyboard.press("Enter")  # htmx posts the form and swaps the answer in
    issued = page.locator("[data-answer=issued] [data-camera]")
    issued.wait_for()
    camera = issued.get_attribute("data-camera") or ""
    assert page.input_value("#badge") == ""  # cleared for the next officer
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the kiosk scrolls sideways on a phone ({width}px)"
    _shot(page, "kiosk-checkout")
    page.keyboard.type(officer)
    page.keyboard.press("Enter")
    page.locator("[data-answer=refused][data-reason=already_holds]").wait_for()
    _shot(page, "kiosk-refused")
    page.focus("#camera")
    page.keyboard.type(camera)
    page.keyboard.press("Enter")
    page.locator("[data-answer=docked]").wait_for()
    assert camera in page.locator("#answer").inner_text()
    _shot(page, "kiosk-checkin")
    with site.service() as svc:
        assert svc.officer_camera(officer) is None
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(f"{base_url}/fleet")
    page.screenshot(path=str(artifact("web-fleet.png")))  # the top: the stations table
    page.locator(f"#station-{site.station}").scroll_into_view_if_needed()
    page.screenshot(path=str(artifact("web-fleet-station.png")))
    assert [e for e in watch.errors if "status of 401" not in e] == [] and watch.fetched == []


def test_admin_adds_a_policy_and_sees_its_diff(site: Site, base_url: str, browser: Any) -> None:
    """By keyboard: paste the YAML, Tab to the button, Enter; the page opens on the new policy
    against the audited one, the rules that differ highlighted."""
    page, watch = _page(browser, base_url, viewport={"width": 1200, "height": 900})
    page.goto(base_url + "/policies")
    page.fill("#name", "admin")
    page.fill("#password", PASSWORD)
    with page.expect_navigation(url="**/policies"):  # a new page, not this one
        page.keyboard.press("Enter")
    page.focus("#policy-text")
    page.keyboard.insert_text(policy_yaml("dept-browser"))
    page.keyboard.press("Tab")  # the file chooser
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Add policy"
    with page.expect_navigation(
        url="**/policies?a=dept-browser&b=boston-rule-405-2019#compare-two"
    ):  # a new page, not this one
        page.keyboard.press("Enter")
    table = page.locator("table.policy-diff")
    assert table.get_attribute("data-b") == "boston-rule-405-2019"
    expected = diff(parse_policy(policy_yaml("dept-browser")), load_policy("boston-rule-405-2019"))
    marked = page.locator("table.policy-diff tr.differs").evaluate_all(
        "rows => rows.map(r => r.dataset.differs)"
    )
    assert marked == [d.key for d in expected]
    page.locator("#compare-two").screenshot(path=str(artifact("web-policy-diff.png")))
    page.select_option("#compare-b", "mandate-all")  # htmx swaps the comparison in
    page.wait_for_selector("table.policy-diff[data-b=mandate-all]")
    assert "b=mandate-all" in page.url
    assert page.locator("tr[data-policy=dept-browser]", has_text="active").count() == 1
    _shot(page, "policies-admin")
    assert [e for e in watch.errors if "status of 401" not in e] == [] and watch.fetched == []


def test_custodian_finds_an_item_and_plays_it(site: Site, base_url: str, browser: Any) -> None:
    """By keyboard: search by the item's category, open it, play its clip; the clip comes in
    byte ranges and the custody log holds one view and one play for it."""
    item = site.items["station"]
    page, watch = _page(browser, base_url, viewport={"width": 1200, "height": 900})
    page.goto(base_url + "/evidence")
    page.fill("#name", "custodian")
    page.fill("#password", PASSWORD)
    with page.expect_navigation(url="**/evidence"):
        page.keyboard.press("Enter")
    page.select_option("select[name=category]", "traffic stop")  # htmx swaps the rows in
    page.wait_for_function("() => document.querySelector('[data-total]').dataset.total === '1'")
    page.locator(f"table.evidence a[href='/evidence/{item}']").focus()
    with page.expect_navigation(url=f"**/evidence/{item}"):
        page.keyboard.press("Enter")
    assert page.locator("code.hash").count() == 3
    assert page.locator("svg polyline").count() == 1
    page.locator("video").focus()
    with page.expect_response(lambda r: "/play?" in r.url) as answer:
        page.keyboard.press("Space")  # play: the browser asks for the clip by ranges
    first = answer.value
    assert first.status == 206 and first.request.headers["range"].startswith("bytes=0-")
    assert first.headers["content-range"].startswith("bytes 0-")
    _shot(page, "evidence-item")
    vault = site.vault()
    actions = [json.loads(e.body)["action"] for e in vault.entries(limit=1000, item=item)]
    vault.engine.dispose()
    assert actions.count("view") == 1 and actions.count("play") == 1
    assert [e for e in watch.errors if "status of 401" not in e] == [] and watch.fetched == []


def log_request(page: Any, base_url: str, officer: str, requester: str, description: str) -> None:
    """Sign in as the custodian at the requests page and log a request for ``officer``'s
    morning of 30 November through its form, by keyboard and fields."""
    page.goto(base_url + "/requests")
    page.fill("#name", "custodian")
    page.fill("#password", PASSWORD)
    with page.expect_navigation(url="**/requests"):
        page.keyboard.press("Enter")
    page.fill("#requester", requester)
    page.fill("#description", description)
    page.fill("#officers", officer)
    page.fill("#time_from", "2026-11-30T08:00")
    page.fill("#time_to", "2026-11-30T11:00")
    with page.expect_navigation(url="**/requests/R-*"):
        page.locator("button", has_text="Log the request").click()


def test_custodian_takes_a_request_to_release(site: Site, base_url: str, browser: Any) -> None:
    """Log a request, find and take its item (by keyboard), redact it (the stand-in redactor,
    progress polled by htmx until the page reloads in review), see the redacted clip beside its
    original, approve: the requester's link lists the files and downloads the clip."""
    item = site.items["station"]
    vault = site.vault()
    with vault.readers() as s:
        officer = vault_item_officer(s, item)
    vault.engine.dispose()
    page, watch = _page(browser, base_url, viewport={"width": 1200, "height": 900})
    log_request(page, base_url, officer, "The Daily <Record>", "The traffic stop on 30 November")
    assert page.locator("[data-requester]").inner_text() == "The Daily <Record>"
    with page.expect_navigation():
        page.locator("button", has_text="Find matching items").click()
    page.locator(f"#take-{item}").focus()
    page.keyboard.press("Space")
    assert page.locator(f"#take-{item}").is_checked()
    with page.expect_navigation():
        page.locator("button", has_text="Take the ticked items").click()
    assert page.locator("[data-status]").get_attribute("data-status") == "found"
    page.select_option("#style", "pixelate")
    with page.expect_navigation():
        page.locator("button", has_text="Start the redaction").click()
    # htmx polls the jobs; once all are done the page reloads itself in review
    page.wait_for_selector("[data-status=review]", timeout=60_000)
    redacted = page.locator("video[data-redacted]")
    original = page.locator(f"video[data-original='{item}']")
    assert redacted.count() == 1 and original.count() == 1
    clip = page.request.get(base_url + (redacted.get_attribute("src") or ""))
    assert clip.status == 200 and len(clip.body()) > 0
    _shot(page, "request-review")
    with page.expect_navigation():
        page.locator("button", has_text="Approve and release").click()
    link = page.locator("[data-link]").input_value()
    assert link.startswith(base_url + "/release/")
    assert page.locator("[data-status]").get_attribute("data-status") == "released"
    _shot(page, "request-released")
    requester, requester_watch = _page(browser, base_url)
    requester.goto(link)
    files = requester.locator("tr[data-file]")
    assert files.count() == 2
    with requester.expect_download() as download:
        requester.locator("a", has_text=".redacted.mp4").click()
    assert download.value.suggested_filename.endswith(".redacted.mp4")
    assert [e for e in watch.errors if "status of 401" not in e] == [] and watch.fetched == []
    assert requester_watch == Watch()


def test_custodian_edits_a_redaction_by_keyboard_and_releases_it(
    site: Site, engine_url: str, browser: Any
) -> None:
    """With the redaction engine: a clip with sound redacted with nothing found; in the review
    the custodian shows a frame, places a box with the arrow keys (Shift resizes) and holds it
    for a second, marks a range on the waveform by typing it, and approves. Each edit renders
    the clip again (a new track row, a shaded range)."""
    vault = site.vault()
    with vault.readers() as s:
        officer = vault_item_officer(s, site.items["station"])
    vault.engine.dispose()
    item = tone_item(site, officer)
    page, watch = _page(browser, engine_url, viewport={"width": 1200, "height": 900})
    log_request(page, engine_url, officer, "A neighbour", "The stop, with its sound")
    with page.expect_navigation():
        page.locator("button", has_text="Find matching items").click()
    page.locator(f"#take-{item}").focus()
    page.keyboard.press("Space")
    with page.expect_navigation():
        page.locator("button", has_text="Take the ticked items").click()
    page.locator("input[name=faces]").uncheck()
    with page.expect_navigation():
        page.locator("button", has_text="Start the redaction").click()
    page.wait_for_selector("[data-status=review]", timeout=120_000)
    editor = page.locator("[data-box-editor]")
    editor.locator("[data-frame-at]").fill("0.5")
    editor.locator("[data-frame-at]").press("Enter")
    status = editor.locator("[data-frame-status]")
    page.wait_for_function("s => s.textContent.startsWith('Frame 5')", arg=status.element_handle())
    assert (
        editor.locator("[data-frame-image]")
        .get_attribute("href", timeout=5000)
        .startswith("data:image/jpeg")
    )
    frame = editor.locator("svg[data-frame]")
    frame.focus()
    for key in ("ArrowRight", "ArrowRight", "ArrowDown", "Shift+ArrowRight", "Shift+ArrowDown"):
        page.keyboard.press(key)
    numbers = [editor.locator(f"[data-box-{f}]").input_value() for f in "xywh"]
    assert numbers == ["4", "2", "18", "18"]  # 16×16 from the corner, moved 2+2 and 2, grown 2
    assert frame.locator("[data-box]").get_attribute("width") == "18"
    editor.locator("input[name=mode][value=fixed]").check()
    editor.locator("input[name=until]").fill("1")
    editor.locator("input[name=label]").fill("a screen")
    with page.expect_navigation():
        editor.locator("button", has_text="Add the box").click()
    assert page.locator("[data-error]").count() == 0, page.locator("[data-error]").inner_text()
    assert "(a screen)" in page.locator("tr[data-track='1']").inner_text()
    mutes = page.locator("[data-mute-editor]")
    waveform = mutes.locator("svg[data-waveform]")
    waveform.scroll_into_view_if_needed()
    box = waveform.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.1, box["y"] + 10)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + 10)
    page.mouse.up()
    assert re.fullmatch(r"0\.2[0-9]-0\.6[0-9]", mutes.locator("[data-mute-range]").input_value())
    mutes.locator("[data-mute-range]").fill("0:00.5-1")  # typed: the keyboard's way
    with page.expect_navigation():
        mutes.locator("[data-mute-range]").press("Enter")
    assert page.locator("[data-error]").count() == 0, page.locator("[data-error]").inner_text()
    assert page.locator("[data-mute-editor] rect[data-muted]").count() == 1
    _shot(page, "request-review-edited")
    with page.expect_navigation():
        page.locator("button", has_text="Approve and release").click()
    assert page.locator("[data-status]").get_attribute("data-status") == "released"
    assert [e for e in watch.errors if "status of 401" not in e] == [] and watch.fetched == []


def vault_item_officer(s: Any, item_id: str) -> str:
    found = s.get(VaultItem, item_id)
    assert found is not None
    officer: str = found.officer_id
    return officer
