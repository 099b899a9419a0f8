"""Envelope encryption of a blob at rest: the byte format both blob stores write. Pure: no I/O.

Each blob gets its own random 256-bit **data key**; the key-encryption key (KEK) the department
holds wraps it (AES key wrap, RFC 3394). The plaintext is cut into chunks of ``chunk_size`` bytes
(1 MiB by default), each sealed with AES-256-GCM under the data key, so a range of the footage is
read by decrypting only the chunks that hold it, and memory never holds more than a chunk or two.

A stored blob is two parts: its **header** (``HEADER_SIZE`` bytes, kept under the plaintext's
SHA-256) and its **body** (the sealed chunks, one after another, kept under the header's random
``body_id``). Rotating the KEK rewrites only headers (``rewrap``), never bodies.

Header, big-endian::

    offset size  field
    0      4     magic b"ORvb"
    4      1     format version, 1
    5      4     chunk size in bytes
    9      16    body id (random)
    25     8     plaintext size in bytes
    33     16    header tag: AES-GCM under the data key, empty plaintext, nonce 12 x 0xFF,
                 associated data = bytes 0..33
    49     8     key id of the KEK that wraps the data key
    57     40    the wrapped data key

Chunk ``i`` of ``n`` is at body offset ``i * (chunk_size + 16)``; it holds ``chunk_size``
plaintext bytes (the last one 1..chunk_size, or 0 for an empty blob, which has one empty chunk)
plus the 16-byte GCM tag. Its nonce is ``i`` as 8 bytes, then 1 if it is the last chunk else 0,
then 3 zero bytes; its associated data is header bytes 0..25 (magic, version, chunk size, body
id). So a chunk moved, dropped, duplicated, or taken from another blob fails to open, and so does
a body cut at a chunk boundary (its new last chunk was sealed as "not last"). Changing the
header's sizes or body id breaks the header tag; changing the key id or the wrapped key breaks
the key unwrap (RFC 3394's integrity check) or, with another blob's valid wrapped key, the tag.
The key id and wrapped key are outside the tag so that rewrapping needs no data key change.
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

MAGIC = b"ORvb"
VERSION = 1
CHUNK_SIZE = 1 << 20
TAG_SIZE = 16
KEY_SIZE = 32
KEY_ID_SIZE = 8
BODY_ID_SIZE = 16
_LAYOUT = struct.Struct(">4sBI16sQ16s8s40s")
HEADER_SIZE = _LAYOUT.size  # 97
_TAGGED = 33  # header bytes the header tag covers
_HEADER_NONCE = b"\xff" * 12  # never a chunk's nonce: those end in three zero bytes

# What a store gives for a key id: the KEK, or an exception saying the key is missing.
KeyLookup = Callable[[bytes], bytes]


class EnvelopeError(ValueError):
    """A header or chunk that is malformed, or fails authentication (tampered, or wrong key)."""


@dataclass(frozen=True)
class Header:
    """A blob's header (see the module docstring); ``tag`` authenticates the first four fields."""

    chunk_size: int
    body_id: bytes
    size: int
    tag: bytes
    key_id: bytes
    wrapped_key: bytes

    def to_bytes(self) -> bytes:
        return _LAYOUT.pack(
            MAGIC,
            VERSION,
            self.chunk_size,
            self.body_id,
            self.size,
            self.tag,
            self.key_id,
            self.wrapped_key,
        )

    @classmethod
    def from_bytes(cls, raw: bytes) -> Header:
        """The header in ``raw``, its layout checked (not yet its authenticity: ``open_header``)."""
        if len(raw) != HEADER_SIZE:
            raise EnvelopeError(f"a header is {HEADER_SIZE} bytes, this one {len(raw)}")
        magic, version, chunk_size, body_id, size, tag, key_id, wrapped = _LAYOUT.unpack(raw)
        if magic != MAGIC:
            raise EnvelopeError(f"not an OnRecord vault blob header (magic {magic!r})")
        if version != VERSION:
            raise EnvelopeError(
                f"header format version {version}; this OnRecord reads version {VERSION}"
            )
        if chunk_size < 1:
            raise EnvelopeError("the header's chunk size is 0")
        return cls(chunk_size, body_id, size, tag, key_id, wrapped)

    @property
    def chunks(self) -> int:
        """How many chunks the body holds (an empty blob has one, empty)."""
        return max(1, -(-self.size // self.chunk_size))

    @property
    def body_size(self) -> int:
        """The body's length in bytes: every chunk's plaintext plus its tag."""
        return self.size + self.chunks * TAG_SIZE

    def _tagged(self) -> bytes:
        return self.to_bytes()[:_TAGGED]


def _chunk_aad(chunk_size: int, body_id: bytes) -> bytes:
    """Every chunk's associated data: the header's magic, version, chunk size and body id."""
    return struct.pack(">4sBI16s", MAGIC, VERSION, chunk_size, body_id)


def chunk_nonce(index: int, last: bool) -> bytes:
    """Chunk ``index``'s 12-byte GCM nonce: the index, the last-chunk flag, three zero bytes."""
    return struct.pack(">QB3x", index, 1 if last else 0)


def wrap_key(kek: bytes, data_key: bytes) -> bytes:
    return aes_key_wrap(kek, data_key)


def unwrap_key(kek: bytes, wrapped: bytes) -> bytes:
    try:
        return aes_key_unwrap(kek, wrapped)
    except (InvalidUnwrap, ValueError):
        raise EnvelopeError(
            "the data key does not unwrap under its key-encryption key "
            "(the header was changed, or the key file is not the one it was sealed with)"
        ) from None


class Sealer:
    """Encrypts one blob as it streams, hashing the plaintext on the way.

    ``seal(chunks)`` yields the body's sealed chunks; once it is exhausted, ``sha256`` and
    ``size`` describe the plaintext and ``header(key_id, kek)`` gives the header, wrapping the
    data key only then, so a put that outlasts a key rotation is wrapped under the newest key.
    It holds at most one chunk of plaintext. ``data_key`` and ``body_id`` are random unless given
    (known-answer tests give them).
    """

    def __init__(
        self,
        chunk_size: int = CHUNK_SIZE,
        *,
        data_key: bytes | None = None,
        body_id: bytes | None = None,
    ) -> None:
        if chunk_size < 1 or chunk_size >= 1 << 32:
            raise ValueError(f"chunk size {chunk_size} is outside 1..2**32-1")
        self.chunk_size = chunk_size
        self.body_id = body_id if body_id is not None else os.urandom(BODY_ID_SIZE)
        self._data_key = data_key if data_key is not None else AESGCM.generate_key(256)
        if len(self._data_key) != KEY_SIZE or len(self.body_id) != BODY_ID_SIZE:
            raise ValueError("a data key is 32 bytes and a body id 16")
        self._aead = AESGCM(self._data_key)
        self._aad = _chunk_aad(chunk_size, self.body_id)
        self._digest = hashlib.sha256()
        self.size = 0
        self._done = False

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def seal(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """The sealed chunks of the plaintext ``chunks`` (of any sizes), in order."""
        if self._done:
            raise RuntimeError("a Sealer seals one stream")
        size = self.chunk_size
        pending = bytearray()
        index = 0
        for data in chunks:
            if not isinstance(data, bytes | bytearray | memoryview):
                raise TypeError(f"a blob is a stream of bytes, not of {type(data).__name__}")
            self._digest.update(data)
            self.size += len(data)
            view = memoryview(data).cast("B")
            while view:
                if len(pending) == size:  # full, and more follows: not the last chunk
                    yield self._aead.encrypt(chunk_nonce(index, False), pending, self._aad)
                    pending.clear()
                    index += 1
                take = min(size - len(pending), len(view))
                pending += view[:take]
                view = view[take:]
        yield self._aead.encrypt(chunk_nonce(index, True), pending, self._aad)
        self._done = True

    def header(self, key_id: bytes, kek: bytes) -> Header:
        """The header of the sealed stream, the data key wrapped by ``kek`` (id ``key_id``)."""
        if not self._done:
            raise RuntimeError("the header is known once the whole stream is sealed")
        if len(key_id) != KEY_ID_SIZE:
            raise ValueError(f"a key id is {KEY_ID_SIZE} bytes")
        draft = Header(self.chunk_size, self.body_id, self.size, b"\0" * 16, key_id, b"\0" * 40)
        tag = self._aead.encrypt(_HEADER_NONCE, b"", draft._tagged())
        return replace(draft, tag=tag, wrapped_key=wrap_key(kek, self._data_key))


@dataclass(frozen=True)
class Opened:
    """A header whose data key unwrapped and whose tag holds: what reading its body needs."""

    header: Header
    data_key: bytes
    aead: AESGCM
    aad: bytes


def open_header(raw: bytes, keys: KeyLookup) -> Opened:
    """Parse and authenticate a header, unwrapping its data key with the KEK ``keys`` gives for
    its key id; ``EnvelopeError`` if anything does not hold."""
    header = Header.from_bytes(raw)
    data_key = unwrap_key(keys(header.key_id), header.wrapped_key)
    aead = AESGCM(data_key)
    try:
        aead.decrypt(_HEADER_NONCE, header.tag, header._tagged())
    except InvalidTag:
        raise EnvelopeError(
            "the header's tag does not hold: its chunk size, body id or size was changed"
        ) from None
    return Opened(header, data_key, aead, _chunk_aad(header.chunk_size, header.body_id))


def rewrap(raw: bytes, keys: KeyLookup, key_id: bytes, kek: bytes) -> bytes:
    """The header ``raw`` with its data key wrapped by ``kek`` (id ``key_id``) instead: the body
    is untouched. The header is authenticated first, so a damaged one is never rewritten."""
    opened = open_header(raw, keys)
    wrapped = wrap_key(kek, opened.data_key)
    return replace(opened.header, key_id=key_id, wrapped_key=wrapped).to_bytes()


@dataclass(frozen=True)
class Span:
    """The chunks a plaintext range ``[start, end)`` touches and where they lie in the body."""

    first: int  # first chunk index
    last: int  # last chunk index (inclusive)
    offset: int  # body offset of the first chunk
    length: int  # body bytes from there to the end of the last chunk
    skip: int  # plaintext bytes to drop from the front of the first chunk
    take: int  # plaintext bytes wanted in all


def span(header: Header, start: int, end: int | None) -> Span | None:
    """The chunks holding plaintext ``[start, end)`` (``end`` None or past the size means to the
    end; ``None`` when the range is empty). Negative positions are refused."""
    if start < 0 or (end is not None and end < 0):
        raise ValueError(f"a range is of positions ≥ 0, not [{start}, {end})")
    stop = header.size if end is None else min(end, header.size)
    if start >= stop:
        return None
    cs = header.chunk_size
    first, last = start // cs, (stop - 1) // cs
    sealed = cs + TAG_SIZE
    offset = first * sealed
    body_end = min((last + 1) * sealed, header.body_size)
    return Span(first, last, offset, body_end - offset, start - first * cs, stop - start)


def check_body_size(header: Header, actual: int) -> None:
    """``EnvelopeError`` unless a stored body is as long as its header says: a body cut or with
    bytes added fails every read, not only the reads that reach its end."""
    if actual != header.body_size:
        raise EnvelopeError(
            f"the body is {actual} bytes, not the {header.body_size} its header says: "
            "it was cut or added to"
        )


def sealed_length(header: Header, index: int) -> int:
    """The length in the body of chunk ``index``, tag included."""
    if index < header.chunks - 1:
        return header.chunk_size + TAG_SIZE
    return header.size - (header.chunks - 1) * header.chunk_size + TAG_SIZE


def open_chunk(opened: Opened, index: int, sealed: bytes) -> bytes:
    """Chunk ``index``'s plaintext; ``EnvelopeError`` if it was changed, moved or cut."""
    header = opened.header
    last = index == header.chunks - 1
    if len(sealed) != sealed_length(header, index):
        raise EnvelopeError(
            f"chunk {index} is {len(sealed)} bytes, not {sealed_length(header, index)}: "
            "the body was cut or extended"
        )
    try:
        return opened.aead.decrypt(chunk_nonce(index, last), sealed, opened.aad)
    except InvalidTag:
        raise EnvelopeError(
            f"chunk {index} does not authenticate: its bytes were changed, "
            "or it was moved from another place"
        ) from None


def open_span(opened: Opened, where: Span, sealed_chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The plaintext of ``where`` from its sealed chunks (``sealed_chunks`` yields them one by
    one, from ``where.first`` on): each chunk is opened, then trimmed to the range."""
    skip, left = where.skip, where.take
    index = where.first
    for sealed in sealed_chunks:
        if index > where.last:
            break
        plain = open_chunk(opened, index, sealed)
        piece = plain[skip : skip + left] if skip or left < len(plain) else plain
        skip = 0
        left -= len(piece)
        index += 1
        if piece:
            yield piece
    if index <= where.last:
        raise EnvelopeError(f"the body ends before chunk {index}")


def sealed_chunks(header: Header, where: Span, read: Callable[[int], bytes]) -> Iterator[bytes]:
    """The sealed chunks of ``where``, read one by one with ``read(n)`` (a file's or an HTTP
    body's, positioned at ``where.offset``). A short read is passed on as it is: ``open_chunk``
    then says the body was cut."""
    for index in range(where.first, where.last + 1):
        want = sealed_length(header, index)
        sealed = read(want)
        while 0 < len(sealed) < want:
            more = read(want - len(sealed))
            if not more:
                break
            sealed += more
        yield sealed
