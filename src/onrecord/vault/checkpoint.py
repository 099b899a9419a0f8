"""Signed tree heads: C2SP ``tlog-checkpoint`` notes signed as C2SP ``signed-note`` with Ed25519.

A checkpoint is the text ``<origin>\\n<size>\\n<base64 root>\\n``, a blank line, then one line per
signature, ``— <key name> <base64(key id ‖ signature)>\\n`` (an em dash, U+2014, then a space). The
key id is the first 4 bytes of SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key); the verifier key is
published as ``<key name>+<key id hex>+<base64(0x01 ‖ public key)>``. The contract makes the origin
and the key name the same string, and its body exactly three lines (no extension lines).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

ED25519 = 0x01
DASH = "\u2014 "
_NAME = re.compile(r"[^\s+]+")  # signed-note: no spaces or plus signs in a key name


class CheckpointError(ValueError):
    """A checkpoint or verifier key that is malformed or does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes


@dataclass(frozen=True)
class Verifier:
    name: str
    key_id: bytes
    public_key: bytes


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public_key).digest()[:4]


def vkey_line(name: str, public_key: bytes) -> str:
    encoded = base64.b64encode(bytes([ED25519]) + public_key).decode()
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


def check_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise CheckpointError(f"key name {name!r}: one or more characters, no spaces or '+'")


def public_key_of(private_key: bytes) -> bytes:
    return (
        Ed25519PrivateKey.from_private_bytes(private_key)
        .public_key()
        .public_bytes(Encoding.Raw, PublicFormat.Raw)
    )


def generate_key(name: str) -> tuple[bytes, str]:
    """A new Ed25519 key: its 32 private bytes (keep them secret) and its verifier key line."""
    check_name(name)
    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return raw, vkey_line(name, public_key_of(raw))


def body(origin: str, size: int, root: bytes) -> str:
    """The checkpoint's note text, the bytes its signature covers."""
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def sign_checkpoint(origin: str, size: int, root: bytes, private_key: bytes) -> str:
    """The signed checkpoint for the tree of ``size`` leaves with head ``root``; the key name is
    the origin, as the contract has it."""
    check_name(origin)
    if size < 0 or len(root) != 32:
        raise CheckpointError("a checkpoint has a size ≥ 0 and a 32-byte root")
    text = body(origin, size, root)
    signature = Ed25519PrivateKey.from_private_bytes(private_key).sign(text.encode())
    kid = key_id(origin, public_key_of(private_key))
    return f"{text}\n{DASH}{origin} {base64.b64encode(kid + signature).decode()}\n"


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise CheckpointError(f"{what}: {text!r} is not standard base64") from None


def parse_vkey(line: str) -> Verifier:
    """The verifier key ``<name>+<key id hex>+<base64(0x01 ‖ public key)>``, checked."""
    parts = line.strip().split("+", 2)  # base64 may hold "+" too
    if len(parts) != 3:
        raise CheckpointError("verifier key: expected <name>+<key id hex>+<base64 key>")
    name, kid_hex, encoded = parts
    check_name(name)
    if not re.fullmatch(r"[0-9a-f]{8}", kid_hex):
        raise CheckpointError(f"verifier key: key id {kid_hex!r} is not 8 lower-case hex digits")
    raw = _b64(encoded, "verifier key")
    if len(raw) != 33 or raw[0] != ED25519:
        raise CheckpointError("verifier key: not an Ed25519 key (0x01 then 32 bytes)")
    if key_id(name, raw[1:]).hex() != kid_hex:
        raise CheckpointError("verifier key: the key id does not match the name and key")
    return Verifier(name, bytes.fromhex(kid_hex), raw[1:])


def parse_body(text: str) -> Checkpoint:
    lines = text.split("\n")
    if len(lines) != 4 or lines[3] != "":
        raise CheckpointError("checkpoint: the body is three lines, origin, size and root")
    origin, size, root = lines[:3]
    if not origin:
        raise CheckpointError("checkpoint: the origin line is empty")
    if not re.fullmatch(r"0|[1-9][0-9]*", size):
        raise CheckpointError(f"checkpoint: size {size!r} is not a decimal number")
    raw = _b64(root, "checkpoint root")
    if len(raw) != 32:
        raise CheckpointError(f"checkpoint: the root is {len(raw)} bytes, not 32")
    return Checkpoint(origin, int(size), raw)


def verify_checkpoint(note: str, vkey: str) -> Checkpoint:
    """The checkpoint in ``note`` if a signature by ``vkey`` holds over it; otherwise
    ``CheckpointError`` saying what is wrong. Signatures by other keys are ignored."""
    verifier = parse_vkey(vkey)
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        raise CheckpointError(
            "checkpoint: no blank line before the signatures, or no final newline"
        )
    text, signatures = note[: cut + 1], note[cut + 2 : -1].split("\n")
    checkpoint = parse_body(text)
    if checkpoint.origin != verifier.name:
        raise CheckpointError(
            f"checkpoint: origin {checkpoint.origin!r} is not the key's name {verifier.name!r}"
        )
    public = Ed25519PublicKey.from_public_bytes(verifier.public_key)
    for line in signatures:
        if not line.startswith(DASH):
            raise CheckpointError(f"checkpoint: signature line {line!r} does not start with '— '")
        fields = line[len(DASH) :].split(" ")
        if len(fields) != 2:
            raise CheckpointError(f"checkpoint: signature line {line!r} is not '— name signature'")
        name, encoded = fields
        raw = _b64(encoded, "signature")
        if len(raw) < 5:
            raise CheckpointError("checkpoint: a signature shorter than its key id")
        if name != verifier.name or raw[:4] != verifier.key_id:
            continue
        try:
            public.verify(raw[4:], text.encode())
        except InvalidSignature:
            raise CheckpointError(
                "checkpoint: the signature does not verify under the key"
            ) from None
        return checkpoint
    raise CheckpointError(f"checkpoint: no signature by the key {verifier.name!r}")
