"""``onrecord vault`` end to end on SQLite: init, ingest of PyAV clips, log, checkpoint, verify
(exit 0, then 1 naming a tampered entry), prove, bundle (accepted by the standalone verifier);
and the plain messages with exit status 2 for requests that cannot be done. The blob store is an
in-memory one shared by the commands (the real stores have their own tests)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner, Result

from memory_store import MemoryStore
from onrecord.cli.app import app
from onrecord.database import connection as db
from onrecord.database.vault import VaultEntry
from onrecord.vault import verify_bundle
from onrecord.vault.checkpoint import verify_checkpoint
from onrecord.vault.merkle import leaf_hash, verify_consistency, verify_inclusion
from vault_service_support import make_clip, store_wired

runner = CliRunner()
ORIGIN = "vault.somerville.example/bwc"


def run(*args: str) -> Result:
    return runner.invoke(app, list(args))


def said(result: Result) -> str:
    return " ".join(result.output.split())


@pytest.fixture
def store() -> Iterator[MemoryStore]:
    memory = MemoryStore()
    with store_wired(memory):
        yield memory


@pytest.fixture
def url(tmp_path: Path, store: MemoryStore) -> str:
    """A vault made by `onrecord vault init`, with two clips ingested."""
    database = f"sqlite:///{tmp_path / 'onrecord.db'}"
    made = run(
        "vault", "init", "--db", database, "--store", str(tmp_path / "blobs"),
        "--origin", ORIGIN, "--keys", str(tmp_path / "keys"),
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    assert f"Vault {ORIGIN} created" in said(made)
    assert (tmp_path / "keys" / "vkey").read_text().strip() in made.output
    clips = [make_clip(tmp_path / f"clip-{i}.mp4") for i in (1, 2)]
    (tmp_path / "clip-2.mp4").write_bytes((tmp_path / "clip-2.mp4").read_bytes() + b"\0")
    done = run(
        "vault", "ingest", *map(str, clips), "--db", database, "--officer", "1234",
        "--camera", "CAM-1", "--category", "traffic stop", "--case", "24-001", "--actor", "clerk",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "clip-1.mp4: ingested as V-2026-" in said(done)
    return database


def test_init_ingest_log_checkpoint_verify_prove_and_bundle(url: str, tmp_path: Path) -> None:
    log = run("vault", "log", "--db", url)
    assert log.exit_code == 0, log.output
    assert [line.split("│")[4].strip() for line in log.output.splitlines() if "│" in line] == [
        "vault created", "ingest", "ingest",
    ]  # fmt: skip
    checkpoint = run("vault", "checkpoint", "--db", url)
    assert "The log has not grown; the latest checkpoint, of 3 entries:" in said(checkpoint)
    assert checkpoint.output.splitlines()[1] == ORIGIN

    verified = run("vault", "verify", "--db", url)
    assert verified.exit_code == 0, verified.output
    assert "The vault verifies" in said(verified)

    proved = run("vault", "prove", "--db", url, "--entry", "1", "--from-size", "1")
    assert proved.exit_code == 0, proved.output
    doc = json.loads(proved.output)
    vkey = (tmp_path / "keys" / "vkey").read_text().strip()
    root = verify_checkpoint(doc["checkpoint"], vkey).root
    path = [base64.b64decode(h) for h in doc["inclusion"]]
    leaf = leaf_hash(doc["entry"].encode())
    assert verify_inclusion(leaf, 1, doc["tree_size"], path, root)
    old_root, proof = (
        base64.b64decode(doc["old_root"]),
        [base64.b64decode(h) for h in doc["consistency"]],
    )
    assert verify_consistency(1, 3, old_root, root, proof)

    item = json.loads(doc["entry"])["item"]
    out = tmp_path / "bundle"
    bundled = run("vault", "bundle", item, "--db", url, "--out", str(out), "--actor", "clerk")
    assert bundled.exit_code == 0, bundled.output
    assert f"Wrote {out}: 1 item(s), 1 file(s), 2 entries" in said(bundled)
    assert verify_bundle.verify(out) == []


def test_verify_names_a_tampered_entry_and_exits_1(url: str) -> None:
    with db.connect(url).begin() as con:
        con.execute(update(VaultEntry).where(VaultEntry.idx == 1).values(body=b"{}"))
    result = run("vault", "verify", "--db", url)
    assert result.exit_code == 1
    assert "✗ entry 1: its bytes do not hash to the leaf hash stored with them" in said(result)
    assert "The vault does not verify" in said(result)


def test_bad_requests_exit_2_with_a_plain_message(
    url: str, tmp_path: Path, store: MemoryStore
) -> None:
    new, clip = tmp_path / "new.db", tmp_path / "clip-1.mp4"
    ingest = f"vault ingest {clip} --db {url} --officer 1 --camera C"
    cases = [
        (f"vault log --db {tmp_path / 'none.db'}", "none.db does not exist; create the vault"),
        (f"vault bundle V-2026-999999 --db {url} --out {tmp_path / 'b'}", "no item V-2026-999999"),
        (f"vault bundle V-2026-000001 --db {url} --out {tmp_path}", "already exists; give a new"),
        (f"vault prove --db {url} --entry 7", "entry 7 is not in the latest checkpoint"),
        (f"vault init --db {url} --store x --origin o --keys {tmp_path}/k2", "already holds"),
        (f"vault init --db {new} --store x --origin o --keys {tmp_path}/keys", "give --keys a new"),
        (f"vault init --db {new} --store x --origin a+b --keys {tmp_path}/k3", "no spaces or '+'"),
        (f"{ingest} --start 2026-12-01T14:00", "has no time zone; add Z (UTC) or an offset"),
        (f"{ingest} --start 14:00Z", "is not a date and time like 2026-12-01T14:03:07Z"),
        (f"vault ingest {tmp_path}/nope.mp4 --db {url} --officer 1 --camera C", "no such file"),
    ]
    for args, message in cases:
        result = run(*args.split())
        assert result.exit_code == 2, (args, result.output)
        assert message in said(result), (args, result.output)
        assert "Traceback" not in result.output
    empty = tmp_path / "empty.db"
    db.upgrade(db.connect(str(empty), create=True))
    result = run("vault", "verify", "--db", str(empty))
    assert result.exit_code == 2 and "holds no vault; create one with" in said(result)


def test_a_full_store_is_a_plain_message(url: str, tmp_path: Path, store: MemoryStore) -> None:
    store.capacity = 1
    clip = make_clip(tmp_path / "later.mp4", frames=5)
    result = run("vault", "ingest", str(clip), "--db", url, "--officer", "1", "--camera", "C")
    assert result.exit_code == 2, result.output
    assert "✗ memory store full" in said(result)
