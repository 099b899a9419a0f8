"""Metadata as the Axis API carries it: ``X-Container-Meta-<Key>`` and ``X-Object-Meta-<Key>``
headers, the key in HTTP's capitalisation, the value URL-encoded UTF-8.

HTTP names are case-insensitive and servers (Starlette among them) lower-case them, so the
camel case of ``BWCSerialNumber`` cannot survive the trip: the system writes
``X-Container-Meta-Bwcserialnumber``. The keys the API defines are therefore recovered from a
table of their spellings (``KNOWN_KEYS``); any other key is kept in HTTP's capitalisation, the
form a Swift server itself would give back.

Values are percent-decoded and read as UTF-8. A value sent as raw UTF-8 bytes instead (a stock
Swift client does that) is read as UTF-8 too. The limits are Swift's own (a stock Swift server,
which the API says must work as a destination, refuses the same), so a system never sends more.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from urllib.parse import quote, unquote_to_bytes

KNOWN_KEYS = (
    # recording containers
    "ContainerName", "BWCSerialNumber", "SCUSerialNumber", "FirmwareVersion", "UserID",
    "TriggerOn", "TriggerOff", "TriggerOnTime", "TriggerOnTimeISO", "TriggerOnLocation",
    "TriggerOffTime", "TriggerOffTimeISO", "TriggerOffLocation", "StartTime", "StartTimeISO",
    "StopTime", "StopTimeISO", "TimeZone", "BWCModel", "Status",
    # clips, key files, GNSS tracks, bookmarks
    "ContainerType", "FileType", "CategoryID", "CategoryName", "Tags", "EndTime", "Location",
    # users, devices, systems
    "Active", "Name", "Model", "ConnectionId", "SystemName",
    # rejected content
    "RejectedContentOriginalContainer", "RejectedContentReason", "RejectedContentTime",
)  # fmt: skip
_BY_LOWER = {k.lower(): k for k in KNOWN_KEYS}

MAX_KEY_BYTES = 128
MAX_VALUE_BYTES = 256
MAX_KEYS = 90
MAX_TOTAL_BYTES = 4096
_UNRESERVED = "-._~"
"""Left as they are by :func:`encode_value` (RFC 3986's unreserved characters, with letters
and digits); everything else is ``%XX``."""
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


class Kind(StrEnum):
    """Whose metadata a header carries."""

    CONTAINER = "Container"
    OBJECT = "Object"


class MetadataError(ValueError):
    """A metadata header cannot be read; the message names it and says what is wrong."""


def http_capitalise(key: str) -> str:
    """``key`` as HTTP capitalises a header name: the first letter and each letter after a
    hyphen upper case, every other letter lower case (``BWCSerialNumber`` → ``Bwcserialnumber``,
    ``trigger-on`` → ``Trigger-On``)."""
    return "-".join(part[:1].upper() + part[1:].lower() for part in key.split("-"))


def header_name(kind: Kind, key: str) -> str:
    """The header that carries ``key``: ``X-Container-Meta-Bwcserialnumber``."""
    return f"X-{kind.value}-Meta-{http_capitalise(key)}"


def key_of(http_key: str) -> str:
    """The metadata key a header's name (after ``X-…-Meta-``, in any case) stands for: the
    API's own spelling for a key it defines, else the HTTP capitalisation."""
    return _BY_LOWER.get(http_key.lower(), http_capitalise(http_key))


def encode_value(value: str) -> str:
    """``value`` as a header carries it: UTF-8, every byte but letters, digits and ``-._~`` as
    ``%XX``."""
    return quote(value, safe=_UNRESERVED)


def decode_value(raw: bytes) -> str:
    """The text a header's value stands for: percent-decoded, then read as UTF-8. Raises
    ``UnicodeDecodeError`` when the bytes are not UTF-8."""
    if raw.isascii():
        return unquote_to_bytes(raw.decode("ascii")).decode("utf-8")
    return raw.decode("utf-8")  # raw UTF-8, not URL-encoded: taken as it is


def metadata_headers(kind: Kind, meta: Mapping[str, str]) -> dict[str, str]:
    """The headers carrying ``meta`` (what the system sends, and what a HEAD would answer)."""
    return {header_name(kind, k): encode_value(v) for k, v in meta.items()}


def read_metadata(
    headers: Iterable[tuple[bytes, bytes]], kind: Kind, *, lenient: bool = False
) -> dict[str, str]:
    """The metadata of ``kind`` in a request's raw headers, keys in the API's spelling.

    An empty value is kept (a POST to a container removes the key). Raises
    :class:`MetadataError` for a value that is not UTF-8, an empty or non-token key, or more
    than Swift allows; ``lenient`` (rejected content, which must never be refused) keeps an
    undecodable value as its bytes read as Latin-1 and applies no limits."""
    prefix = f"x-{kind.value.lower()}-meta-".encode()
    meta: dict[str, str] = {}
    total = 0
    for raw_name, raw_value in headers:
        name = raw_name.lower()
        if not name.startswith(prefix):
            continue
        http_key = name[len(prefix) :].decode("latin-1")
        shown = header_name(kind, http_key)
        if not _TOKEN.fullmatch(http_key):
            if lenient:
                continue
            raise MetadataError(f"{shown}: a metadata header needs a key after the prefix")
        try:
            value = decode_value(raw_value)
        except UnicodeDecodeError:
            if not lenient:
                raise MetadataError(
                    f"{shown}: the value is not URL-encoded UTF-8 (its bytes do not read as "
                    "UTF-8); send UTF-8, with every byte outside US-ASCII as %XX"
                ) from None
            value = raw_value.decode("latin-1")
        key = key_of(http_key)
        meta[key] = value
        total += len(key.encode()) + len(value.encode())
        if lenient:
            continue
        if len(key.encode()) > MAX_KEY_BYTES:
            raise MetadataError(f"{shown}: a metadata key has at most {MAX_KEY_BYTES} bytes")
        if len(value.encode()) > MAX_VALUE_BYTES:
            raise MetadataError(
                f"{shown}: the value has {len(value.encode())} bytes (UTF-8); "
                f"at most {MAX_VALUE_BYTES} are stored"
            )
    if not lenient and len(meta) > MAX_KEYS:
        raise MetadataError(f"{len(meta)} metadata headers; at most {MAX_KEYS} are stored")
    if not lenient and total > MAX_TOTAL_BYTES:
        raise MetadataError(
            f"the metadata has {total} bytes of keys and values; at most {MAX_TOTAL_BYTES}"
        )
    return meta
