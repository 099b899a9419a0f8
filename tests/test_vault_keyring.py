"""The key folder: made private, never overwritten, read with clear refusals, rotated and
retired, and seen to change by a ring already loaded (a running server)."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

from onrecord.vault.keyring import KeyRing, KeyRingError


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_create_makes_a_private_folder_and_one_private_key(tmp_path: Path) -> None:
    folder = tmp_path / "a" / "keys"
    ring = KeyRing.create(folder)
    assert mode(folder) == 0o700
    assert [p.name for p in folder.iterdir()] == ["kek-0001.key"]
    key_file = folder / "kek-0001.key"
    assert mode(key_file) == 0o600
    doc = json.loads(key_file.read_text())
    assert doc["format"] == "onrecord-vault-kek" and doc["version"] == 1 and doc["serial"] == 1
    assert len(base64.b64decode(doc["key"])) == 32
    assert ring.current_id == doc["id"] and len(doc["id"]) == 16
    key_id, secret = ring.current()
    assert key_id.hex() == doc["id"] and secret == base64.b64decode(doc["key"])
    assert KeyRing.load(folder).current() == (key_id, secret)


def test_create_tightens_an_existing_folder_and_leaves_other_keys_alone(tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    folder.mkdir(mode=0o755)
    (folder / "signing.key").write_bytes(b"not ours")
    (folder / "vkey").write_text("someone+00000000+AAAA\n")
    ring = KeyRing.create(folder)
    assert mode(folder) == 0o700
    assert (folder / "signing.key").read_bytes() == b"not ours"
    assert [k.serial for k in KeyRing.load(folder).key_files()] == [1]
    assert ring.key_files()[0].path == folder / "kek-0001.key"


def test_create_never_replaces_keys(tmp_path: Path) -> None:
    ring = KeyRing.create(tmp_path / "keys")
    before = (tmp_path / "keys" / "kek-0001.key").read_bytes()
    with pytest.raises(KeyRingError, match=r"already holds vault keys \(kek-0001.key\)"):
        KeyRing.create(tmp_path / "keys")
    assert (tmp_path / "keys" / "kek-0001.key").read_bytes() == before
    assert ring.current_id == KeyRing.load(tmp_path / "keys").current_id


def test_create_refuses_a_file(tmp_path: Path) -> None:
    (tmp_path / "keys").write_text("x")
    with pytest.raises(KeyRingError, match="is a file"):
        KeyRing.create(tmp_path / "keys")


def test_load_names_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(KeyRingError, match=rf"{tmp_path / 'nope'} does not exist.*key backup"):
        KeyRing.load(tmp_path / "nope")


def test_load_names_a_folder_without_keys(tmp_path: Path) -> None:
    (tmp_path / "signing.key").write_bytes(b"x")
    with pytest.raises(KeyRingError, match=rf"{tmp_path} holds no key-encryption key"):
        KeyRing.load(tmp_path)


def test_load_refuses_a_key_others_may_read(tmp_path: Path) -> None:
    KeyRing.create(tmp_path / "keys")
    (tmp_path / "keys" / "kek-0001.key").chmod(0o644)
    with pytest.raises(KeyRingError, match=r"may be read by others.*chmod 600"):
        KeyRing.load(tmp_path / "keys")


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: {**d, "key": base64.b64encode(b"short").decode()},
        lambda d: {**d, "key": "not base64!"},
        lambda d: {**d, "serial": 2},
        lambda d: {**d, "id": "XYZ"},
        lambda d: {**d, "format": "something-else"},
        lambda d: [d],
    ],
    ids=["short key", "not base64", "serial not the name's", "bad id", "format", "not an object"],
)
def test_load_names_a_damaged_key_file(tmp_path: Path, edit) -> None:  # type: ignore[no-untyped-def]
    KeyRing.create(tmp_path)
    path = tmp_path / "kek-0001.key"
    path.write_text(json.dumps(edit(json.loads(path.read_text()))))
    with pytest.raises(KeyRingError, match=rf"{path}: "):
        KeyRing.load(tmp_path)


def test_load_names_a_key_file_that_is_not_json(tmp_path: Path) -> None:
    KeyRing.create(tmp_path)
    (tmp_path / "kek-0001.key").write_text("{")
    with pytest.raises(KeyRingError, match=r"kek-0001.key: cannot read it"):
        KeyRing.load(tmp_path)


def test_rotate_adds_a_current_key_and_keeps_the_old(tmp_path: Path) -> None:
    ring = KeyRing.create(tmp_path)
    first, first_secret = ring.current()
    new = ring.rotate()
    assert new == ring.current_id != first.hex()
    assert [k.serial for k in ring.key_files()] == [1, 2]
    assert ring.lookup(first) == first_secret
    assert mode(tmp_path / "kek-0002.key") == 0o600
    assert KeyRing.load(tmp_path).current_id == new


def test_a_loaded_ring_sees_keys_another_process_adds_and_retires(tmp_path: Path) -> None:
    server = KeyRing.create(tmp_path)
    admin = KeyRing.load(tmp_path)
    old = server.current_id
    new = admin.rotate()
    assert server.lookup(bytes.fromhex(new))  # found even within one clock tick
    assert server.current_id == new
    admin.retire(old)
    with pytest.raises(KeyRingError, match=rf"no key with id {old} in {tmp_path}.*key backup"):
        server.lookup(bytes.fromhex(old))


def test_rotating_from_a_stale_ring_never_reuses_a_number(tmp_path: Path) -> None:
    one = KeyRing.create(tmp_path)
    two = KeyRing.load(tmp_path)
    one.rotate()
    two.rotate()
    assert [k.serial for k in KeyRing.load(tmp_path).key_files()] == [1, 2, 3]


def test_retire_refuses_the_current_key_and_unknown_ids(tmp_path: Path) -> None:
    ring = KeyRing.create(tmp_path)
    with pytest.raises(KeyRingError, match="is the current key"):
        ring.retire(ring.current_id)
    with pytest.raises(KeyRingError, match="no key with id 00"):
        ring.retire("0000000000000000")
    old = ring.current_id
    ring.rotate()
    ring.retire(old)
    assert [k.serial for k in ring.key_files()] == [2]
    assert not (tmp_path / "kek-0001.key").exists()


def test_no_temporary_files_stay_behind(tmp_path: Path) -> None:
    ring = KeyRing.create(tmp_path)
    ring.rotate()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kek-0001.key", "kek-0002.key"]
