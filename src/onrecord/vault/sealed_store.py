"""What the local and the S3 blob stores share: reading and rewrapping envelope-encrypted blobs.

A stored blob is a small header under its plaintext's SHA-256 and a body of sealed chunks under
the header's random body id (format: ``encryption``). The header is written last and only once
the body is complete and durable, so the header's presence *is* the blob's visibility: a put cut
short leaves at most a body nothing names. Rotating the key-encryption key rewrites headers only.

Each store supplies the few primitives over its medium (get or replace a header, read a range
of a body, list and delete); this class turns them into the ``BlobStore`` reads and the key
maintenance (``rewrap``, ``key_usage``) the CLI offers administrators.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from onrecord.vault.encryption import (
    CHUNK_SIZE,
    EnvelopeError,
    Header,
    Opened,
    Span,
    open_header,
    open_span,
    rewrap,
    sealed_chunks,
    span,
)
from onrecord.vault.keyring import KeyRing, KeyRingError
from onrecord.vault.store import BlobCorrupt, BlobMissing, StoredBlob

_SHA256 = re.compile(r"[0-9a-f]{64}")

# Reads n bytes of a body from where the read was opened (fewer only at its end).
BodyReader = Callable[[int], bytes]


def check_sha256(sha256: str) -> str:
    """``sha256`` if it is 64 lower-case hex digits (it names files and objects, so nothing else
    may pass); ``ValueError`` otherwise."""
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise ValueError(f"{sha256!r} is not a SHA-256 in hex (64 digits 0-9 a-f)")
    return sha256


@dataclass
class RewrapReport:
    """What ``rewrap`` did: blobs moved to the current key, blobs already under it, and blobs
    whose header would not open (hash → reason; ``verify`` says more), which keep their key."""

    key_id: str
    rewrapped: int = 0
    current: int = 0
    damaged: dict[str, str] = field(default_factory=dict)


class SealedStore(ABC):
    """A ``BlobStore`` of envelope-encrypted blobs under the keys of ``keyring``."""

    def __init__(self, keyring: KeyRing, chunk_size: int = CHUNK_SIZE) -> None:
        self.keyring = keyring
        self.chunk_size = chunk_size

    # The medium's primitives.

    @property
    @abstractmethod
    def location(self) -> str: ...

    @abstractmethod
    def put(self, chunks: Iterable[bytes]) -> StoredBlob: ...

    @abstractmethod
    def delete(self, sha256: str) -> None: ...

    @abstractmethod
    def hashes(self) -> Iterator[str]: ...

    @abstractmethod
    def check(self) -> None:
        """Raise ``StoreError`` saying what is wrong if blobs cannot be stored here now."""

    @abstractmethod
    def _get_header(self, sha256: str) -> bytes | None:
        """The header stored under ``sha256``, or None."""

    @abstractmethod
    def _replace_header(self, sha256: str, raw: bytes) -> None:
        """Atomically replace an existing header (rewrapping)."""

    @abstractmethod
    def _body(self, header: Header, offset: int, length: int) -> AbstractContextManager[BodyReader]:
        """A reader of ``length`` bytes of the body ``header`` names, from ``offset``, once the
        body's stored length is checked (``check_body_size``)."""

    # What the vault sees.

    def _open(self, sha256: str) -> Opened:
        raw = self._get_header(check_sha256(sha256))
        if raw is None:
            raise BlobMissing(f"no blob {sha256} in {self.location}")
        try:
            return open_header(raw, self.keyring.lookup)
        except EnvelopeError as e:
            raise BlobCorrupt(f"blob {sha256} in {self.location}: {e}") from None
        except KeyRingError as e:
            raise KeyRingError(f"blob {sha256}: {e}") from None

    def size(self, sha256: str) -> int | None:
        """The plaintext size from the blob's header, authenticated; None if not stored."""
        try:
            return self._open(sha256).header.size
        except BlobMissing:
            return None

    def read(self, sha256: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The plaintext ``[start, end)`` (``end`` past the size means to the end). A missing or
        damaged header raises here; a damaged chunk raises ``BlobCorrupt`` as it is reached."""
        opened = self._open(sha256)
        where = span(opened.header, start, end)
        return iter(()) if where is None else self._stream(sha256, opened, where)

    def _stream(self, sha256: str, opened: Opened, where: Span) -> Iterator[bytes]:
        try:
            with self._body(opened.header, where.offset, where.length) as read:
                yield from open_span(opened, where, sealed_chunks(opened.header, where, read))
        except EnvelopeError as e:
            raise BlobCorrupt(f"blob {sha256} in {self.location}: {e}") from None

    # Key maintenance.

    def rewrap(self) -> RewrapReport:
        """Rewrap every blob's data key under the key ring's current key (headers only; the
        footage is not decrypted or rewritten). Safe to rerun; blobs stored meanwhile are
        already under the current key. Run it while nothing deletes blobs."""
        key_id, kek = self.keyring.current()
        report = RewrapReport(key_id.hex())
        for sha in self.hashes():
            raw = self._get_header(sha)
            if raw is None:
                continue  # deleted meanwhile
            try:
                if Header.from_bytes(raw).key_id == key_id:
                    report.current += 1
                    continue
                new = rewrap(raw, self.keyring.lookup, key_id, kek)
            except (EnvelopeError, KeyRingError) as e:
                report.damaged[sha] = str(e)
                continue
            self._replace_header(sha, new)
            report.rewrapped += 1
        return report

    def key_usage(self) -> dict[str, int]:
        """How many blobs each key id wraps (hex id → count), read from the headers.
        ``BlobCorrupt`` if a header cannot be read: no key may be retired while that stands."""
        usage: dict[str, int] = {}
        for sha in self.hashes():
            raw = self._get_header(sha)
            if raw is None:
                continue
            try:
                key = Header.from_bytes(raw).key_id.hex()
            except EnvelopeError as e:
                raise BlobCorrupt(f"blob {sha} in {self.location}: {e}") from None
            usage[key] = usage.get(key, 0) + 1
        return usage
