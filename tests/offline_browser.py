"""Debian's Chromium, headless (never a downloaded browser), for every browser test: pages that
refuse and record any fetch outside what they test and record every script error, a report
opened from a file (audit and plan), and where screenshots are left for people to look at."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "build" / "test-artifacts"


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium browser, closed on leaving. Skips when Chromium or Playwright is
    missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Watch:
    """What a page did wrong: script errors, and fetches outside what it may load."""

    errors: list[str] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)


def watched_page(browser: Any, allowed: Callable[[str], bool], **options: Any) -> tuple[Any, Watch]:
    """A new page (``options`` as for ``browser.new_page``) that aborts and records every
    request whose URL is not ``allowed``, and records console errors and uncaught exceptions."""
    page = browser.new_page(**options)
    watch = Watch()
    page.on("console", lambda m: m.type == "error" and watch.errors.append(m.text))
    page.on("pageerror", lambda e: watch.errors.append(str(e)))

    def route(r: Any) -> None:
        if allowed(r.request.url):
            r.continue_()
        else:
            watch.fetched.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return page, watch


@contextmanager
def offline_page(report: Path) -> Iterator[Any]:
    """The report loaded in a 1100×900 page; on leaving, nothing was fetched and no script
    failed."""
    with chromium() as browser:
        page, watch = watched_page(
            browser, lambda url: url == report.as_uri(), viewport={"width": 1100, "height": 900}
        )
        page.goto(report.as_uri())
        yield page
    assert watch.fetched == []
    assert watch.errors == []


def artifact(name: str) -> Path:
    """Where a screenshot called ``name`` is kept for a person to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


def keep(png: Path, name: str) -> None:
    """Keep a screenshot taken elsewhere under build/test-artifacts/."""
    shutil.copy(png, artifact(name))
