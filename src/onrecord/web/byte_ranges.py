"""HTTP range requests (RFC 9110 section 14) for footage: which bytes a ``Range`` header asks
for, and the answer that streams just those from the blob store.

One range per request, which is what video players and download managers send: ``bytes=a-b``,
``bytes=a-`` (to the end) and ``bytes=-n`` (the last n bytes). A header in another unit is
ignored (the whole file, 200), as RFC 9110 requires; a ``bytes`` header that is malformed, asks
for several ranges or starts past the end is answered 416 with ``Content-Range: bytes */size``.
The store decrypts only the chunks that hold the range (``BlobStore.read``), so a seek into a
4 GB file reads a few megabytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

from fastapi.responses import Response, StreamingResponse

from onrecord.vault.store import BlobStore

_SPEC = re.compile(r"([0-9]{0,19})-([0-9]{0,19})")


@dataclass(frozen=True)
class ByteRange:
    """Bytes ``start`` to ``end`` of the file, both included (as ``Content-Range`` writes them)."""

    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class Unsatisfiable(ValueError):
    """A ``bytes`` range that cannot be served: malformed, several, or past the end."""


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The range ``header`` asks of a file of ``size`` bytes; None for the whole file (no
    header, or a unit other than bytes). Raises :class:`Unsatisfiable`."""
    if header is None or not header.strip():
        return None
    unit, sep, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes":
        return None
    if not sep:
        raise Unsatisfiable(f"{header!r} is not a byte range such as bytes=0-1023")
    if "," in spec:
        raise Unsatisfiable("one range per request")
    found = _SPEC.fullmatch(spec.strip())
    if found is None or found.group(0) == "-":
        raise Unsatisfiable(f"{header!r} is not a byte range such as bytes=0-1023")
    first, last = found.groups()
    if not first:  # the last n bytes
        n = int(last)
        if n == 0 or size == 0:
            raise Unsatisfiable(f"bytes=-{n} selects no byte of a {size}-byte file")
        return ByteRange(max(0, size - n), size - 1)
    start = int(first)
    if start >= size:
        raise Unsatisfiable(f"the range starts at byte {start}; the file has {size} bytes")
    if not last:
        return ByteRange(start, size - 1)
    end = int(last)
    if end < start:
        raise Unsatisfiable(f"the range ends (byte {end}) before it starts (byte {start})")
    return ByteRange(start, min(end, size - 1))


def content_disposition(kind: str, name: str) -> str:
    """``inline`` or ``attachment`` with the file's name, safe for any name (RFC 6266: an
    ASCII fallback and the UTF-8 name percent-encoded)."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\;' else "_" for c in name
    )
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def serve(
    store: BlobStore,
    sha256: str,
    size: int,
    media_type: str,
    wanted: ByteRange | None,
    disposition: str,
) -> Response:
    """The whole blob (200) or the range ``wanted`` (206), streamed from the store."""
    headers = {"Accept-Ranges": "bytes", "Content-Disposition": disposition}
    if wanted is None:
        start, end, status = 0, size, 200
    else:
        start, end, status = wanted.start, wanted.end + 1, 206
        headers["Content-Range"] = f"bytes {wanted.start}-{wanted.end}/{size}"
    headers["Content-Length"] = str(end - start)

    def body() -> Iterator[bytes]:
        if end > start:
            yield from store.read(sha256, start, end)

    return StreamingResponse(body(), status_code=status, media_type=media_type, headers=headers)


def unsatisfiable(size: int, reason: str) -> Response:
    """416, saying the file's size as RFC 9110 asks."""
    return Response(
        f"{reason}\n",
        status_code=416,
        media_type="text/plain",
        headers={"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"},
    )
