"""A request body streamed into the blob store in bounded memory.

The body arrives on the event loop; the store's ``put`` is blocking (disk, S3) and wants an
iterator. ``put`` runs in a worker thread and pulls the body from the loop a block at a time, so
at most one block (about a mebibyte) of a clip is in memory whatever its size, and the loop
serves other requests meanwhile. The MD5 the Swift API answers as ``Etag`` is taken on the way,
on a thread of its own: hashlib lets go of the GIL, so a block's MD5 runs on the other core
while the store hashes, encrypts and writes it (MD5 was a third of the ingest's CPU).

When the client goes away mid-body the stream raises ``ClientDisconnect`` inside ``put``, which
stores nothing (the store's promise: nothing shows under a hash until all of it is in).
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import anyio.from_thread
import anyio.to_thread

from onrecord.vault.store import BlobStore

BLOCK = 1 << 20


@dataclass(frozen=True)
class Stored:
    """The body's SHA-256 and size as the store computed them, its MD5, and whether the store
    did not hold those bytes before."""

    sha256: str
    size: int
    md5: str
    new: bool


async def store_body(body: AsyncIterator[bytes], store: BlobStore, block: int = BLOCK) -> Stored:
    """Put ``body`` in ``store`` (see the module's docstring)."""
    md5 = hashlib.md5(usedforsecurity=False)

    async def next_block() -> bytes:
        parts: list[bytes] = []
        size = 0
        while size < block:
            try:
                chunk = await anext(body)
            except StopAsyncIteration:
                break
            parts.append(chunk)
            size += len(chunk)
        return b"".join(parts)

    def blocks(hasher: ThreadPoolExecutor) -> Iterator[bytes]:
        pending: Future[None] | None = None
        while data := anyio.from_thread.run(next_block):
            if pending is not None:
                pending.result()  # one block hashing at a time: memory stays bounded
            pending = hasher.submit(md5.update, data)
            yield data
        if pending is not None:
            pending.result()

    with ThreadPoolExecutor(1, thread_name_prefix="etag") as hasher:
        blob = await anyio.to_thread.run_sync(store.put, blocks(hasher))
    return Stored(blob.sha256, blob.size, md5.hexdigest(), blob.new)
