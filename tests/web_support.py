"""Shared by the web tests: one small audited department, its operational database (the
checkout service's fleet, loaded from the package, and an account per role), and sign-in
through the real form.

The site is built once per run (``built_site`` in ``conftest.py``) and each test works on a copy
of its database (``site``), so that what one test changes no other test sees."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from onrecord.audit import run_audit
from onrecord.database import connection as db
from onrecord.database.fleet import CameraState, Officer
from onrecord.demo import generate
from onrecord.fleet.package_io import init_database
from onrecord.fleet.service import CheckoutService
from onrecord.web.account_store import add_user
from onrecord.web.app import create_app
from onrecord.web.results import Results, ReviewFilter
from onrecord.web.settings import Settings

PASSWORD = "a long enough password"
ROLES = ("admin", "manager", "supervisor", "auditor")


@dataclass
class Site:
    package: Path
    audit: Path
    db_url: str
    results: Results
    station: str  # the supervisor's

    def settings(self, **overrides: object) -> Settings:
        return Settings(audit_dir=self.audit, db_url=self.db_url, **overrides)  # type: ignore[arg-type]

    def app(self, **overrides: object) -> FastAPI:
        return create_app(self.settings(**overrides), self.results)

    def copy(self, root: Path) -> Site:
        """The same site over a copy of its database in ``root``: the package and the audit are
        only read, so they are shared."""
        target = root / "console.db"
        with (
            closing(sqlite3.connect(self.db_url.removeprefix("sqlite:///"))) as source,
            closing(sqlite3.connect(target)) as copy,
        ):
            source.backup(copy)
        return replace(self, db_url=f"sqlite:///{target}")

    @contextmanager
    def service(self) -> Iterator[CheckoutService]:
        """The checkout service over the site's database, closed on leaving."""
        svc = CheckoutService.open(self.db_url)
        try:
            yield svc
        finally:
            svc.engine.dispose()


def build_site(root: Path) -> Site:
    """A department over five weeks (so the monthly trend has two points), audited under
    Boston's rule and compared with the mandate, its fleet loaded with the package's history,
    and one account per role."""
    generate(root / "pkg", officers=60, days=35, seed=3)
    run_audit(root / "pkg", root / "audit", policy="boston-rule-405-2019", compare="mandate-all")
    results = Results(root / "audit")
    station = results.review(ReviewFilter()).rows[0]["station_id"]
    url = f"sqlite:///{root / 'console.db'}"
    engine = db.connect(url, create=True)
    init_database(engine, root / "pkg")
    for role in ROLES:
        add_user(engine, role, role, PASSWORD, station if role == "supervisor" else None)
    engine.dispose()
    return Site(root / "pkg", root / "audit", url, results, station)


def policy_yaml(policy_id: str) -> str:
    """A department policy: Boston's rule widened to overtime, with a minute's start grace."""
    return (
        f"id: {policy_id}\n"
        "title: Overtime on camera too\n"
        "camera_required:\n"
        "  shift_kinds: [regular, overtime]\n"
        "  uniformed_only: true\n"
        "recording_required:\n"
        "  start_grace_s: 60\n"
    )


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


class Clients(dict[str, TestClient]):
    """A client per role on one app (``"public"``: signed out), each signed in when first asked
    for (a sign-in checks a password hash, which takes a while)."""

    def __init__(self, app: FastAPI) -> None:
        super().__init__()
        self.app = app

    def __missing__(self, role: str) -> TestClient:
        self[role] = client(self.app, None if role == "public" else role)
        return self[role]


def client(app: FastAPI, role: str | None) -> TestClient:
    """A client over https (the cookies are Secure), signed in as ``role`` (None: public)."""
    c = TestClient(app, base_url="https://testserver")
    if role is not None:
        token = csrf_of(c.get("/login").text)
        r = c.post(
            "/login",
            data={"name": role, "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
    return c


def free_officer(svc: CheckoutService, station: str) -> str:
    """An officer of ``station`` who may take a camera today and holds none."""
    with svc.readers() as s:
        holders = set(s.scalars(select(CameraState.officer_id)))
        for o in s.scalars(select(Officer).where(Officer.station_id == station)):
            if o.trained_on and not o.active_to and o.officer_id not in holders:
                return o.officer_id
    raise AssertionError(f"no free officer at {station}")


def get_paths(app: FastAPI) -> set[str]:
    """Every GET path the app answers, walking included routers (which FastAPI keeps as one
    entry each in ``app.routes``), so a test can compare them with the paths it knows."""

    def walk(routes: list[Any], prefix: str) -> Iterator[str]:
        for r in routes:
            context = getattr(r, "include_context", None)
            if context is not None:
                yield from walk(r.original_router.routes, prefix + context.prefix)
            elif "GET" in (getattr(r, "methods", None) or ()):
                yield prefix + r.path

    return set(walk(list(app.routes), ""))
