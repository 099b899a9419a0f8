"""The local folder store: what it writes, that nothing shows until a put is whole (a failing
stream, a killed process, a crash before the header), a full disk, damage at rest, identical
puts racing, and key rotation."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from onrecord.vault import local_store
from onrecord.vault.encryption import HEADER_SIZE, Header
from onrecord.vault.keyring import KeyRing, KeyRingError
from onrecord.vault.local_store import LocalStore
from onrecord.vault.store import BlobCorrupt, BlobMissing, StoreError, StoreFull
from onrecord.vault.stores import rotate_keys

SRC = Path(__file__).resolve().parent.parent / "src"
DATA = bytes(range(256)) * 40  # 10,240 bytes: 10 chunks of 1,000 and a short one


@pytest.fixture
def keys(tmp_path: Path) -> KeyRing:
    return KeyRing.create(tmp_path / "keys")


@pytest.fixture
def store(tmp_path: Path, keys: KeyRing) -> LocalStore:
    return LocalStore(tmp_path / "store", keys, chunk_size=1000)


def pieces(data: bytes, size: int = 777) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_a_blob_is_a_header_under_its_hash_and_an_encrypted_body(
    store: LocalStore, tmp_path: Path
) -> None:
    blob = store.put(pieces(DATA))
    sha = hashlib.sha256(DATA).hexdigest()
    assert (blob.sha256, blob.size, blob.new) == (sha, len(DATA), True)
    header = Header.from_bytes((tmp_path / "store/blobs" / sha[:2] / sha[2:4] / sha).read_bytes())
    body = f"bodies/{header.body_id.hex()[:2]}/{header.body_id.hex()}"
    assert files(tmp_path / "store") == [f"blobs/{sha[:2]}/{sha[2:4]}/{sha}", body]
    stored = (tmp_path / "store" / body).read_bytes()
    assert len(stored) == len(DATA) + 11 * 16 and DATA[:64] not in stored
    assert header.size == len(DATA) and header.key_id.hex() == store.keyring.current_id
    for path in (tmp_path / "store").rglob("*"):
        assert path.stat().st_mode & 0o077 == 0, path
    assert b"".join(store.read(sha)) == DATA
    assert store.size(sha) == len(DATA)
    assert list(store.hashes()) == [sha]


def test_ranges_read_the_plaintext_slice(store: LocalStore) -> None:
    sha = store.put([DATA]).sha256
    for start, end in [(0, 1000), (999, 1001), (1000, 2000), (10_239, None), (5, 10_000_000)]:
        assert b"".join(store.read(sha, start, end)) == DATA[start:end]
    assert list(store.read(sha, 10_240)) == []
    with pytest.raises(ValueError, match="positions ≥ 0"):
        store.read(sha, -1)


def test_putting_the_same_bytes_again_stores_nothing_new(store: LocalStore, tmp_path: Path) -> None:
    first = store.put([DATA])
    before = files(tmp_path / "store")
    again = store.put(pieces(DATA, 5000))
    assert (again.sha256, again.size, again.new) == (first.sha256, first.size, False)
    assert files(tmp_path / "store") == before


def test_identical_puts_racing_keep_exactly_one(store: LocalStore, tmp_path: Path) -> None:
    results = []
    barrier = threading.Barrier(8)

    def put() -> None:
        def stream() -> Iterator[bytes]:
            barrier.wait()
            yield from pieces(DATA)

        results.append(store.put(stream()))

    threads = [threading.Thread(target=put) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.new for r in results) == 1
    assert len(files(tmp_path / "store")) == 2  # one header, one body
    assert b"".join(store.read(results[0].sha256)) == DATA


def test_missing_blobs_and_bad_hashes(store: LocalStore) -> None:
    absent = "0" * 64
    assert store.size(absent) is None
    with pytest.raises(BlobMissing, match=f"no blob {absent}"):
        store.read(absent)
    store.delete(absent)  # not an error
    for bad in ("../../etc/passwd", "A" * 64, "0" * 63):
        with pytest.raises(ValueError, match="not a SHA-256"):
            store.size(bad)


def test_delete_removes_header_and_body(store: LocalStore, tmp_path: Path) -> None:
    keep = store.put([b"keep"]).sha256
    gone = store.put([DATA]).sha256
    store.delete(gone)
    assert store.size(gone) is None and list(store.hashes()) == [keep]
    assert len(files(tmp_path / "store")) == 2


def test_hashes_come_in_order_and_skip_strays(store: LocalStore, tmp_path: Path) -> None:
    shas = [store.put([bytes([i]) * i]).sha256 for i in range(20)]
    (tmp_path / "store/blobs/zz").mkdir()
    (tmp_path / "store/blobs/README").write_text("x")
    assert list(store.hashes()) == sorted(shas)


def test_a_stream_that_fails_leaves_nothing(store: LocalStore, tmp_path: Path) -> None:
    def broken() -> Iterator[bytes]:
        yield DATA
        raise ConnectionResetError("the client went away")

    with pytest.raises(ConnectionResetError):
        store.put(broken())
    assert list(store.hashes()) == [] and files(tmp_path / "store") == []


def test_a_crash_between_body_and_header_leaves_nothing_visible(
    store: LocalStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: object) -> None:
        raise KeyboardInterrupt  # stands for the process dying just before the header lands

    monkeypatch.setattr(local_store.os, "link", crash)
    with pytest.raises(KeyboardInterrupt):
        store.put([DATA])
    monkeypatch.undo()
    assert list(store.hashes()) == []
    assert store.size(hashlib.sha256(DATA).hexdigest()) is None
    assert store.put([DATA]).new  # the client's retry
    assert b"".join(store.read(hashlib.sha256(DATA).hexdigest())) == DATA


KILLED_PUT = """
import sys, time
from pathlib import Path
from onrecord.vault.keyring import KeyRing
from onrecord.vault.local_store import LocalStore
store = LocalStore(Path(sys.argv[1]), KeyRing.load(Path(sys.argv[2])))
def stream():
    for i in range(1000):
        yield bytes([i % 256]) * (1 << 20)
        if i == 20:
            print("streaming", flush=True)
            time.sleep(60)
