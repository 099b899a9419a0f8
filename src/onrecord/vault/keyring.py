"""The department's key-encryption keys (KEKs): files in a key folder the vault reads at start.

Each key is one file, ``kek-0001.key``, ``kek-0002.key``…, readable by its owner only (0600) in a
folder only its owner may enter (0700). The highest number is the **current** key: new blobs'
data keys are wrapped by it. Older keys stay until every blob's data key has been rewrapped by a
newer one (``rotate`` adds a key; the store's ``rewrap`` moves the blobs; ``retire`` removes an
old key). A file is JSON::

    {"format": "onrecord-vault-kek", "version": 1, "serial": 1, "id": "<16 hex>",
     "created": "2026-12-02T07:00:00Z", "key": "<base64 of 32 bytes>"}

Losing the files loses the footage: nothing else can unwrap a blob's data key. The folder may
also hold other vault keys (the custody log's signing key); files not named ``kek-NNNN.key`` are
not this module's and are left alone.

A running server sees keys another process added or retired: the ring rereads the folder when its
modification time changes (one ``stat`` per blob stored or opened).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import stat
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from onrecord.vault.encryption import KEY_ID_SIZE, KEY_SIZE
from onrecord.vault.store import StoreError

FORMAT = "onrecord-vault-kek"
_NAME = re.compile(r"kek-(\d{4,})\.key")


class KeyRingError(StoreError):
    """The key folder is missing, damaged, or lacks a key a blob needs; the message says which
    and what to do."""


@dataclass(frozen=True)
class KeyInfo:
    """One key file: its id (hex, as headers and messages name it), number, creation time."""

    id: str
    serial: int
    created: str
    path: Path


@dataclass(frozen=True)
class _Key:
    info: KeyInfo
    secret: bytes


class KeyRing:
    """The KEKs in one folder. Make it with ``create`` (a new vault) or ``load``."""

    def __init__(self, folder: Path, keys: list[_Key], stamp: int) -> None:
        self.folder = folder
        self._keys = keys
        self._stamp = stamp
        self._lock = threading.Lock()

    @classmethod
    def create(cls, folder: Path) -> KeyRing:
        """A new key folder (made 0700 if need be) holding a first key; refuses a folder that
        already holds vault keys, so no key is ever replaced."""
        folder = Path(folder)
        if folder.exists() and not folder.is_dir():
            raise KeyRingError(f"{folder} is a file, not a folder for the vault's keys")
        existing = sorted(p.name for p in folder.glob("kek-*.key")) if folder.is_dir() else []
        if existing:
            raise KeyRingError(
                f"{folder} already holds vault keys ({', '.join(existing)}); load it instead, "
                "or choose an empty folder (creating keys never replaces old ones)"
            )
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            folder.chmod(0o700)
            _write_key(folder, 1)
        except OSError as e:
            raise KeyRingError(f"cannot make the vault's first key in {folder}: {e}") from None
        return cls.load(folder)

    @classmethod
    def load(cls, folder: Path) -> KeyRing:
        """The keys in ``folder``, each file checked; ``KeyRingError`` naming the folder or the
        file and what is wrong."""
        folder = Path(folder)
        keys, stamp = _read_folder(folder)
        return cls(folder, keys, stamp)

    def _refresh(self, force: bool = False) -> list[_Key]:
        """The keys, reread if the folder changed since they were read (or ``force``: a folder's
        time stamp may not move for two changes within a clock tick)."""
        try:
            stamp = self.folder.stat().st_mtime_ns
        except OSError:
            return self._keys  # a folder gone while running: keep the keys already read
        if force or stamp != self._stamp:
            with self._lock:
                self._keys, self._stamp = _read_folder(self.folder)
        return self._keys

    def key_files(self) -> list[KeyInfo]:
        """Every key, oldest first; the last is the current one."""
        return [k.info for k in self._refresh()]

    @property
    def current_id(self) -> str:
        return self._refresh()[-1].info.id

    def current(self) -> tuple[bytes, bytes]:
        """The current key's id (8 bytes) and secret (32 bytes): what wraps new data keys."""
        key = self._refresh()[-1]
        return bytes.fromhex(key.info.id), key.secret

    def lookup(self, key_id: bytes) -> bytes:
        """The secret of the key with id ``key_id``; ``KeyRingError`` if the folder lacks it."""
        for force in (False, True):
            for key in self._refresh(force):
                if key.info.id == key_id.hex():
                    return key.secret
        raise KeyRingError(
            f"no key with id {key_id.hex()} in {self.folder}: the blob was sealed under a key "
            "that is not there (restore that key file from your key backup) or its header "
            "was damaged"
        )

    def rotate(self) -> str:
        """Add a new key and make it current; returns its id. Blobs keep their old wrapping
        until the store's ``rewrap`` moves them to it."""
        serial = max(k.info.serial for k in self._refresh(force=True)) + 1
        while True:
            try:
                _write_key(self.folder, serial)
                break
            except FileExistsError:  # another process rotated at the same moment
                serial += 1
            except OSError as e:
                raise KeyRingError(f"cannot write a key in {self.folder}: {e}") from None
        return self._refresh(force=True)[-1].info.id

    def retire(self, key_id: str) -> None:
        """Delete an old key's file. Only once no blob uses it (``stores.retire_unused`` checks
        that): a blob whose key is gone cannot be read by anyone."""
        keys = self._refresh(force=True)
        if keys[-1].info.id == key_id:
            raise KeyRingError(f"key {key_id} is the current key; rotate before retiring it")
        for key in keys:
            if key.info.id == key_id:
                key.info.path.unlink()
                _sync_folder(self.folder)
                self._refresh(force=True)
                return
        raise KeyRingError(f"no key with id {key_id} in {self.folder}")


