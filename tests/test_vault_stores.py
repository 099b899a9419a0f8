"""Both blob stores, as ``open_store`` makes them: locations read or refused, any blob and any
range read back as the plaintext (property tests against the local folder and SeaweedFS), and
200 MB streamed through each in bounded memory."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from hypothesis_scale import scaled
from onrecord.vault.keyring import KeyRing
from onrecord.vault.local_store import LocalStore
from onrecord.vault.s3_store import S3Store
from onrecord.vault.sealed_store import SealedStore
from onrecord.vault.store import StoreError
from onrecord.vault.stores import open_store
from s3_server import ACCESS_KEY, SECRET_KEY, SeaweedServer

SRC = Path(__file__).resolve().parent.parent / "src"
_prefixes = count(1)


@pytest.fixture
def keys(tmp_path: Path) -> KeyRing:
    return KeyRing.create(tmp_path / "keys")


def test_a_folder_location_is_a_local_store_made_on_first_use(
    tmp_path: Path, keys: KeyRing
) -> None:
    store = open_store(str(tmp_path / "new" / "store"), keys)
    assert isinstance(store, LocalStore) and store.location == str(tmp_path / "new" / "store")
    assert (tmp_path / "new" / "store" / "blobs").is_dir()


def test_an_s3_location_names_bucket_and_prefix_without_a_request(keys: KeyRing) -> None:
    store = open_store("s3://evidence-vault/dept/2026", keys, endpoint_url="http://127.0.0.1:9")
    assert isinstance(store, S3Store)
    assert (store.bucket, store.prefix, store.location) == (
        "evidence-vault",
        "dept/2026/",
        "s3://evidence-vault/dept/2026",
    )
    assert store.client.meta.endpoint_url == "http://127.0.0.1:9"
    bare = open_store("s3://evidence-vault", keys)
    assert isinstance(bare, S3Store) and bare.prefix == ""


@pytest.mark.parametrize(
    "location, match",
    [
        ("s3://", "is not an S3 bucket name"),
        ("s3://Evidence/x", "is not an S3 bucket name"),
        ("s3://ab/x", "is not an S3 bucket name"),
        ("s3:/evidence/x", "not a store location.*s3://bucket/prefix"),
        ("gs://evidence/x", "not a store location: give a folder path"),
        ("https://s3.example.org/evidence", "not a store location"),
        ("", "not a store location"),
    ],
)
def test_other_locations_are_refused_with_the_forms_understood(
    keys: KeyRing, location: str, match: str
) -> None:
    with pytest.raises(StoreError, match=match):
        open_store(location, keys)


def test_an_endpoint_for_a_folder_is_refused(tmp_path: Path, keys: KeyRing) -> None:
    with pytest.raises(StoreError, match=r"endpoint URL .* is for an s3:// location"):
        open_store(str(tmp_path / "s"), keys, endpoint_url="http://127.0.0.1:9")


@pytest.fixture(params=["local", "s3"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path, keys: KeyRing) -> SealedStore:
    """Each store with 100-byte chunks, so that small examples span many."""
    if request.param == "local":
        return LocalStore(tmp_path / "store", keys, chunk_size=100)
    bucket: str = request.getfixturevalue("stores_bucket")
    client = request.getfixturevalue("stores_client")
    return S3Store(client, bucket, f"p{next(_prefixes)}", keys, chunk_size=100)


@pytest.fixture(scope="module")
def stores_bucket(s3_server: SeaweedServer) -> str:
    return s3_server.new_bucket()


@pytest.fixture(scope="module")
def stores_client(s3_server: SeaweedServer) -> object:
    return s3_server.client()


def cut(data: bytes, sizes: list[int]) -> Iterator[bytes]:
    at = 0
    for n in sizes:
        yield data[at : at + n]
        at += n
    yield data[at:]


@scaled(1, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.binary(max_size=1200),
    sizes=st.lists(st.integers(0, 400), max_size=5),
    ranges=st.lists(
        st.tuples(st.integers(0, 1300), st.none() | st.integers(0, 1300)), min_size=1, max_size=4
    ),
)
def test_any_blob_and_any_range_read_back_as_the_plaintext(
    any_store: SealedStore,
    data: bytes,
    sizes: list[int],
    ranges: list[tuple[int, int | None]],
) -> None:
    blob = any_store.put(cut(data, sizes))
    assert blob.sha256 == hashlib.sha256(data).hexdigest() and blob.size == len(data)
    assert any_store.size(blob.sha256) == len(data)
    for start, end in ranges:
        assert b"".join(any_store.read(blob.sha256, start, end)) == data[start:end]
    assert any_store.put([data]).new is False
    assert blob.sha256 in set(any_store.hashes())


MEMORY = """
import hashlib, json, sys
from pathlib import Path
from onrecord.vault.keyring import KeyRing
from onrecord.vault.stores import open_store

location, keys, endpoint, mib = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
store = open_store(location, KeyRing.load(Path(keys)), endpoint_url=endpoint or None)
block = bytes(range(256)) * 4096


def peak():
    # VmHWM, this process's own high-water mark: ru_maxrss would start at the parent's
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM:"))


def stream():
    for i in range(mib):
        yield i.to_bytes(8, "big") + block[8:]


store.read(store.put([b"warm up"]).sha256)
before = peak()
blob = store.put(stream())
digest = hashlib.sha256()
for piece in store.read(blob.sha256):
    digest.update(piece)
print(json.dumps({"growth": peak() - before, "same": digest.hexdigest() == blob.sha256}))
"""


@pytest.mark.parametrize("kind", ["local", "s3"])
def test_200_mb_stream_through_in_bounded_memory(
    request: pytest.FixtureRequest, tmp_path: Path, keys: KeyRing, kind: str
) -> None:
    """Peak resident memory grows by less than 96 MB while 200 MB go in and out (local: a
    chunk or two; S3: four 8 MiB parts in flight and one being filled, and boto3's buffers)."""
    if not Path("/proc/self/status").exists():
        pytest.skip("no /proc/self/status to read the peak memory from")
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    if kind == "local":
        location, endpoint = str(tmp_path / "store"), ""
    else:
        server: SeaweedServer = request.getfixturevalue("s3_server")
        location = f"s3://{request.getfixturevalue('stores_bucket')}/memory"
        endpoint = server.endpoint_url
        env |= {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
    result = subprocess.run(
        [sys.executable, "-c", MEMORY, location, str(keys.folder), endpoint, "200"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    out = json.loads(result.stdout)
    assert out["same"]
    assert out["growth"] < 96 * 2**20, f"peak memory grew by {out['growth'] / 2**20:.0f} MiB"
