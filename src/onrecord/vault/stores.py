"""Open the blob store a location names, and rotate its keys: what ``onrecord vault`` calls.

A location is a folder path (the default: blobs on a local disk) or ``s3://bucket/prefix`` for
any S3-compatible object store, with ``endpoint_url`` for one that is not AWS itself (SeaweedFS,
MinIO, Ceph, a cloud's S3 endpoint). Anything else is refused with the forms that are understood.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from onrecord.vault.keyring import KeyRing
from onrecord.vault.local_store import LocalStore
from onrecord.vault.sealed_store import RewrapReport, SealedStore
from onrecord.vault.store import StoreError

_S3 = re.compile(r"s3://([^/]*)(?:/(.*))?")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def open_store(location: str, keyring: KeyRing, *, endpoint_url: str | None = None) -> SealedStore:
    """The store at ``location`` (made if it is a folder that does not exist yet; an S3
    bucket must exist), sealing blobs under ``keyring``'s keys. No request is made to an object
    store until it is used; ``check()`` tries it."""
    match = _S3.fullmatch(location)
    if match:
        bucket, prefix = match.group(1), match.group(2) or ""
        if not _BUCKET.fullmatch(bucket) or ".." in bucket:
            raise StoreError(
                f"{location}: {bucket!r} is not an S3 bucket name (3 to 63 lower-case letters, "
                "digits, dots and hyphens); write s3://bucket/prefix"
            )
        return _s3_store(location, bucket, prefix, keyring, endpoint_url)
    if _SCHEME.match(location) or location.lower().startswith("s3:") or not location.strip():
        raise StoreError(
            f"{location!r} is not a store location: give a folder path (blobs on a local disk) "
            "or s3://bucket/prefix (an S3-compatible object store, with --endpoint-url unless "
            "it is AWS)"
        )
    if endpoint_url is not None:
        raise StoreError(
            f"an endpoint URL ({endpoint_url}) is for an s3:// location, not the folder {location}"
        )
    return LocalStore(Path(location), keyring)


def _s3_store(
    location: str, bucket: str, prefix: str, keyring: KeyRing, endpoint_url: str | None
) -> SealedStore:
    import boto3  # only for S3 stores: a local vault never loads boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError

    from onrecord.vault.s3_store import S3Store

    config = Config(
        # path-style addressing: what S3-compatible servers on a host name of their own expect
        s3={"addressing_style": "path"} if endpoint_url else {},
        retries={"mode": "standard", "max_attempts": 4},
        connect_timeout=10,
        read_timeout=60,
        max_pool_connections=32,
    )
    try:
        client = boto3.session.Session().client("s3", endpoint_url=endpoint_url, config=config)
    except (BotoCoreError, ValueError) as e:
        raise StoreError(f"cannot use the object store {location}: {e}") from None
    return S3Store(client, bucket, prefix, keyring, location=location)


def retire_unused(store: SealedStore, keyring: KeyRing) -> list[str]:
    """Delete the files of the old keys no blob uses any more (after ``store.rewrap()``); keys
    still in use and the current key stay. Returns the ids retired."""
    usage = store.key_usage()
    retired = []
    for key in keyring.key_files()[:-1]:
        if usage.get(key.id, 0) == 0:
            keyring.retire(key.id)
            retired.append(key.id)
    return retired


@dataclass(frozen=True)
class Rotation:
    """What a key rotation did: the new key, the rewrapping, and the old keys removed."""

    key_id: str
    rewrap: RewrapReport
    retired: list[str]


def rotate_keys(store: SealedStore, keyring: KeyRing, *, retire: bool = True) -> Rotation:
    """Rotate the key-encryption key: add a new current key, rewrap every blob's data key under
    it (headers only), then, if ``retire`` and no blob was left behind, delete the old keys'
    files. With damaged blobs (``rewrap.damaged``) nothing is retired: run ``verify``."""
    new = keyring.rotate()
    report = store.rewrap()
    retired = retire_unused(store, keyring) if retire and not report.damaged else []
    return Rotation(new, report, retired)