def _read_folder(folder: Path) -> tuple[list[_Key], int]:
    if not folder.is_dir():
        raise KeyRingError(
            f"the key folder {folder} does not exist. It holds the keys that unlock the stored "
            "footage (made by `onrecord vault init`): restore it from your key backup, or give "
            "the folder it is in"
        )
    stamp = folder.stat().st_mtime_ns
    keys = []
    for path in sorted(folder.iterdir()):
        match = _NAME.fullmatch(path.name)
        if match:
            keys.append(_read_key(path, int(match.group(1))))
    if not keys:
        raise KeyRingError(
            f"{folder} holds no key-encryption key (kek-0001.key…): restore the key files from "
            "your key backup; without them the stored footage cannot be read"
        )
    keys.sort(key=lambda k: k.info.serial)
    ids = [k.info.id for k in keys]
    if len(set(ids)) != len(ids):
        raise KeyRingError(f"{folder}: two key files have the same id; restore it from backup")
    return keys, stamp


def _read_key(path: Path, serial: int) -> _Key:
    mode = path.stat().st_mode
    if mode & 0o077:
        raise KeyRingError(
            f"{path} may be read by others (mode {stat.filemode(mode)}); a key file is for its "
            f"owner only: chmod 600 {path}"
        )
    try:
        doc: Any = json.loads(path.read_text(encoding="utf-8"))
        ok = (
            isinstance(doc, dict)
            and doc.get("format") == FORMAT
            and doc.get("version") == 1
            and doc.get("serial") == serial
            and isinstance(doc.get("id"), str)
            and re.fullmatch(r"[0-9a-f]{16}", doc["id"]) is not None
            and isinstance(doc.get("created"), str)
            and isinstance(doc.get("key"), str)
        )
        secret = base64.b64decode(doc["key"], validate=True) if ok else b""
    except (OSError, UnicodeDecodeError, ValueError, binascii.Error) as e:
        raise KeyRingError(f"{path}: cannot read it as a vault key file ({e})") from None
    if not ok or len(secret) != KEY_SIZE:
        raise KeyRingError(
            f"{path}: not a vault key file of serial {serial} (format {FORMAT!r}, version 1, "
            "a 16-hex-digit id, a 32-byte key); restore it from your key backup"
        )
    return _Key(KeyInfo(doc["id"], serial, doc["created"], path), secret)


def _write_key(folder: Path, serial: int) -> None:
    """Write ``kek-<serial>.key`` with a new random key, durably, never over an existing file
    (``FileExistsError`` if it exists)."""
    doc = {
        "format": FORMAT,
        "version": 1,
        "serial": serial,
        "id": os.urandom(KEY_ID_SIZE).hex(),
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "key": base64.b64encode(os.urandom(KEY_SIZE)).decode(),
    }
    final = folder / f"kek-{serial:04d}.key"
    temp = folder / f".kek-{serial:04d}-{os.urandom(4).hex()}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(doc, indent=1) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.link(temp, final)  # fails if the name exists: a key is never replaced
    finally:
        temp.unlink(missing_ok=True)
    _sync_folder(folder)


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
