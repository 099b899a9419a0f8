"""A blob store held in memory, for tests of the vault's services that are not about storage.

It honours the ``BlobStore`` protocol's promises (content addressing, nothing visible until the
whole stream is in, ranges, idempotent puts) without encryption; the real stores have their own
tests against a folder and a real S3 server.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

from onrecord.vault.store import BlobMissing, StoredBlob, StoreFull


class MemoryStore:
    """Blobs in a dict; a put past ``capacity`` (bytes) raises ``StoreFull``."""

    def __init__(self, capacity: int | None = None) -> None:
        self.blobs: dict[str, bytes] = {}
        self.capacity = capacity

    @property
    def location(self) -> str:
        return "memory:"

    def put(self, chunks: Iterable[bytes]) -> StoredBlob:
        digest = hashlib.sha256()
        parts = []
        for chunk in chunks:
            digest.update(chunk)
            parts.append(chunk)
        data = b"".join(parts)
        sha = digest.hexdigest()
        if sha in self.blobs:
            return StoredBlob(sha, len(data), new=False)
        used = sum(len(b) for b in self.blobs.values())
        if self.capacity is not None and used + len(data) > self.capacity:
            raise StoreFull(f"memory store full: {used} of {self.capacity} bytes used")
        self.blobs[sha] = data
        return StoredBlob(sha, len(data), new=True)

    def size(self, sha256: str) -> int | None:
        data = self.blobs.get(sha256)
        return None if data is None else len(data)

    def read(self, sha256: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        if sha256 not in self.blobs:
            raise BlobMissing(f"no blob {sha256}")
        yield self.blobs[sha256][start:end]

    def delete(self, sha256: str) -> None:
        self.blobs.pop(sha256, None)

    def hashes(self) -> Iterator[str]:
        yield from sorted(self.blobs)
