"""Blobs in an S3-compatible object store (``s3://bucket/prefix``), encrypted before they leave.

Objects under the prefix::

    blobs/<sha256>     the header of the blob whose plaintext hashes to it (97 bytes)
    bodies/<body id>   its sealed chunks

**Why a separate header rather than uploading to a temporary key and copying.** An S3 object's
key is fixed when its upload starts, but the plaintext's SHA-256 is known only when the stream
ends. So the body is uploaded (multipart, parts of ``part_size`` sent by ``concurrency`` threads,
so memory holds a few parts at most) under its random body id, and only once that upload is
complete is the header PUT under the hash, with ``If-None-Match: *`` so that of two puts of the
same bytes exactly one wins and the other removes its body. That PUT is the moment the blob
becomes visible; an upload cut short leaves an incomplete multipart upload (invisible, cleared
by ``abort`` or the bucket's lifecycle rule) or a body no header names. The alternative — upload
to a temporary key, then copy to the hash — costs a server-side copy of every byte (measured on
SeaweedFS: 60% of the upload's own time, so the 1.3x target could not be met), needs multipart
copying past 5 GB, and would make rotating a key a copy of all the footage; with the header apart,
rotation rewrites 97 bytes per blob.

A read is a GET of the header, then one ranged GET of exactly the sealed chunks the plaintext
range touches. A server that cannot be reached, times out or answers 5xx is ``StoreUnavailable``
(after botocore's own retries); the put is abandoned with nothing visible, and a retry later puts
it whole. Credentials come from the usual AWS chain (environment variables, ``~/.aws``, an
instance role).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    HTTPClientError,
    IncompleteReadError,
    NoCredentialsError,
)

from onrecord.vault.encryption import CHUNK_SIZE, EnvelopeError, Header, Sealer, check_body_size
from onrecord.vault.keyring import KeyRing
from onrecord.vault.sealed_store import BodyReader, SealedStore, check_sha256
from onrecord.vault.store import (
    BlobCorrupt,
    StoredBlob,
    StoreError,
    StoreFull,
    StoreUnavailable,
)

PART_SIZE = 8 << 20
MAX_PARTS = 10_000  # S3's limit on the parts of one upload
_SHA256 = re.compile(r"[0-9a-f]{64}")
_UNREACHABLE = (ConnectionError, HTTPClientError, IncompleteReadError, OSError)
_FULL_CODES = {"InsufficientStorage", "QuotaExceeded", "XMinioStorageFull", "StorageFull"}
_REFUSED_CODES = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "Forbidden"}


class S3Store(SealedStore):
    """Blobs in ``bucket`` under ``prefix`` through the boto3 S3 ``client``; ``location`` is the
    ``s3://`` address as the user gave it, for messages."""

    def __init__(
        self,
        client: Any,
        bucket: str,
        prefix: str,
        keyring: KeyRing,
        *,
        location: str | None = None,
        chunk_size: int = CHUNK_SIZE,
        part_size: int = PART_SIZE,
        concurrency: int = 4,
    ) -> None:
        super().__init__(keyring, chunk_size)
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.part_size = part_size
        self.concurrency = concurrency
        self._location = location or f"s3://{bucket}/{self.prefix}"

    @property
    def location(self) -> str:
        return self._location

    def _where(self) -> str:
        endpoint = getattr(self.client.meta, "endpoint_url", None)
        return f"{self.location} (endpoint {endpoint})" if endpoint else self.location

    def _header_key(self, sha256: str) -> str:
        return f"{self.prefix}blobs/{sha256}"

    def _body_key(self, body_id: bytes) -> str:
        return f"{self.prefix}bodies/{body_id.hex()}"

    def _error(self, e: Exception, doing: str) -> StoreError:
        """The vault's error for a failed S3 call, saying what failed and what to do."""
        where = self._where()
        if isinstance(e, NoCredentialsError):
            return StoreError(
                f"no S3 credentials to {doing} {where}: set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY (or a profile in ~/.aws/credentials)"
            )
        if isinstance(e, _UNREACHABLE):
            return StoreUnavailable(
                f"cannot {doing} {where}: the object store did not answer ({e}); "
                "nothing was stored, try again when it is back"
            )
        if isinstance(e, ClientError):
            error = e.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = int(e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
            message = f"{code} {error.get('Message', '')}".strip()
            if code in _FULL_CODES or status == 507:
                return StoreFull(f"the object store {where} is full ({message})")
            if code == "NoSuchBucket":
                return StoreError(
                    f"cannot {doing} {where}: the bucket {self.bucket} does not exist; "
                    "create it (with the store's administrator credentials) and try again"
                )
            if code in _REFUSED_CODES or status == 403:
                return StoreError(
                    f"the object store refused to {doing} {where} ({message}): check the "
                    "credentials and that they may read, write and delete under the prefix"
                )
            if status >= 500 or code in {"SlowDown", "ServiceUnavailable", "RequestTimeout"}:
                return StoreUnavailable(
                    f"the object store failed to {doing} {where} ({message}); "
                    "nothing was stored, try again later"
                )
            return StoreError(f"cannot {doing} {where}: {message}")
        if isinstance(e, BotoCoreError):
            return StoreError(f"cannot {doing} {where}: {e}")
        raise e

    def _call(self, doing: str, operation: Callable[..., Any], **kwargs: Any) -> Any:
        try:
            return operation(**kwargs)
        except (BotoCoreError, ClientError, OSError) as e:
            raise self._error(e, doing) from None

    def check(self) -> None:
        """Reach the bucket and write, read and delete a probe object under the prefix."""
        key = f"{self.prefix}check"
        self._call("write to", self.client.put_object, Bucket=self.bucket, Key=key, Body=b"")
        self._call("read from", self.client.head_object, Bucket=self.bucket, Key=key)
        self._call("delete in", self.client.delete_object, Bucket=self.bucket, Key=key)

    def put(self, chunks: Iterable[bytes]) -> StoredBlob:
        sealer = Sealer(self.chunk_size)
        body_key = self._body_key(sealer.body_id)
        upload = _Upload(self, body_key)
        try:
            pending = bytearray()
            for sealed in sealer.seal(chunks):
                pending += sealed
                if len(pending) >= self.part_size:
                    upload.send(pending)  # handed over whole, not copied
                    pending = bytearray()
            upload.finish(pending)
        except BaseException:
            upload.abort()
            raise
        header_key = self._header_key(sealer.sha256)
        if self._get_header(sealer.sha256) is not None:
            self._delete_quietly(body_key)
            return StoredBlob(sealer.sha256, sealer.size, new=False)
        header = sealer.header(*self.keyring.current()).to_bytes()
        try:
            self.client.put_object(Bucket=self.bucket, Key=header_key, Body=header, IfNoneMatch="*")
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") == "PreconditionFailed":
                self._delete_quietly(body_key)  # the same bytes, stored by another put meanwhile
                return StoredBlob(sealer.sha256, sealer.size, new=False)
            self._delete_quietly(body_key)
            raise self._error(e, "store a blob header in") from None
        except (BotoCoreError, OSError) as e:
            self._delete_quietly(body_key)
            raise self._error(e, "store a blob header in") from None
        return StoredBlob(sealer.sha256, sealer.size, new=True)

    def _delete_quietly(self, key: str) -> None:
        """Remove an object nothing names, if the store can be reached (an orphan body left
        when it cannot is invisible and harmless)."""
        with suppress(BotoCoreError, ClientError, OSError):
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def _get_header(self, sha256: str) -> bytes | None:
        key = self._header_key(sha256)
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
            return bytes(response["Body"].read())
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in {"NoSuchKey", "404", "NotFound"}:
                return None
            raise self._error(e, "read a blob header from") from None
        except (BotoCoreError, OSError) as e:
            raise self._error(e, "read a blob header from") from None

    def _replace_header(self, sha256: str, raw: bytes) -> None:
        if self._get_header(sha256) is None:
            return  # deleted meanwhile
        self._call(
            "rewrite a blob header in",
            self.client.put_object,
            Bucket=self.bucket,
            Key=self._header_key(sha256),
            Body=raw,
        )

    @contextmanager
    def _body(self, header: Header, offset: int, length: int) -> Iterator[BodyReader]:
        key = self._body_key(header.body_id)
        try:
            response = self.client.get_object(
                Bucket=self.bucket, Key=key, Range=f"bytes={offset}-{offset + length - 1}"
            )
        except ClientError as e:
            code = e.response.get("Error", {}).get("Code")
            if code in {"NoSuchKey", "404"}:
                raise BlobCorrupt(f"the body {key} its header names is missing") from None
            if code == "InvalidRange":
                raise BlobCorrupt(f"the body {key} is shorter than its header says") from None
            raise self._error(e, "read a blob body from") from None
        except (BotoCoreError, OSError) as e:
            raise self._error(e, "read a blob body from") from None
        stream = response["Body"]
        total = str(response.get("ContentRange", "")).rpartition("/")[2]
        if total.isdigit():  # "bytes a-b/total": the whole object's length
            try:
                check_body_size(header, int(total))
            except EnvelopeError:
                stream.close()
                raise

        def read(n: int) -> bytes:
            try:
                return bytes(stream.read(n))
            except (BotoCoreError, OSError) as e:
                raise self._error(e, "read a blob body from") from None

        try:
            yield read
        finally:
            stream.close()

    def delete(self, sha256: str) -> None:
        """Remove the header (the blob is gone from then on), then its body."""
        raw = self._get_header(check_sha256(sha256))
        if raw is None:
            return
        self._call(
            "delete a blob from",
            self.client.delete_object,
            Bucket=self.bucket,
            Key=self._header_key(sha256),
        )
        try:
            body_id = Header.from_bytes(raw).body_id
        except EnvelopeError:
            return  # a damaged header: its body cannot be found
        self._call(
            "delete a blob body from",
            self.client.delete_object,
            Bucket=self.bucket,
            Key=self._body_key(body_id),
        )

    def hashes(self) -> Iterator[str]:
        """Every blob's SHA-256, in order (S3 lists keys in order)."""
        start = f"{self.prefix}blobs/"
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=start
        )
        try:
            for page in pages:
                for item in page.get("Contents", []):
                    name = item["Key"][len(start) :]
                    if _SHA256.fullmatch(name):
                        yield name
        except (BotoCoreError, ClientError, OSError) as e:
            raise self._error(e, "list the blobs in") from None