store.put(stream())
"""


def test_a_process_killed_mid_put_leaves_no_blob_and_the_retry_stores_it(
    tmp_path: Path, keys: KeyRing
) -> None:
    folder = tmp_path / "store"
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_PUT, str(folder), str(keys.folder)],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    assert child.stdout is not None
    assert child.stdout.readline() == b"streaming\n"
    child.send_signal(signal.SIGKILL)
    child.wait()
    store = LocalStore(folder, keys)
    assert list(store.hashes()) == []
    assert [p.parent.name for p in folder.rglob("*") if p.is_file()] == ["tmp"]  # the part
    data = b"the retry" * 1000
    assert store.put([data]).new and b"".join(store.read(hashlib.sha256(data).hexdigest())) == data


def test_no_room_is_store_full_and_leaves_nothing(
    store: LocalStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = os.write
    written = [0]

    def write(fd: int, data: memoryview) -> int:
        if written[0] > 5000:
            raise OSError(errno.ENOSPC, "No space left on device")
        written[0] += len(data)
        return real_write(fd, data)

    monkeypatch.setattr(local_store.os, "write", write)
    with pytest.raises(StoreFull, match=r"no room to store the blob in .*No space left"):
        store.put(pieces(DATA))
    monkeypatch.undo()
    assert files(tmp_path / "store") == []
    assert store.put([b"small"]).new


FULL_DISK = """
import json, sys
from pathlib import Path
from onrecord.vault.keyring import KeyRing
from onrecord.vault.local_store import LocalStore
from onrecord.vault.store import StoreFull
store = LocalStore(Path(sys.argv[1]), KeyRing.load(Path(sys.argv[2])))
out = {}
try:
    store.put(bytes([i]) * 65536 for i in range(64))  # 4 MiB
except StoreFull as e:
    out["full"] = str(e)
