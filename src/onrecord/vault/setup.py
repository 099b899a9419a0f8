"""Creating a vault (``onrecord vault init``) and reaching its blob store.

A vault is made once per operational database: the newest schema, a keys folder that did not
exist (or is empty), the blob store's keys and the checkpoint-signing key in it, and in the
database the settings (where the store and the folder are; never a key), the log's head and its
first entry, ``vault created``, under a first checkpoint. A failure on the way removes the keys
folder it made, so a second attempt starts clean.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from onrecord.database import connection as db
from onrecord.database.vault import VaultLogHead, VaultSettings
from onrecord.vault.checkpoint import CheckpointError, check_name
from onrecord.vault.errors import VaultError
from onrecord.vault.keyring import KeyRing
from onrecord.vault.log import Action, LogWriter, Signer
from onrecord.vault.signing import create_signing_key, load_signing_key
from onrecord.vault.store import BlobStore
from onrecord.vault.stores import open_store


def connect_store(
    location: str, keys: Path, *, endpoint_url: str | None, create: bool
) -> BlobStore:
    """The blob store at ``location`` (a folder or ``s3://bucket/prefix``), encrypting under the
    keys in ``keys``, which ``create`` makes first (``vault init``)."""
    ring = KeyRing.create(keys) if create else KeyRing.load(keys)
    store: BlobStore = open_store(location, ring, endpoint_url=endpoint_url)
    return store


def default_keys_folder(origin: str) -> Path:
    """Where ``init`` puts the keys when not told: under the user's configuration folder, apart
    from the database and the store, one folder per vault."""
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return config / "onrecord" / "vault-keys" / origin.replace("/", "_")


def init_vault(
    url: str,
    *,
    store_location: str,
    origin: str,
    keys: Path,
    endpoint_url: str | None = None,
    clock: Callable[[], datetime] | None = None,
) -> BlobStore:
    """Create the vault in the database at ``url`` (made and migrated if needed); returns its
    store. Raises ``VaultError`` (or ``db.DatabaseError``) saying what to change."""
    try:
        check_name(origin)
    except CheckpointError:
        raise VaultError(
            f"origin {origin!r}: one or more characters, no spaces or '+' "
            "(e.g. vault.somerville.example/bwc)"
        ) from None
    now = clock or (lambda: datetime.now(UTC))
    engine = db.connect(url, create=True)
    db.upgrade(engine)
    with Session(engine) as s:
        existing = s.scalar(select(VaultSettings))
    if existing is not None:
        raise VaultError(
            f"{engine.url.render_as_string(hide_password=True)} already holds the vault "
            f"{existing.origin!r}; a database holds one vault"
        )
    keys = keys.expanduser().resolve()
    if keys.exists() and (not keys.is_dir() or any(keys.iterdir())):
        raise VaultError(
            f"{keys} already exists; give --keys a new folder (a vault's keys are never "
            "overwritten or shared with another vault)"
        )
    made = not keys.exists()
    try:
        keys.mkdir(mode=0o700, parents=True, exist_ok=True)
        store = connect_store(store_location, keys, endpoint_url=endpoint_url, create=True)
        vkey = create_signing_key(keys, origin)
        signer = Signer(origin, load_signing_key(keys, vkey))
        with Session(engine) as s, s.begin():
            s.add(
                VaultSettings(
                    id=1,
                    origin=origin,
                    vkey=vkey,
                    store_location=store.location,
                    endpoint_url=endpoint_url,
                    keys_folder=str(keys),
                    created_at=now(),
                )
            )
            s.add(VaultLogHead(id=1, size=0))
            s.flush()
            log = LogWriter(s, now)
            details = {"origin": origin, "vkey": vkey, "store": store.location}
            log.append(
                Action.VAULT_CREATED, actor="system", item=None, details=details, source=None
            )
            log.checkpoint(signer)
    except BaseException:
        if made:
            shutil.rmtree(keys, ignore_errors=True)
        else:
            for child in keys.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        raise
    engine.dispose()
    return store
