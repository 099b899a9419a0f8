"""Shared by the web tests: one small audited department, its operational database (the
checkout service's fleet, loaded from the package, an account per role, and an evidence vault
over an in-memory blob store holding a few recordings), and sign-in through the real form.

The site is built once per run (``built_site`` in ``conftest.py``) and each test works on a copy
of its database (``site``), so that what one test changes no other test sees."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from memory_store import MemoryStore
from onrecord.audit import run_audit
from onrecord.database import connection as db
from onrecord.database.fleet import CameraState, Officer
from onrecord.demo import generate
from onrecord.fleet.package_io import init_database
from onrecord.fleet.service import CheckoutService
from onrecord.vault.items import FileRole, IncomingFile, NewItem, Source
from onrecord.vault.service import Vault
from onrecord.web.account_store import add_user
from onrecord.web.app import create_app
from onrecord.web.results import Results, ReviewFilter
from onrecord.web.settings import Settings
from vault_service_support import make_clip, make_vault

PASSWORD = "a long enough password"
ROLES = ("admin", "manager", "supervisor", "auditor", "custodian", "investigator")
CASE = "26-000777"
"""The case the investigator is assigned."""
TRACK = {
    "CoordinateEntries": [
        {"LocationWKT": "POINT(-71.0995 42.3876)", "SecondsFromStart": 0.0,
         "Timestamp": "2026-12-01T14:00:00Z"},
        {"LocationWKT": "POINT(-71.0990 42.3880)", "SecondsFromStart": 30.0,
         "Timestamp": "2026-12-01T14:00:30Z"},
    ]
}  # fmt: skip
BOOKMARK_META = {"CategoryID": "traffic-stop", "CategoryName": "Traffic stop", "Tags": "plate:ABC"}


@dataclass
class Site:
    package: Path
    audit: Path
    db_url: str
    results: Results
    station: str  # the supervisor's and the investigator's
    store: MemoryStore  # the vault's blobs (only read by the tests, so shared by the copies)
    items: dict[str, str]  # "station": the station's officer's, "case": CASE's, "other"

    def settings(self, **overrides: object) -> Settings:
        return Settings(audit_dir=self.audit, db_url=self.db_url, **overrides)  # type: ignore[arg-type]

    def app(self, **overrides: object) -> FastAPI:
        return create_app(self.settings(**overrides), self.results, self.store)

    def vault(self) -> Vault:
        """The site's vault, over this copy's database."""
        return Vault.open(self.db_url, store=self.store)

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
        at = station if role in ("supervisor", "investigator") else None
        add_user(engine, role, role, PASSWORD, at, [CASE] if role == "investigator" else ())
    with Session(engine) as s:
        here = s.scalars(select(Officer.officer_id).where(Officer.station_id == station)).first()
        away = s.scalars(
            select(Officer.officer_id)
            .where(Officer.station_id != station)
            .order_by(Officer.officer_id)
        ).all()
    engine.dispose()
    store = MemoryStore()
    vault = make_vault(url, root / "vault-keys", store, clock=lambda: datetime.now(UTC))
    assert here is not None and len(away) >= 2
    items = {
        "station": _recording(vault, store, root, here, gnss=True).item_id,
        "case": vault.ingest(
            new_item(store, away[0], [b"the case's footage " * 50], case_ids=(CASE,)),
            actor="system", address=None,
        ).item_id,
        "other": vault.ingest(
            new_item(store, away[1], [b"another station's footage " * 50]),
            actor="system", address=None,
        ).item_id,
    }  # fmt: skip
    vault.engine.dispose()
    return Site(root / "pkg", root / "audit", url, results, station, store, items)


START = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


def new_item(store: MemoryStore, officer: str, clips: list[bytes], **more: Any) -> NewItem:
    files = []
    for n, data in enumerate(clips):
        blob = store.put([data])
        files.append(IncomingFile(f"clip-{n + 1}.mp4", "video/mp4", blob.sha256, blob.size))
    fields: dict[str, Any] = {
        "source": Source.UPLOAD,
        "officer_id": officer,
        "camera_id": "B8A44F000001",
        "start": START,
        "end": START + timedelta(minutes=5),
        "files": tuple(files),
    }
    return NewItem(**{**fields, **more})


def _recording(vault: Vault, store: MemoryStore, root: Path, officer: str, gnss: bool) -> Any:
    """A real (tiny) MPEG-4 clip, a GNSS track and a bookmark, as the Axis destination files
    them, by ``officer``."""
    clip = make_clip(root / "clip.mp4", frames=20).read_bytes()
    item = new_item(store, officer, [clip], categories=("traffic stop",))
    track = store.put([json.dumps(TRACK).encode()])
    mark = store.put([b"Driver stopped at the lights."])
    extra = (
        IncomingFile("rec_gpstrail.json", "application/json", track.sha256, track.size,
                     FileRole.GNSS),
        IncomingFile("bookmark_1", "text/plain", mark.sha256, mark.size, FileRole.BOOKMARK),
    )  # fmt: skip
    meta = {"axis.object.bookmark_1": json.dumps(BOOKMARK_META)}
    item = replace(item, files=item.files + extra if gnss else item.files, metadata=meta,
                   trigger_on_reason="TriggerOnButton")  # fmt: skip
    return vault.ingest(item, actor="axis", address=None)


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


def tone_item(site: Site, officer: str) -> str:
    """A second recording by ``officer`` beside the station's, whose clip has sound (64×48, 20
    frames at 10 a second, a tone); its item id."""
    from redaction_support import make_clip as make_sounding_clip

    folder = site.db_url.removeprefix("sqlite:///").rsplit("/", 1)[0]
    clip = make_sounding_clip(Path(folder) / "tone.mp4", width=64, height=48, frames=20, fps=10)
    vault = site.vault()
    item = new_item(site.store, officer, [clip.path.read_bytes()],
                    start=START + timedelta(minutes=1))  # fmt: skip
    made = vault.ingest(item, actor="axis", address=None)
    vault.engine.dispose()
    return str(made.item_id)