class _Upload:
    """One body's upload: a single PUT if it fits in one part, else a multipart upload started
    with the first full part, at most ``concurrency`` parts in flight."""

    def __init__(self, store: S3Store, key: str) -> None:
        self.store = store
        self.key = key
        self.upload_id: str | None = None
        self.parts: list[dict[str, Any]] = []
        self.inflight: list[Future[dict[str, Any]]] = []
        self.pool: ThreadPoolExecutor | None = None

    def _request(self, doing: str, operation: Callable[..., Any], **kwargs: Any) -> Any:
        return self.store._call(doing, operation, Bucket=self.store.bucket, Key=self.key, **kwargs)

    def send(self, data: bytearray) -> None:
        if self.upload_id is None:
            created = self._request(
                "start an upload to",
                self.store.client.create_multipart_upload,
                ChecksumAlgorithm="CRC32",
            )
            self.upload_id = created["UploadId"]
            self.pool = ThreadPoolExecutor(self.store.concurrency, thread_name_prefix="s3-part")
        assert self.pool is not None
        number = len(self.parts) + len(self.inflight) + 1
        if number > MAX_PARTS:
            raise StoreError(
                f"a blob of more than {MAX_PARTS} parts of {self.store.part_size} bytes; "
                "store it with a larger part size"
            )
        while len(self.inflight) >= self.store.concurrency:
            self.parts.append(self.inflight.pop(0).result())
        self.inflight.append(self.pool.submit(self._part, number, data))

    def _part(self, number: int, data: bytearray) -> dict[str, Any]:
        sent = self._request(
            "upload a part to",
            self.store.client.upload_part,
            UploadId=self.upload_id,
            PartNumber=number,
            Body=data,
            ChecksumAlgorithm="CRC32",
        )
        part = {"PartNumber": number, "ETag": sent["ETag"]}
        if sent.get("ChecksumCRC32"):  # the server checks each part's CRC32 as it completes
            part["ChecksumCRC32"] = sent["ChecksumCRC32"]
        return part

    def finish(self, last: bytearray) -> None:
        if self.upload_id is None:
            self._request("upload to", self.store.client.put_object, Body=last)
            return
        if last:
            self.send(last)
        while self.inflight:
            self.parts.append(self.inflight.pop(0).result())
        self._shutdown()
        self._request(
            "complete an upload to",
            self.store.client.complete_multipart_upload,
            UploadId=self.upload_id,
            MultipartUpload={"Parts": self.parts},
        )

    def _shutdown(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def abort(self) -> None:
        """Give the upload up: nothing of it stays visible (best effort if the store is gone;
        an incomplete multipart upload is invisible either way)."""
        self._shutdown()
        if self.upload_id is not None:
            with suppress(BotoCoreError, ClientError, OSError):
                self.store.client.abort_multipart_upload(
                    Bucket=self.store.bucket, Key=self.key, UploadId=self.upload_id
                )
