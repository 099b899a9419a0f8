"""What the vault asks of a blob store: bytes kept by the SHA-256 of their plaintext.

The vault's services (ingest, playback, verify, dispose) see only this protocol, so a local
folder and an S3-compatible object store are interchangeable and encryption at rest stays the
store's business. A blob's bytes never change once stored: putting the same bytes again stores
nothing new.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol


class StoreError(Exception):
    """The store cannot do what was asked; the message says what and what to do."""


class StoreFull(StoreError):
    """No room left for the blob (the content destination answers 507)."""


class StoreUnavailable(StoreError):
    """The store could not be reached or failed part-way; retrying later may succeed (503)."""


class BlobMissing(StoreError):
    """No blob with that SHA-256 is stored."""


class BlobCorrupt(StoreError):
    """A stored blob's bytes fail authentication: changed or cut at rest, its header damaged, or
    sealed under a key other than the one its header names. ``verify`` reports it by hash."""


@dataclass(frozen=True)
class StoredBlob:
    """A stored blob: its plaintext's SHA-256 (hex) and size, and whether this put added it."""

    sha256: str
    size: int
    new: bool


class BlobStore(Protocol):
    """Content-addressed storage of plaintext bytes, encrypted at rest by the implementation."""

    def put(self, chunks: Iterable[bytes]) -> StoredBlob:
        """Store a stream in bounded memory; nothing shows under its hash until all of it is in.
        An exception from ``chunks`` (a client gone) abandons the put and passes through;
        ``StoreFull`` and ``StoreUnavailable`` say the store could not take it now."""
        ...

    def size(self, sha256: str) -> int | None:
        """The plaintext size of a stored blob, or None when it is not stored."""
        ...

    def read(self, sha256: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The plaintext bytes ``[start, end)``, decrypting only the chunks that hold them
        (``end`` past the size means to the end). ``BlobMissing`` if it is not stored;
        ``BlobCorrupt`` if its stored bytes fail authentication."""
        ...

    def delete(self, sha256: str) -> None:
        """Remove a blob's bytes (disposition); deleting a missing blob is not an error."""
        ...

    def hashes(self) -> Iterator[str]:
        """Every stored blob's SHA-256, for ``verify`` to find files without entries."""
        ...

    @property
    def location(self) -> str:
        """Where the blobs are, as the user gave it (a folder or ``s3://bucket/prefix``)."""
        ...
