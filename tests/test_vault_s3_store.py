"""The S3 store against a real SeaweedFS server: what it writes, single and multipart uploads,
ranges, identical puts racing, damage at rest, the server stopped mid-upload, and the errors an
administrator sees for a wrong endpoint, bucket or credentials."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest

from onrecord.vault.encryption import Header
from onrecord.vault.keyring import KeyRing
from onrecord.vault.s3_store import S3Store
from onrecord.vault.store import BlobCorrupt, BlobMissing, StoreError, StoreUnavailable
from onrecord.vault.stores import open_store, rotate_keys
from s3_server import ACCESS_KEY, SECRET_KEY, SeaweedServer, free_ports, seaweedfs

MiB = 1 << 20
PART = 5 * MiB  # S3's smallest part
_prefixes = count(1)


@pytest.fixture(scope="module")
def bucket(s3_server: SeaweedServer) -> str:
    return s3_server.new_bucket()


@pytest.fixture(scope="module")
def client(s3_server: SeaweedServer) -> Any:
    return s3_server.client()  # one for the module: a client takes a third of a second to make


@pytest.fixture
def keys(tmp_path: Path) -> KeyRing:
    return KeyRing.create(tmp_path / "keys")


@pytest.fixture
def store(client: Any, bucket: str, keys: KeyRing) -> S3Store:
    """A store under a prefix of its own in the module's bucket (SeaweedFS gives each bucket
    volumes of its own, so tests share one)."""
    prefix = f"t{next(_prefixes)}/vault"
    return S3Store(client, bucket, prefix, keys, chunk_size=1000, part_size=PART)


def objects(store: S3Store) -> dict[str, bytes]:
    listing = store.client.list_objects_v2(Bucket=store.bucket, Prefix=store.prefix)
    return {
        o["Key"][len(store.prefix) :]: store.client.get_object(Bucket=store.bucket, Key=o["Key"])[
            "Body"
        ].read()
        for o in listing.get("Contents", [])
    }


def stream(size: int, piece: int = MiB, seed: int = 0) -> Iterator[bytes]:
    """``size`` bytes that depend on ``seed`` alone (not on ``piece``), in pieces of ``piece``."""
    block = hashlib.sha256(str(seed).encode()).digest() * (MiB // 32)
    pending = b""
    for at in range(0, size, MiB):
        pending += (at.to_bytes(8, "big") + block[8:])[: min(MiB, size - at)]
        while len(pending) >= piece:
            yield pending[:piece]
            pending = pending[piece:]
    if pending:
        yield pending


def test_a_small_blob_is_one_header_object_and_one_body_object(store: S3Store) -> None:
    data = b"a small clip" * 500
    blob = store.put([data])
    assert blob.sha256 == hashlib.sha256(data).hexdigest() and blob.new
    stored = objects(store)
    header = Header.from_bytes(stored[f"blobs/{blob.sha256}"])
    assert sorted(stored) == [f"blobs/{blob.sha256}", f"bodies/{header.body_id.hex()}"]
    body = stored[f"bodies/{header.body_id.hex()}"]
    assert len(body) == header.body_size and b"a small clip" not in body
    assert b"".join(store.read(blob.sha256)) == data
    assert store.size(blob.sha256) == len(data) and list(store.hashes()) == [blob.sha256]


def test_a_large_blob_goes_up_in_parts_and_reads_back_by_ranges(store: S3Store) -> None:
    data = b"".join(stream(3 * PART + 12_345, piece=300_000))
    blob = store.put(stream(3 * PART + 12_345, piece=300_000))
    assert blob.size == len(data) and blob.sha256 == hashlib.sha256(data).hexdigest()
    ranges = [(0, None), (999, 1001), (PART - 5, PART + 5), (len(data) - 1, None), (7, 7)]
    for start, end in ranges:
        assert b"".join(store.read(blob.sha256, start, end)) == data[start:end]
    assert len(objects(store)) == 2


def test_putting_the_same_bytes_again_stores_nothing_new(store: S3Store) -> None:
    first = store.put(stream(12 * MiB))
    again = store.put(stream(12 * MiB, piece=777_777))
    assert (again.sha256, again.new) == (first.sha256, False)
    assert len(objects(store)) == 2  # the second body was removed


def test_identical_puts_racing_keep_exactly_one(store: S3Store) -> None:
    results = []
    barrier = threading.Barrier(4)

    def put() -> None:
        def chunks() -> Iterator[bytes]:
            barrier.wait()
            yield from stream(200_000, piece=50_000, seed=7)

        results.append(store.put(chunks()))

    threads = [threading.Thread(target=put) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.new for r in results) == 1 and len(results) == 4
    assert len(objects(store)) == 2


def test_delete_and_missing_blobs(store: S3Store) -> None:
    keep = store.put([b"keep"]).sha256
    gone = store.put([b"gone"]).sha256
    store.delete(gone)
    store.delete(gone)
    assert list(store.hashes()) == [keep] and len(objects(store)) == 2
    assert store.size(gone) is None
    with pytest.raises(BlobMissing):
        store.read(gone)


@pytest.mark.parametrize("where", ["body byte", "body cut", "body grown", "header"])
def test_damage_at_rest_is_blob_corrupt(store: S3Store, where: str) -> None:
    sha = store.put([b"evidence" * 1000]).sha256
    header_key = f"{store.prefix}blobs/{sha}"
    raw = store.client.get_object(Bucket=store.bucket, Key=header_key)["Body"].read()
    body_key = f"{store.prefix}bodies/{Header.from_bytes(raw).body_id.hex()}"
    body = bytearray(store.client.get_object(Bucket=store.bucket, Key=body_key)["Body"].read())
    key, value = body_key, bytes(body)
    if where == "body byte":
        body[2500] ^= 1
        value = bytes(body)
    elif where == "body cut":
        value = bytes(body[:-3])
    elif where == "body grown":
        value = bytes(body) + b"x"
    else:
        key, value = header_key, raw[:9] + bytes([raw[9] ^ 1]) + raw[10:]
    store.client.put_object(Bucket=store.bucket, Key=key, Body=value)
    with pytest.raises(BlobCorrupt, match=f"blob {sha}"):
        b"".join(store.read(sha))


def test_rotation_rewrites_headers_only(store: S3Store) -> None:
    shas = [store.put(stream(n, seed=n)).sha256 for n in (10, 20_000)]
    bodies = {k: v for k, v in objects(store).items() if k.startswith("bodies/")}
    old = store.keyring.current_id
    rotation = rotate_keys(store, store.keyring)
    assert rotation.rewrap.rewrapped == 2 and rotation.retired == [old]
    assert {k: v for k, v in objects(store).items() if k.startswith("bodies/")} == bodies
    assert store.key_usage() == {rotation.key_id: 2}
    assert b"".join(store.read(shas[1])) == b"".join(stream(20_000, seed=20_000))


def test_open_store_takes_credentials_from_the_environment(
    s3_server: SeaweedServer, bucket: str, keys: KeyRing, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    location = f"s3://{bucket}/env/{next(_prefixes)}"
    store = open_store(location, keys, endpoint_url=s3_server.endpoint_url)
    store.check()
    sha = store.put([b"from the environment"]).sha256
    assert store.location == location
    assert b"".join(store.read(sha)) == b"from the environment"


def quick(server_or_url: SeaweedServer | str) -> Any:
    """A client that gives up at once (one attempt, short timeouts)."""
    if isinstance(server_or_url, SeaweedServer):
        return server_or_url.client(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=10)
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3",
        endpoint_url=server_or_url,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
        config=Config(
            retries={"max_attempts": 1}, connect_timeout=2, s3={"addressing_style": "path"}
        ),
    )


def test_an_endpoint_that_does_not_answer_is_unavailable(keys: KeyRing) -> None:
    url = f"http://127.0.0.1:{free_ports(1)[0]}"
    store = S3Store(quick(url), "vault-bucket", "x", keys)
    with pytest.raises(
        StoreUnavailable,
        match=rf"cannot upload to s3://vault-bucket/x/ \(endpoint {url}\).*try again",
    ):
        store.put([b"x"])
    with pytest.raises(StoreUnavailable, match="did not answer"):
        store.size("0" * 64)
    with pytest.raises(StoreUnavailable):
        store.check()


def test_a_missing_bucket_and_wrong_credentials_are_named(
    s3_server: SeaweedServer, keys: KeyRing
) -> None:
    store = S3Store(quick(s3_server), "no-such-bucket-here", "x", keys)
    with pytest.raises(StoreError, match="the bucket no-such-bucket-here does not exist"):
        store.check()
    import boto3
    from botocore.config import Config

    wrong = boto3.session.Session().client(
        "s3",
        endpoint_url=s3_server.endpoint_url,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key="wrong",
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}),
    )
    with pytest.raises(StoreError, match=r"refused to write to .*check the credentials"):
        S3Store(wrong, "vault-bucket", "x", keys).check()


def test_the_server_stopped_mid_upload_loses_nothing_and_the_retry_stores_it(
    tmp_path: Path, keys: KeyRing
) -> None:
    with seaweedfs() as server:
        bucket = server.new_bucket()
        store = S3Store(quick(server), bucket, "vault", keys, part_size=PART)
        size = 16 * MiB

        def stopping() -> Iterator[bytes]:
            for i, piece in enumerate(stream(size)):
                if i == 11:  # two parts sent, more to come
                    server.stop()
                yield piece

        with pytest.raises(StoreUnavailable, match=r"did not answer.*nothing was stored"):
            store.put(stopping())
        server.start()
        store = S3Store(quick(server), bucket, "vault", keys, part_size=PART)
        assert list(store.hashes()) == []
        listing = store.client.list_objects_v2(Bucket=bucket, Prefix="vault/")
        assert listing.get("KeyCount", 0) == 0
        blob = store.put(stream(size))  # the client's retry
        assert blob.new and list(store.hashes()) == [blob.sha256]
        digest = hashlib.sha256()
        for piece in store.read(blob.sha256):
            digest.update(piece)
        assert digest.hexdigest() == blob.sha256
