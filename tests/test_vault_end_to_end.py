"""The vault end to end on the servers a department runs: a PostgreSQL database and a SeaweedFS
S3 bucket together. Made with ``onrecord vault init``; cameras deliver through the Axis content
destination mounted in the console (python-swiftclient over HTTP); then ``vault verify``, a
bundle checked by the standalone verifier, a clip played and downloaded by byte ranges in the
console, a hold and a disposition, and one byte flipped in the bucket caught by ``verify``. And
the S3 server stopped while a camera uploads through the API. The services are tested on their
own elsewhere; these tests tie them together."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from swiftclient.client import ClientException, Connection
from typer.testing import CliRunner

from axis_support import Recording, meta, register, serving, tiny_clip
from onrecord.audit import run_audit
from onrecord.cli.app import app as cli
from onrecord.database.axis import AxisObject
from onrecord.database.vault import VaultItem
from onrecord.demo import generate
from onrecord.vault import verify_bundle
from onrecord.vault.axis.app import create_app as create_destination
from onrecord.vault.axis.headers import Kind
from onrecord.vault.axis.service import Settings as DestinationSettings
from onrecord.vault.encryption import Header
from onrecord.vault.service import Vault
from onrecord.web.app import create_app
from onrecord.web.settings import Settings
from postgres_server import PostgresServer
from s3_server import ACCESS_KEY, SECRET_KEY, SeaweedServer, seaweedfs

MiB = 1 << 20
PASSWORD = "custodian's long password"


def run(*args: str, code: int = 0, stdin: str | None = None) -> str:
    """``onrecord ARGS`` in this process; its output, after checking its exit status."""
    done = CliRunner().invoke(cli, list(args), input=stdin)
    assert done.exit_code == code, done.output
    return done.output


def large_clip() -> bytes:
    """A clip larger than the S3 store's 8 MiB part: it goes up in parts."""
    clip = tiny_clip(9)
    return clip * (9 * MiB // len(clip) + 1)


def tiny_audit(root: Path) -> Path:
    """An audit of a small generated department: the console serves one (the evidence pages
    need none of it)."""
    generate(root / "pkg", officers=3, days=1, seed=5)
    run_audit(root / "pkg", root / "audit", policy="boston-rule-405-2019")
    return root / "audit"


def sign_in(app: Any) -> TestClient:
    c = TestClient(app, base_url="https://testserver")
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
    assert token
    r = c.post(
        "/login",
        data={"name": "custodian", "password": PASSWORD, "csrf_token": token[1]},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return c


def entries(url: str, item: str | None = None) -> list[dict[str, Any]]:
    vault = Vault.open(url)
    found = [json.loads(e.body) for e in vault.entries(start=0, limit=10_000, item=item)]
    vault.engine.dispose()
    return found


def body_key(client: Any, bucket: str, prefix: str, sha: str) -> str:
    """The key of the object holding the blob ``sha``'s encrypted bytes (its header names it)."""
    header = client.get_object(Bucket=bucket, Key=f"{prefix}blobs/{sha}")["Body"].read()
    return f"{prefix}bodies/{Header.from_bytes(header).body_id.hex()}"


def test_postgresql_and_seaweedfs_together(
    postgres_server: PostgresServer,
    s3_server: SeaweedServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    url, bucket, s3 = postgres_server.new_database(), s3_server.new_bucket(), s3_server.client()
    run(
        "vault", "init", "--db", url, "--store", f"s3://{bucket}/evidence",
        "--endpoint-url", s3_server.endpoint_url, "--origin", "vault.e2e.example/bwc",
        "--keys", str(tmp_path / "keys"),
    )  # fmt: skip
    run("user", "add", "custodian", "--role", "custodian", "--db", url, "--password-stdin",
        stdin=f"{PASSWORD}\n")  # fmt: skip
    console = create_app(Settings(audit_dir=tiny_audit(tmp_path), db_url=url))

    # Two systems' cameras deliver through the console's /axis: two recordings four months
    # old (past Minnesota's 90 days), one of an hour ago; one clip goes up in S3 parts.
    now = datetime.now(UTC).replace(microsecond=0)
    old = [Recording(trigger_on=now - timedelta(days=120, hours=h)) for h in (1, 2)]
    recent = Recording(trigger_on=now - timedelta(hours=1))
    clips = {old[0].name: [tiny_clip(1), large_clip()], old[1].name: [tiny_clip(2)]}
    clips[recent.name] = [tiny_clip(3)]
    with serving(console) as base:
        run("vault", "connection-file", "--db", url, "--base-url", f"{base}/axis",
            "--out", str(tmp_path / "connection.json"))  # fmt: skip
        doc = json.loads((tmp_path / "connection.json").read_text())
        conn = Connection(
            authurl=doc["AuthenticationTokenURI"][0], user=doc["BlobAPIUserName"],
            key=doc["BlobAPIKey"], auth_version="1", retries=0,
        )  # fmt: skip
        register(conn)
        for r in (*old, recent):
            conn.put_container(r.name, headers=r.container_meta())
            for n, clip in enumerate(clips[r.name]):
                etag = conn.put_object(r.name, r.clip_name(n), clip, headers=r.clip_meta(n))
                assert etag == hashlib.md5(clip).hexdigest()
            conn.post_container(r.name, headers=meta(Kind.CONTAINER, Status="Complete"))
        conn.close()
    ingests = [e for e in entries(url) if e["action"] == "ingest"]
    assert [e["outcome"] for e in ingests] == ["success"] * 3
    assert {e["actor"] for e in ingests} == {"axis:axis"}
    held, gone, kept = (e["item"] for e in ingests)
    files = {e["item"]: e["details"]["files"] for e in ingests}
    assert [f["sha256"] for f in files[held]] == [
        hashlib.sha256(c).hexdigest() for c in clips[old[0].name]
    ]
    # In the bucket: a header and an encrypted body per blob, no clip in the clear.
    listing = s3.list_objects_v2(Bucket=bucket, Prefix="evidence/")["Contents"]
    assert len(listing) == 2 * 4
    big = clips[old[0].name][1]
    assert max(o["Size"] for o in listing) > len(big)  # the body: the clip and its tags
    assert "The vault verifies" in run("vault", "verify", "--db", url)

    # A bundle of the held item, checked by the verifier copied on its own.
    run("vault", "bundle", held, "--db", url, "--out", str(tmp_path / "bundle"))
    assert verify_bundle.verify(tmp_path / "bundle") == []
    alone = tmp_path / "elsewhere" / "verify_bundle.py"
    alone.parent.mkdir()
    shutil.copy(verify_bundle.__file__, alone)
    checked = subprocess.run(
        [sys.executable, str(alone), str(tmp_path / "bundle")], capture_output=True, text=True
    )
    assert checked.returncode == 0 and "verifies" in checked.stdout, checked.stdout
    assert (tmp_path / "bundle" / "files").is_dir()

    # The custodian plays the clip and downloads the large one by ranges (across S3 parts).
    c = sign_in(console)
    page = c.get(f"/evidence/{held}")
    assert page.status_code == 200
    player = re.findall(r'<video[^>]*src="([^"]+)"', page.text)[0].replace("&amp;", "&")
    played = c.get(player, headers={"Range": "bytes=0-99"})
    assert played.status_code == 206 and played.content == clips[old[0].name][0][:100]
    at = 8 * MiB - 10
    part = c.get(f"/evidence/{held}/files/1/download", headers={"Range": f"bytes={at}-{at + 19}"})
    assert part.status_code == 206 and part.content == big[at : at + 20]
    assert part.headers["content-range"] == f"bytes {at}-{at + 19}/{len(big)}"
    assert c.get(f"/evidence/{held}/files/1/download").content == big
    read = [(e["action"], e["details"].get("range")) for e in entries(url, held)[-4:]]
    assert read == [("view", None), ("play", None), ("download", f"{at}-{at + 19}"),
                    ("download", None)]  # fmt: skip

    # A hold keeps one old item; disposition deletes the other's bytes from the bucket.
    run("vault", "hold", "place", "--db", url, "--item", held, "--reason", "civil suit")
    run("vault", "retention", "use", "minnesota-13.825", "--db", url)
    done = run("vault", "dispose", "--db", url)
    assert "Disposed of 1 file(s) of 1 item(s) (1 stored blob(s) deleted)" in done
    assert [e["item"] for e in entries(url) if e["action"] == "dispose"] == [gone]
    sha_gone = files[gone][0]["sha256"]
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix=f"evidence/blobs/{sha_gone}")
    assert len(s3.list_objects_v2(Bucket=bucket, Prefix="evidence/")["Contents"]) == 2 * 3
    assert c.get(f"/evidence/{gone}/files/0/download").status_code == 410
    assert c.get(f"/evidence/{kept}/files/0/download").status_code == 200
    assert "The vault verifies" in run("vault", "verify", "--db", url)

    # One byte of the held clip flipped in the bucket, behind the vault's back: verify names it.
    sha = files[held][0]["sha256"]
    key = body_key(s3, bucket, "evidence/", sha)
    stored = bytearray(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    stored[len(stored) // 2] ^= 0x01
    s3.put_object(Bucket=bucket, Key=key, Body=bytes(stored))
    found = run("vault", "verify", "--db", url, code=1)
    assert sha in found and held in found and "does not verify: 1 problem" in found


def count(url: str, table: Any) -> int:
    vault = Vault.open(url)
    with Session(vault.engine) as s:
        n = s.scalar(select(func.count()).select_from(table)) or 0
    vault.engine.dispose()
    return n


def wait_for_a_part(server: SeaweedServer, bucket: str) -> None:
    """Until the bucket has a multipart upload with a part in it."""
    client = server.client()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for upload in client.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
            parts = client.list_parts(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
            if parts.get("Parts"):
                return
        time.sleep(0.05)
    raise AssertionError("no part of the clip reached the bucket")


def test_the_s3_server_stopped_mid_upload_through_the_api(
    postgres_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A camera's clip is going up through the content destination when SeaweedFS stops: the
    camera is answered 503 with Retry-After (retry later), and nothing of the clip shows — no
    item, no staged object, no ingest, verify clean — only the refusal's failure entry. Once
    the server is back, the camera's retry makes exactly one item."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    url = postgres_server.new_database()
    with seaweedfs() as server:  # its own: this test stops it
        bucket = server.new_bucket()
        run(
            "vault", "init", "--db", url, "--store", f"s3://{bucket}/evidence",
            "--endpoint-url", server.endpoint_url, "--origin", "vault.e2e.example/stop",
            "--keys", str(tmp_path / "keys"),
        )  # fmt: skip
        vault = Vault.open(url)  # as `onrecord vault serve` serves it
        app = create_destination(
            vault.engine, vault.store, vault, DestinationSettings(retry_after_s=7)
        )
        clip = large_clip() * 2  # 18 MiB and more: three parts of 8 MiB
        r = Recording()
        with serving(app) as base:
            run("vault", "connection-file", "--db", url, "--base-url", base,
                "--out", str(tmp_path / "connection.json"))  # fmt: skip
            doc = json.loads((tmp_path / "connection.json").read_text())
            conn = Connection(
                authurl=doc["AuthenticationTokenURI"][0], user=doc["BlobAPIUserName"],
                key=doc["BlobAPIKey"], auth_version="1", retries=0,
            )  # fmt: skip
            register(conn)
            conn.put_container(r.name, headers=r.container_meta())

            def stopping() -> Any:
                for at in range(0, len(clip), MiB):
                    if at == 12 * MiB:  # once a part of the clip is up, more to come
                        wait_for_a_part(server, bucket)
                        server.stop()
                    yield clip[at : at + MiB]

            with pytest.raises(ClientException) as refused:
                conn.put_object(r.name, r.clip_name(), stopping(), headers=r.clip_meta())
            e = refused.value
            assert e.http_status == 503 and e.http_response_headers["retry-after"] == "7"
            message = e.http_response_content.decode()
            assert "did not answer" in message and "nothing was stored, try again" in message
            assert count(url, VaultItem) == 0 and count(url, AxisObject) == 0
            [failure] = [e for e in entries(url) if e["outcome"] == "failure"]
            assert (failure["action"], failure["details"]["status"]) == ("ingest", 503)
            assert not [
                e for e in entries(url) if e["action"] == "ingest" and e["outcome"] == "success"
            ]

            server.start()
            assert "The vault verifies" in run("vault", "verify", "--db", url)
            listing = server.client().list_objects_v2(Bucket=bucket, Prefix="evidence/")
            assert listing.get("KeyCount", 0) == 0  # no part of the clip is visible
            # The camera's retry, after Retry-After; then the recording is complete.
            etag = conn.put_object(r.name, r.clip_name(), clip, headers=r.clip_meta())
            assert etag == hashlib.md5(clip).hexdigest()
            conn.post_container(r.name, headers=meta(Kind.CONTAINER, Status="Complete"))
            conn.close()
        vault.engine.dispose()
        [ingest] = [
            e for e in entries(url) if e["action"] == "ingest" and e["outcome"] == "success"
        ]
        assert ingest["details"]["files"][0]["sha256"] == hashlib.sha256(clip).hexdigest()
        assert count(url, VaultItem) == 1
        assert "The vault verifies" in run("vault", "verify", "--db", url)
