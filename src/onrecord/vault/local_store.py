"""Blobs in a local folder, encrypted at rest: the vault's default store.

Layout under the folder (every file 0600, every folder 0700)::

    blobs/ab/cd/<sha256>   the header of the blob whose plaintext hashes to ab cd …
    bodies/ef/<body id>    its sealed chunks (the body id is in the header)
    tmp/                   bodies and headers being written

A put streams the plaintext through the sealer into ``tmp/`` (hashing it on the way, one chunk in
memory), fsyncs the body, renames it into ``bodies/``, fsyncs that folder, then links the header
into ``blobs/`` (a link fails rather than replace an existing name, so two puts of the same bytes
racing keep exactly one) and fsyncs that folder. A process killed at any point leaves nothing
under ``blobs/``: at most a file in ``tmp/`` or a body no header names, neither of which is a
blob. No room on the disk (ENOSPC, a quota, a file size limit) is ``StoreFull``, with the partial
file removed.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from onrecord.vault.encryption import CHUNK_SIZE, EnvelopeError, Header, Sealer, check_body_size
from onrecord.vault.keyring import KeyRing
from onrecord.vault.sealed_store import BodyReader, SealedStore, check_sha256
from onrecord.vault.store import BlobCorrupt, StoredBlob, StoreError, StoreFull

_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_HEX2 = re.compile(r"[0-9a-f]{2}")
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _error(e: OSError, doing: str, where: Path) -> StoreError:
    if e.errno in _FULL:
        return StoreFull(
            f"no room to store the blob in {where} ({e.strerror}); free space or move the "
            "store to a larger disk, then send it again"
        )
    return StoreError(f"cannot {doing} {where}: {e.strerror or e}")


def _sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_dirs(path: Path) -> None:
    """``path`` and any missing parents, each new one made durable in its parent."""
    if path.is_dir():
        return
    _make_dirs(path.parent)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        return  # another put made it
    _sync_dir(path.parent)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class LocalStore(SealedStore):
    """Blobs under ``folder`` (made 0700 if missing), data keys wrapped by ``keyring``'s keys."""

    def __init__(self, folder: Path, keyring: KeyRing, *, chunk_size: int = CHUNK_SIZE) -> None:
        super().__init__(keyring, chunk_size)
        self.root = Path(folder)
        self._location = str(folder)
        if self.root.exists() and not self.root.is_dir():
            raise StoreError(f"the store {folder} is a file, not a folder")
        keys, root = keyring.folder.resolve(), self.root.resolve()
        if keys == root or root in keys.parents:
            raise StoreError(
                f"the key folder {keyring.folder} is inside the store {folder}: keep the keys "
                "apart, so that a copy or a thief of the store does not also get its keys"
            )
        try:
            for sub in ("blobs", "bodies", "tmp"):
                _make_dirs(self.root / sub)
        except OSError as e:
            raise _error(e, "make the store folder", self.root) from None

    @property
    def location(self) -> str:
        return self._location

    def _header_path(self, sha256: str) -> Path:
        return self.root / "blobs" / sha256[:2] / sha256[2:4] / sha256

    def _body_path(self, body_id: str) -> Path:
        return self.root / "bodies" / body_id[:2] / body_id

    def check(self) -> None:
        probe = self.root / "tmp" / f"check-{os.urandom(4).hex()}"
        try:
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as e:
            raise _error(e, "write in", self.root) from None

    def put(self, chunks: Iterable[bytes]) -> StoredBlob:
        sealer = Sealer(self.chunk_size)
        temp = self.root / "tmp" / f"{sealer.body_id.hex()}.body"
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as e:
            raise _error(e, "write in", self.root) from None
        try:
            try:
                # Only the store's own calls are translated: an OSError from the caller's
                # stream (a client gone) is the caller's and passes through as it is.
                for sealed in sealer.seal(chunks):
                    try:
                        _write_all(fd, sealed)
                    except OSError as e:
                        raise _error(e, "write", temp) from None
                try:
                    os.fsync(fd)
                except OSError as e:
                    raise _error(e, "write", temp) from None
            finally:
                os.close(fd)
            final = self._header_path(sealer.sha256)
            if final.exists():
                return StoredBlob(sealer.sha256, sealer.size, new=False)
            try:
                return self._commit(sealer, temp, final)
            except OSError as e:
                raise _error(e, "store a blob in", self.root) from None
        finally:
            temp.unlink(missing_ok=True)

    def _commit(self, sealer: Sealer, temp: Path, final: Path) -> StoredBlob:
        """Move the durable body into place, then link its header: the moment it is visible."""
        header = sealer.header(*self.keyring.current())
        body = self._body_path(sealer.body_id.hex())
        _make_dirs(body.parent)
        os.rename(temp, body)
        _sync_dir(body.parent)
        temp_header = temp.with_suffix(".header")
        try:
            fd = os.open(temp_header, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                _write_all(fd, header.to_bytes())
                os.fsync(fd)
            finally:
                os.close(fd)
            _make_dirs(final.parent)
            try:
                os.link(temp_header, final)
            except FileExistsError:  # the same bytes, stored by another put meanwhile
                body.unlink()
                return StoredBlob(sealer.sha256, sealer.size, new=False)
        except BaseException:  # no header of ours was linked: its body is nobody's
            body.unlink(missing_ok=True)
            raise
        finally:
            temp_header.unlink(missing_ok=True)
        _sync_dir(final.parent)
        return StoredBlob(sealer.sha256, sealer.size, new=True)

    def _get_header(self, sha256: str) -> bytes | None:
        try:
            return self._header_path(sha256).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as e:
            raise _error(e, "read", self._header_path(sha256)) from None

    def _replace_header(self, sha256: str, raw: bytes) -> None:
        final = self._header_path(sha256)
        temp = self.root / "tmp" / f"{sha256}.rewrap"
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                _write_all(fd, raw)
                os.fsync(fd)
            finally:
                os.close(fd)
            if final.exists():  # not deleted meanwhile
                os.replace(temp, final)
                _sync_dir(final.parent)
        except OSError as e:
            raise _error(e, "rewrite", final) from None
        finally:
            temp.unlink(missing_ok=True)

    @contextmanager
    def _body(self, header: Header, offset: int, length: int) -> Iterator[BodyReader]:
        path = self._body_path(header.body_id.hex())
        try:
            f = path.open("rb")
        except FileNotFoundError:
            raise BlobCorrupt(
                f"the body {path} its header names is missing from {self.location}"
            ) from None
        except OSError as e:
            raise _error(e, "read", path) from None
        with f:
            check_body_size(header, os.fstat(f.fileno()).st_size)
            f.seek(offset)
            yield f.read

    def delete(self, sha256: str) -> None:
        """Remove the header (the blob is gone from then on), then its body."""
        final = self._header_path(check_sha256(sha256))
        raw = self._get_header(sha256)
        if raw is None:
            return
        try:
            body_id = Header.from_bytes(raw).body_id.hex()
        except EnvelopeError:
            body_id = None  # a damaged header: its body cannot be found; remove the header
        try:
            final.unlink(missing_ok=True)
            _sync_dir(final.parent)
            if body_id is not None:
                body = self._body_path(body_id)
                body.unlink(missing_ok=True)
                _sync_dir(body.parent)
        except OSError as e:
            raise _error(e, "delete", final) from None

    def hashes(self) -> Iterator[str]:
        """Every blob's SHA-256, in order (the fan-out folders are prefixes of the names)."""
        blobs = self.root / "blobs"
        try:
            for one in sorted(os.listdir(blobs)):
                if not _HEX2.fullmatch(one):
                    continue
                for two in sorted(os.listdir(blobs / one)):
                    if not _HEX2.fullmatch(two):
                        continue
                    for name in sorted(os.listdir(blobs / one / two)):
                        if _SHA256.fullmatch(name) and name.startswith(one + two):
                            yield name
        except OSError as e:
            raise _error(e, "list the blobs in", blobs) from None
