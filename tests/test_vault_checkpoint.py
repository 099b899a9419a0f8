"""Signed checkpoints: C2SP tlog-checkpoint in a C2SP signed-note, Ed25519."""

from __future__ import annotations

import base64
import hashlib

import pytest

from onrecord.vault.checkpoint import (
    Checkpoint,
    CheckpointError,
    generate_key,
    parse_vkey,
    public_key_of,
    sign_checkpoint,
    verify_checkpoint,
    vkey_line,
)
from vault_support import TEST_ORIGIN, TEST_PRIVATE_KEY

ROOT = hashlib.sha256(b"a root").digest()
KNOWN_VKEY = "vault.example.org/onrecord-test+6bf53233+AT8Kyg/402zBGY/BTaCK8HruZ2RZQ9H2TpVRqHHO9c2p"
KNOWN_SIGNATURE = (
    "— vault.example.org/onrecord-test a/UyM22Yqw6tLG3cgJEKgtbFsj8c+e/xU4o04hI2jYQ8ylRe28uqK8Vix"
    "xX8hk2TNjI5PBHQxDAsCS/3mSX0qCnHdwk=\n"
)
KNOWN_ROOT = bytes.fromhex("ae50593c1ad1f1187a9d092e3d098d40d38bf78eb5fec3cde7c4e1c992f1ea16")


def test_round_trip_with_a_new_key() -> None:
    private, vkey = generate_key("example.org/vault")
    note = sign_checkpoint("example.org/vault", 12, ROOT, private)
    assert note.startswith(f"example.org/vault\n12\n{base64.b64encode(ROOT).decode()}\n\n— ")
    assert verify_checkpoint(note, vkey) == Checkpoint("example.org/vault", 12, ROOT)


def test_known_answer() -> None:
    public = public_key_of(TEST_PRIVATE_KEY)
    key_id = hashlib.sha256(TEST_ORIGIN.encode() + b"\n\x01" + public).digest()[:4]
    assert vkey_line(TEST_ORIGIN, public) == KNOWN_VKEY
    assert KNOWN_VKEY.split("+")[1] == key_id.hex()
    note = sign_checkpoint(TEST_ORIGIN, 5, KNOWN_ROOT, TEST_PRIVATE_KEY)
    body = f"{TEST_ORIGIN}\n5\n{base64.b64encode(KNOWN_ROOT).decode()}\n"
    assert note == body + "\n" + KNOWN_SIGNATURE
    assert verify_checkpoint(note, KNOWN_VKEY) == Checkpoint(TEST_ORIGIN, 5, KNOWN_ROOT)


def good() -> str:
    return sign_checkpoint(TEST_ORIGIN, 5, KNOWN_ROOT, TEST_PRIVATE_KEY)


@pytest.mark.parametrize(
    ("note", "message"),
    [
        (good().replace("\n5\n", "\n6\n"), "does not verify"),
        (good().replace("\n5\n", "\n05\n"), "not a decimal"),
        (good().replace("\u2014", "-"), "does not start with"),
        (good().replace("\n\n", "\n"), "no blank line"),
        (good()[:-1], "no final newline"),
        (good().replace(TEST_ORIGIN + "\n", "other\n", 1), "is not the key's name"),
        (good().replace("rlBZ", "!!BZ"), "not standard base64"),
        (good().replace("rlBZPBrR8Rh6nQkuPQmNQNOL9461/sPN58ThyZLx6hY=", "AAAA"), "not 32"),
        (good().replace("=\n\n", "=\nextension\n\n"), "three lines"),
    ],
)
def test_malformed_or_forged_checkpoints_are_refused(note: str, message: str) -> None:
    with pytest.raises(CheckpointError, match=message):
        verify_checkpoint(note, KNOWN_VKEY)


def test_a_signature_by_another_key_is_not_enough() -> None:
    other, _ = generate_key(TEST_ORIGIN)
    note = sign_checkpoint(TEST_ORIGIN, 5, KNOWN_ROOT, other)
    with pytest.raises(CheckpointError, match="no signature by the key"):
        verify_checkpoint(note, KNOWN_VKEY)
    # a note with both signatures verifies: other keys' signatures are ignored
    both = note + KNOWN_SIGNATURE
    assert verify_checkpoint(both, KNOWN_VKEY).size == 5


@pytest.mark.parametrize(
    ("vkey", "message"),
    [
        ("no-plus-signs", "expected"),
        (KNOWN_VKEY.replace("+6bf53233+", "+6bf53234+"), "key id does not match"),
        (KNOWN_VKEY.replace("+6bf53233+", "+6BF53233+"), "8 lower-case hex"),
        (KNOWN_VKEY.replace("+AT8K", "+Aj8K"), "not an Ed25519 key"),
        ("bad name+6bf53233+AT8K", "no spaces"),
    ],
)
def test_malformed_verifier_keys_are_refused(vkey: str, message: str) -> None:
    with pytest.raises(CheckpointError, match=message):
        parse_vkey(vkey)


def test_a_verifier_key_whose_base64_holds_plus_signs() -> None:
    # the key's base64 may contain "+": only the first two "+" separate the fields
    for seed in range(100):
        private = hashlib.sha256(b"plus %d" % seed).digest()
        vkey = vkey_line("example.org/vault", public_key_of(private))
        if "+" in vkey.split("+", 2)[2]:
            break
    else:
        pytest.fail("no key among 100 with a '+' in its base64")
    note = sign_checkpoint("example.org/vault", 3, ROOT, private)
    assert verify_checkpoint(note, vkey).size == 3