out["left"] = sorted(str(p) for p in Path(sys.argv[1]).rglob("*") if p.is_file())
out["small"] = store.put([b"fits"]).new
print(json.dumps(out))
"""


def test_a_really_full_disk_is_store_full(tmp_path: Path, keys: KeyRing) -> None:
    """On a 2 MiB tmpfs mounted in a mount namespace of its own (no root needed where user
    namespaces are allowed; skipped where they are not)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("no unshare(1) to mount a small file system")
    folder = tmp_path / "small"
    folder.mkdir()
    script = (
        f"mount -t tmpfs -o size=2m tmpfs {folder} && "
        f'exec {sys.executable} -c "$0" {folder / "store"} {keys.folder}'
    )
    result = subprocess.run(
        [unshare, "--mount", "--map-root-user", "sh", "-c", script, FULL_DISK],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    if result.returncode != 0 and "json" not in result.stdout:
        pytest.skip(f"cannot mount a small file system here: {result.stderr.strip()[:200]}")
    out = json.loads(result.stdout)
    assert "no room to store the blob" in out["full"]
    assert len(out["left"]) == 0  # the partial body was removed
    assert out["small"] is True


@pytest.mark.parametrize(
    "where, match",
    [
        ("header", "tag does not hold|does not unwrap|no key|not an OnRecord"),
        ("body", "chunk 3 does not authenticate"),
        ("cut", "the body is 10415 bytes"),
        ("grown", "the body is 10417 bytes"),
    ],
)
def test_damage_at_rest_is_blob_corrupt(
    store: LocalStore, tmp_path: Path, where: str, match: str
) -> None:
    sha = store.put([DATA]).sha256
    header_path = tmp_path / "store/blobs" / sha[:2] / sha[2:4] / sha
    body_id = Header.from_bytes(header_path.read_bytes()).body_id.hex()
    body_path = tmp_path / "store/bodies" / body_id[:2] / body_id
    if where == "header":
        raw = bytearray(header_path.read_bytes())
        raw[30] ^= 4
        header_path.write_bytes(bytes(raw))
    elif where == "body":
        raw = bytearray(body_path.read_bytes())
        raw[3 * 1016 + 7] ^= 1
        body_path.write_bytes(bytes(raw))
    else:
        raw = bytearray(body_path.read_bytes())
        body_path.write_bytes(bytes(raw[:-1] if where == "cut" else raw + b"\0"))
    with pytest.raises(BlobCorrupt, match=f"blob {sha} in .*({match})"):
        b"".join(store.read(sha))


def test_a_missing_body_is_blob_corrupt(store: LocalStore, tmp_path: Path) -> None:
    sha = store.put([DATA]).sha256
    for body in (tmp_path / "store/bodies").rglob("*"):
        if body.is_file():
            body.unlink()
    with pytest.raises(BlobCorrupt, match="is missing"):
        list(store.read(sha))


def test_a_lost_key_is_named(store: LocalStore, tmp_path: Path) -> None:
    sha = store.put([DATA]).sha256
    store.keyring.rotate()
    (tmp_path / "keys/kek-0001.key").unlink()
    with pytest.raises(KeyRingError, match=rf"blob {sha}: no key with id .* key backup"):
        store.size(sha)


def test_rotation_rewraps_headers_only_and_retires_the_old_key(
    store: LocalStore, tmp_path: Path
) -> None:
    shas = [store.put([DATA]).sha256, store.put([b"two"]).sha256]
    bodies = {p: p.read_bytes() for p in (tmp_path / "store/bodies").rglob("*") if p.is_file()}
    old = store.keyring.current_id
    rotation = rotate_keys(store, store.keyring)
    assert rotation.key_id == store.keyring.current_id != old
    assert (rotation.rewrap.rewrapped, rotation.rewrap.current, rotation.rewrap.damaged) == (
        2,
        0,
        {},
    )
    assert rotation.retired == [old] and not (tmp_path / "keys/kek-0001.key").exists()
    assert {p: p.read_bytes() for p in bodies} == bodies  # bodies untouched
    assert store.key_usage() == {rotation.key_id: 2}
    assert b"".join(store.read(shas[0])) == DATA
    again = store.rewrap()
    assert (again.rewrapped, again.current) == (0, 2)


def test_rotation_keeps_old_keys_while_a_blob_is_damaged(store: LocalStore, tmp_path: Path) -> None:
    good = store.put([DATA]).sha256
    bad = store.put([b"bad"]).sha256
    path = tmp_path / "store/blobs" / bad[:2] / bad[2:4] / bad
    raw = bytearray(path.read_bytes())
    raw[60] ^= 1  # the wrapped key
    path.write_bytes(bytes(raw))
    rotation = rotate_keys(store, store.keyring)
    assert list(rotation.rewrap.damaged) == [bad] and rotation.retired == []
    assert len(store.keyring.key_files()) == 2
    assert b"".join(store.read(good)) == DATA


def test_key_usage_refuses_an_unreadable_header(store: LocalStore, tmp_path: Path) -> None:
    sha = store.put([DATA]).sha256
    (tmp_path / "store/blobs" / sha[:2] / sha[2:4] / sha).write_bytes(b"junk")
    with pytest.raises(BlobCorrupt, match=f"blob {sha}.*{HEADER_SIZE} bytes"):
        store.key_usage()


def test_the_key_folder_may_not_sit_inside_the_store(tmp_path: Path) -> None:
    ring = KeyRing.create(tmp_path / "store" / "keys")
    with pytest.raises(StoreError, match="inside the store"):
        LocalStore(tmp_path / "store", ring)


def test_a_file_is_not_a_store(tmp_path: Path, keys: KeyRing) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(StoreError, match="is a file"):
        LocalStore(tmp_path / "f", keys)


def test_check_says_when_the_folder_cannot_be_written(store: LocalStore, tmp_path: Path) -> None:
    store.check()
    (tmp_path / "store/tmp").rmdir()
    (tmp_path / "store/tmp").write_text("in the way")
    with pytest.raises(StoreError, match=r"cannot write in .*store"):
        store.check()
