"""The vault's checkpoint-signing key in its keys folder: made once by ``vault init``, read when
a checkpoint is signed.

The private key is a PKCS #8 PEM file readable by its owner only (0600), so standard tools
(``openssl pkey``) can read and back it up; beside it, ``vkey`` holds the public verifier key
line the department publishes. The database stores only the folder's path and the ``vkey``
line; losing the private key stops new checkpoints (old ones stay valid), see docs/vault.md.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from onrecord.vault.checkpoint import generate_key, parse_vkey, public_key_of, vkey_line
from onrecord.vault.errors import VaultError

SIGNING_KEY = "checkpoint-signing-key.pem"
VKEY = "vkey"


def create_signing_key(folder: Path, name: str) -> str:
    """Write a new Ed25519 key to ``folder`` (owner-only) and its ``vkey`` file; returns the
    verifier key line. Never overwrites: an existing key file is an error."""
    raw, vkey = generate_key(name)
    pem = Ed25519PrivateKey.from_private_bytes(raw).private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
    )
    path = folder / SIGNING_KEY
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise VaultError(
            f"{path} already exists; a vault's signing key is never replaced"
        ) from None
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    (folder / VKEY).write_text(vkey + "\n", encoding="utf-8")
    return vkey


def load_signing_key(folder: Path, vkey: str) -> bytes:
    """The 32 private bytes of the key in ``folder``, checked to be the one ``vkey`` names."""
    path = folder / SIGNING_KEY
    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except OSError as e:
        raise VaultError(
            f"cannot read the checkpoint-signing key {path} ({e.strerror}); run this as the "
            "account that owns the vault's keys folder, or give the folder with --keys"
        ) from None
    except ValueError:
        raise VaultError(f"{path} is not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise VaultError(f"{path} is not an Ed25519 key")
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    name = parse_vkey(vkey).name
    if vkey_line(name, public_key_of(raw)) != vkey:
        raise VaultError(
            f"{path} is not the key of this vault (its verifier key is {vkey}); "
            "give the vault's own keys folder with --keys"
        )
    return raw
