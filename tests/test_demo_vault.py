"""``scripts/demo_vault.py`` (``make demo``): the demo department's recordings delivered as
clips through the Axis content destination (swiftclient against uvicorn) into the vault over an
in-memory store, each an item whose officer, camera, times and stop reason are the package's,
and whose clip a browser can play (H.264 in MP4)."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import av
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

import onrecord
from memory_store import MemoryStore
from onrecord.cli.app import app
from onrecord.database.vault import VaultEntry
from onrecord.web.app import create_app
from onrecord.web.settings import Settings
from vault_service_support import make_vault, store_wired

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "demo_vault.py"


def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo_vault", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["demo_vault"] = module
    spec.loader.exec_module(module)
    return module


def test_the_demo_delivers_clips_that_the_audit_reads(tmp_path: Path) -> None:
    runner = CliRunner()
    demo, url = tmp_path / "demo", f"sqlite:///{tmp_path / 'demo.db'}"
    made = runner.invoke(app, ["demo-data", "--out", str(demo), "--officers", "30", "--days", "2"])
    assert made.exit_code == 0, made.output
    assert runner.invoke(app, ["fleet", "init", str(demo), "--db", url]).exit_code == 0
    store = MemoryStore()
    vault = make_vault(url, tmp_path / "keys", store)
    args = ["--db", url, "--package", str(demo), "--officers", "3", "--per-officer", "2"]
    with store_wired(store):
        assert script().main([*args, "--keys", str(tmp_path / "keys")]) == 0

    package = onrecord.load(demo)
    officers = dict(package.con.sql("SELECT officer_id, station_id FROM officers").fetchall())
    exported = tmp_path / "exported"
    done = runner.invoke(app, ["fleet", "export", "--db", url, "--out", str(exported)])
    assert done.exit_code == 0, done.output
    with (exported / "recordings.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 6 and len({r["officer_id"] for r in rows}) == 3
    # Officers of A-1 (the demo supervisor's station) first, then by id, among those with two
    # recordings on a known camera.
    counts = package.con.sql(
        """SELECT officer_id, count(*) FROM recordings JOIN cameras USING (camera_id)
        WHERE "end" > start GROUP BY officer_id HAVING count(*) >= 2"""
    ).fetchall()
    first = sorted((officers[o] != "A-1", o) for o, _ in counts)[:3]
    assert {r["officer_id"] for r in rows} == {o for _, o in first}
    assert any(officers[r["officer_id"]] == "A-1" for r in rows)
    check = onrecord.load(exported)
    theirs = {
        (o, c, s, e, r or "")
        for o, c, s, e, r in package.con.sql(
            'SELECT officer_id, camera_id, start, "end", stop_reason FROM recordings'
        ).fetchall()
    }
    ours = check.con.sql(
        'SELECT officer_id, camera_id, start, "end", stop_reason, sha256 FROM recordings'
    ).fetchall()
    for officer, camera, start, end, reason, sha in ours:
        assert (officer, camera, start, end, reason or "") in theirs  # the package's own
        clip = store.blobs[sha]
        assert hashlib.sha256(clip).hexdigest() == sha
        with av.open(io.BytesIO(clip)) as media:
            video = media.streams.video[0]
            assert (video.codec_context.name, video.width, video.height) == ("h264", 160, 96)
            assert media.duration is not None and 2.5e6 <= media.duration <= 3.5e6
    with Session(vault.engine) as s:
        ingests = [
            json.loads(e.body)
            for e in s.scalars(select(VaultEntry).where(VaultEntry.action == "ingest"))
        ]
    assert len(ingests) == 6
    assert {e["actor"] for e in ingests} == {"axis:demo-axis"}
    assert {e["details"]["received_via"] for e in ingests} == {"axis"}

    # The console shows them: every item to a custodian, the A-1 officers' to an investigator
    # of A-1 (as make demo's accounts see them), and plays a clip.
    audit = tmp_path / "audit"
    assert runner.invoke(app, ["audit", str(demo), "--out", str(audit)]).exit_code == 0
    for name, more in (("custodian", []), ("investigator", ["--station", "A-1"])):
        made = runner.invoke(
            app,
            ["user", "add", name, "--role", name, *more, "--db", url, "--password-stdin"],
            input=f"demo-{name}-password\n",
        )
        assert made.exit_code == 0, made.output
    console = create_app(Settings(audit_dir=audit, db_url=url), vault_store=store)
    a1 = {r["recording_id"] for r in rows if officers[r["officer_id"]] == "A-1"}
    for name, expected in (("custodian", {r["recording_id"] for r in rows}), ("investigator", a1)):
        c = TestClient(console, base_url="https://testserver")
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
        assert token
        signed_in = c.post(
            "/login",
            data={"name": name, "password": f"demo-{name}-password", "csrf_token": token[1]},
            follow_redirects=False,
        )
        assert signed_in.status_code == 303, signed_in.text
        page = c.get("/evidence?limit=100")
        assert page.status_code == 200
        assert set(re.findall(r"V-\d{4}-\d{6}", page.text)) == expected, name

    # A second run delivers nothing again: the recordings are complete in the vault.
    with store_wired(store):
        assert script().main([*args, "--keys", str(tmp_path / "keys")]) == 0
    with Session(vault.engine) as s:
        assert len(s.scalars(select(VaultEntry).where(VaultEntry.action == "ingest")).all()) == 6


def test_a_database_without_a_vault_is_a_message(tmp_path: Path, capsys: Any) -> None:
    url = f"sqlite:///{tmp_path / 'none.db'}"
    assert script().main(["--db", url, "--package", str(tmp_path)]) == 2
    assert "does not exist; create the vault with" in capsys.readouterr().err
