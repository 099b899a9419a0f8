"""The connection file: the JSON an administrator loads into AXIS Body Worn Manager to connect a
body-worn system to OnRecord.

Making one makes the system's credentials (the key is in the file and nowhere else: the
database keeps its argon2 hash), so the file is written readable by its owner only, and should
be deleted once loaded. What OnRecord puts in it, where the API leaves a choice:

- ``AuthenticationTokenURI``: ``<base URL>/auth/v1.0`` for each base URL given (up to 10, e.g.
  one per address the system may reach the server by);
- ``HTTPSCertificate``: each certificate given, its PEM text base64-encoded (as Axis's example
  destination does). ``https://`` base URLs need them; with none the system connects over plain
  HTTP, which the API allows for development only;
- ``ContainerType``: ``mp4`` unless asked otherwise, because browsers play MP4 in the console's
  player and most do not play Matroska; it cannot be changed once the system is set up;
- ``FullStoreAndReadSupport`` false: OnRecord declares exactly what it supports in
  ``System/Capabilities.json`` instead of promising every capability Axis may add;
- ``WantEncryption`` false, and no ``PublicKey``/``PublicKeyId``: OnRecord does not unwrap
  RSA-wrapped content keys; footage is encrypted at rest by the vault's own store instead, and
  HTTPS protects it in transit;
- ``ContentDestinationAsNTPServer`` false: OnRecord serves no time.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from sqlalchemy import Engine

import onrecord
from onrecord.vault.axis.auth import KEY_LENGTH, make_credentials

VERSION = "1.0"
APPLICATION = "OnRecord"
MAX_BYTES = 64 * 1024
MAX_URIS = 10
MAX_URI_LENGTH = 512
MAX_CERTIFICATES = 10
MAX_CERTIFICATE_BYTES = 16 * 1024
AUTH_PATH = "/auth/v1.0"


class ContainerType(StrEnum):
    MP4 = "mp4"
    MKV = "mkv"


class ConnectionFileError(ValueError):
    """The connection file cannot be made as asked; the message says why and what to do."""


def token_uris(base_urls: Sequence[str]) -> list[str]:
    """The authentication URIs for the server's base URLs, all of one scheme."""
    if not base_urls:
        raise ConnectionFileError("give the URL the system reaches OnRecord at (--base-url)")
    if len(base_urls) > MAX_URIS:
        raise ConnectionFileError(f"{len(base_urls)} base URLs; a connection file holds at most 10")
    uris: list[str] = []
    for url in base_urls:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConnectionFileError(
                f"{url!r} is not a base URL: give http(s)://host[:port][/path], as the system "
                "will reach this server"
            )
        if parts.query or parts.fragment:
            raise ConnectionFileError(f"{url!r}: a base URL has no ?query or #fragment")
        uri = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}{AUTH_PATH}"
        if len(uri) > MAX_URI_LENGTH:
            raise ConnectionFileError(f"{uri} is longer than {MAX_URI_LENGTH} characters")
        uris.append(uri)
    if len({urlsplit(u).scheme for u in uris}) > 1:
        raise ConnectionFileError("the base URLs mix http and https; the system uses one scheme")
    return uris


def certificates_field(pems: Sequence[bytes]) -> list[str]:
    """Each PEM certificate file's text, checked to hold X.509 certificates, base64-encoded."""
    if len(pems) > MAX_CERTIFICATES:
        raise ConnectionFileError(f"{len(pems)} certificates; a connection file holds at most 10")
    out = []
    for n, pem in enumerate(pems, 1):
        try:
            x509.load_pem_x509_certificates(pem)
        except ValueError:
            raise ConnectionFileError(
                f"certificate {n} is not a PEM X.509 certificate (-----BEGIN CERTIFICATE-----)"
            ) from None
        encoded = base64.b64encode(pem).decode("ascii")
        if len(encoded) > MAX_CERTIFICATE_BYTES:
            raise ConnectionFileError(
                f"certificate {n} is {len(encoded)} characters in base64; at most 16 kB"
            )
        out.append(encoded)
    return out


def create_connection_file(
    engine: Engine,
    *,
    base_urls: Sequence[str],
    site_name: str,
    now: datetime,
    user_name: str = "axis",
    certificates: Sequence[bytes] = (),
    container_type: ContainerType = ContainerType.MP4,
    replace: bool = False,
) -> dict[str, Any]:
    """The connection file's content, having made the system's credentials (or, with
    ``replace``, a new key for existing ones). Everything is checked before anything is made."""
    uris = token_uris(base_urls)
    certs = certificates_field(certificates)
    https = uris[0].startswith("https:")
    if https and not certs:
        raise ConnectionFileError(
            "an https:// base URL needs the server's certificate (--certificate FILE.pem): "
            "the system trusts only certificates the connection file holds"
        )
    if certs and not https:
        raise ConnectionFileError(
            "certificates were given for http:// base URLs; use https:// URLs with them"
        )
    document: dict[str, Any] = {
        "ConnectionFileVersion": VERSION,
        "SiteName": site_name,
        "ApplicationName": APPLICATION,
        "ApplicationVersion": onrecord.__version__,
        "ContentDestinationAsNTPServer": False,
        "AuthenticationTokenURI": uris,
        "HTTPSCertificate": certs,
        "BlobAPIKey": "k" * KEY_LENGTH,
        "BlobAPIUserName": user_name,
        "ContainerType": container_type.value,
        "FullStoreAndReadSupport": False,
        "WantEncryption": False,
    }
    if len(encode(document)) > MAX_BYTES:
        raise ConnectionFileError("the connection file would exceed 64 kB; give fewer certificates")
    credentials = make_credentials(engine, user_name, site_name, now, replace=replace)
    document["BlobAPIKey"] = credentials.key
    return document


def encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=2, ensure_ascii=False).encode() + b"\n"


def write(document: dict[str, Any], path: Path) -> None:
    """Write the file readable by its owner only (it holds the system's key), replacing any
    file there at once, never leaving half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(encode(document))
    os.replace(tmp, path)
