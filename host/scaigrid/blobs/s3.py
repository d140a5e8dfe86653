"""The scaled-out blob store: an S3-compatible bucket through aioboto3, with presigned GET URLs.

Uploads larger than one part go up as multipart uploads in ``part_size`` pieces
read from the source one at a time (two parts in flight), so a large file or
stream never sits in memory whole. The bucket is created at start if missing.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any

import aioboto3
from botocore.config import Config
from botocore.exceptions import ClientError

from scaigrid.blobs.base import (
    DEFAULT_CONTENT_TYPE,
    BlobInfo,
    BlobSource,
    BlobStore,
    check_expiry,
    check_range,
    require_prefix,
)
from scaigrid.blobs.keys import (
    decode_metadata_value,
    encode_metadata_value,
    validate_content_type,
    validate_filename,
    validate_key,
    validate_metadata,
    validate_prefix,
)
from scaigrid.blobs.s3_errors import error_code, http_status, s3_errors
from scaigrid.blobs.signing import content_disposition
from scaigrid.blobs.sources import SourceReader
from scaigrid.errors import ScaigridError, ServiceUnavailable, StartupError
from scaigrid.settings import Settings

__all__ = ["PART_SIZE", "S3BlobStore"]

PART_SIZE = 8 << 20
"""Multipart piece size (S3's minimum is 5 MiB); objects up to one part go up in one request."""

CHUNK_SIZE = 1 << 20
HEAD_CONCURRENCY = 16
DELETE_BATCH = 1000
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class S3BlobStore(BlobStore):
    """Blobs in one S3 bucket (AWS, SeaweedFS, MinIO, ...)."""

    backend = "s3"

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key: str | None = None,
        secret_key: str | None = None,
        part_size: int = PART_SIZE,
        parts_in_flight: int = 2,
    ) -> None:
        if part_size < 5 << 20:
            raise ValueError("S3 multipart parts must be at least 5 MiB")
        self.bucket = bucket
        self.endpoint_url = endpoint_url or None
        self.region = region
        self.part_size = part_size
        self.parts_in_flight = max(1, parts_in_flight)
        self._session = aioboto3.Session(
            aws_access_key_id=access_key or None,
            aws_secret_access_key=secret_key or None,
            region_name=region,
        )
        self._config = Config(
            signature_version="s3v4",
            # Self-hosted endpoints rarely have wildcard DNS for virtual-hosted buckets.
            s3={"addressing_style": "path" if self.endpoint_url else "auto"},
            retries={"max_attempts": 3, "mode": "standard"},
            # Newer botocore sends streaming CRC trailers by default; not every S3 clone accepts them.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            connect_timeout=10,
            read_timeout=120,
            max_pool_connections=max(HEAD_CONCURRENCY, self.parts_in_flight),
        )
        self._stack: contextlib.AsyncExitStack | None = None
        self._client: Any = None

    @classmethod
    def from_settings(cls, settings: Settings) -> S3BlobStore:
        """Build from ``SCAIGRID_S3_*``; a bad bucket name or half-set credentials fail start-up."""
        if not _BUCKET_NAME.match(settings.s3_bucket) or ".." in settings.s3_bucket:
            raise StartupError(
                f"invalid setting SCAIGRID_S3_BUCKET: {settings.s3_bucket!r} is not a bucket name "
                "(allowed: 3-63 of lowercase letters, digits, '.', '-'; starting and ending alphanumeric)"
            )
        if bool(settings.s3_access_key) != bool(settings.s3_secret_key):
            raise StartupError(
                "invalid settings SCAIGRID_S3_ACCESS_KEY / SCAIGRID_S3_SECRET_KEY: set both, "
                "or neither to use the default AWS credential chain"
            )
        return cls(
            bucket=settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url or None,
            region=settings.s3_region,
            access_key=settings.s3_access_key or None,
            secret_key=settings.s3_secret_key or None,
        )

    @property
    def _where(self) -> str:
        return f"bucket {self.bucket!r} at {self.endpoint_url or 'AWS S3'}"

    # -- lifecycle -----------------------------------------------------------------

    async def start(self) -> None:
        if self._client is not None:
            return
        stack = contextlib.AsyncExitStack()
        try:
            client = await stack.enter_async_context(
                self._session.client("s3", endpoint_url=self.endpoint_url, config=self._config)
            )
            await self._ensure_bucket(client)
        except BaseException:
            await stack.aclose()
            raise
        self._stack, self._client = stack, client

    async def close(self) -> None:
        stack, self._stack, self._client = self._stack, None, None
        if stack is not None:
            await stack.aclose()

    async def _ensure_bucket(self, client: Any) -> None:
        with self._errors():
            try:
                await client.head_bucket(Bucket=self.bucket)
                return
            except ClientError as exc:
                if http_status(exc) != 404 and error_code(exc) not in ("NoSuchBucket", "404", "NotFound"):
                    raise
            kwargs: dict[str, Any] = {"Bucket": self.bucket}
            if self.region != "us-east-1":
                kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
            try:
                await client.create_bucket(**kwargs)
            except ClientError as exc:
                if error_code(exc) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise  # another process creating it at the same moment is fine

    def _require(self) -> Any:
        if self._client is None:
            raise ServiceUnavailable(
                f"the S3 blob store ({self._where}) is not started", code="BLOB_STORE_NOT_STARTED"
            )
        return self._client

    def _errors(self, key: str | None = None) -> contextlib.AbstractContextManager[None]:
        return s3_errors(self._where, key)

    # -- write -----------------------------------------------------------------------

    async def put(
        self,
        key: str,
        source: BlobSource,
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        metadata: Mapping[str, str] | None = None,
    ) -> BlobInfo:
        key = validate_key(key)
        extra = {
            "ContentType": validate_content_type(content_type),
            "Metadata": {name: encode_metadata_value(v) for name, v in validate_metadata(metadata).items()},
        }
        client = self._require()
        async with SourceReader(source) as reader:
            # No locals hold the pieces: _multipart pops them, so each is freed once uploaded.
            pieces = [await reader.read(self.part_size)]
            if len(pieces[0]) == self.part_size:
                pieces.append(await reader.read(self.part_size))
            with self._errors():
                if not pieces[-1] or len(pieces) == 1:
                    await client.put_object(Bucket=self.bucket, Key=key, Body=pieces[0], **extra)
                else:
                    await self._multipart(client, key, reader, pieces, extra)
        return await self.head(key)

    async def _multipart(
        self, client: Any, key: str, reader: SourceReader, pieces: list[bytes], extra: dict[str, Any]
    ) -> None:
        upload = await client.create_multipart_upload(Bucket=self.bucket, Key=key, **extra)
        upload_id = upload["UploadId"]
        tasks: list[asyncio.Task[dict[str, Any]]] = []
        try:
            number = 0
            while True:
                # Wait for a free slot before reading on: memory stays near (in flight + 2) parts.
                running = [t for t in tasks if not t.done()]
                if len(running) >= self.parts_in_flight:
                    await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in tasks:  # surface a failed part now, not after reading the whole source
                    if task.done() and task.exception() is not None:
                        await task
                piece = pieces.pop(0) if pieces else await reader.read(self.part_size)
                if not piece:
                    break
                number += 1
                tasks.append(asyncio.create_task(self._upload_part(client, key, upload_id, number, piece)))
                del piece
            parts = list(await asyncio.gather(*tasks))
            await client.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                await client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            raise

    async def _upload_part(
        self, client: Any, key: str, upload_id: str, number: int, body: bytes
    ) -> dict[str, Any]:
        answer = await client.upload_part(
            Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body
        )
        return {"ETag": answer["ETag"], "PartNumber": number}

    # -- read ---------------------------------------------------------------------------

    async def get(
        self, key: str, *, start: int | None = None, end: int | None = None
    ) -> AsyncIterator[bytes]:
        key = validate_key(key)
        first, last = check_range(start, end)
        client = self._require()
        if last is not None and last <= first:
            await self.head(key)  # an empty range of a missing blob is still a 404
            return _Chunks(None)
        kwargs: dict[str, Any] = {}
        if first or last is not None:
            kwargs["Range"] = f"bytes={first}-{'' if last is None else last - 1}"
        with self._errors(key):
            try:
                answer = await client.get_object(Bucket=self.bucket, Key=key, **kwargs)
            except ClientError as exc:
                if error_code(exc) == "InvalidRange":  # start at or past the end: data[start:end] is empty
                    return _Chunks(None)
                raise
        return _Chunks(answer["Body"], errors=lambda: self._errors(key))

    async def head(self, key: str) -> BlobInfo:
        key = validate_key(key)
        client = self._require()
        with self._errors(key):
            answer = await client.head_object(Bucket=self.bucket, Key=key)
        return BlobInfo(
            key=key,
            size=int(answer["ContentLength"]),
            content_type=answer.get("ContentType") or DEFAULT_CONTENT_TYPE,
            metadata={k: decode_metadata_value(v) for k, v in (answer.get("Metadata") or {}).items()},
            etag=str(answer.get("ETag", "")).strip('"'),
            modified_at=answer["LastModified"].astimezone(dt.UTC),
        )

    # -- delete -----------------------------------------------------------------------------

    async def delete(self, key: str) -> bool:
        # S3 deletes silently either way; the HEAD is what tells whether the blob existed.
        existed = await self.exists(key)
        client = self._require()
        with self._errors(key):
            await client.delete_object(Bucket=self.bucket, Key=key)
        return existed

    async def delete_prefix(self, prefix: str) -> int:
        """Delete every blob under ``prefix`` in batches of 1000 (``""`` is refused: that is the bucket)."""
        require_prefix(prefix)
        client = self._require()
        count = 0
        batch: list[str] = []

        async def flush() -> int:
            with self._errors():
                answer = await client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True}
                )
            errors = answer.get("Errors") or []
            if errors:
                first = errors[0]
                raise ScaigridError(
                    502,
                    "BLOB_STORE_ERROR",
                    f"S3 refused to delete {len(errors)} blob(s), "
                    f"e.g. {first.get('Key')!r}: {first.get('Message')}",
                )
            return len(batch) - len(errors)

        async for info in self.list(prefix, with_metadata=False):
            batch.append(info.key)
            if len(batch) == DELETE_BATCH:
                count += await flush()
                batch = []
        if batch:
            count += await flush()
        return count

    # -- list ---------------------------------------------------------------------------------

    async def list(self, prefix: str = "", *, with_metadata: bool = True) -> AsyncIterator[BlobInfo]:
        prefix = validate_prefix(prefix)
        client = self._require()
        pages = aiter(client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix))
        while True:
            with self._errors():
                try:
                    page = await anext(pages)
                except StopAsyncIteration:
                    return
            listed = page.get("Contents") or []
            if with_metadata:
                infos = await self._heads([obj["Key"] for obj in listed])
            else:
                infos = [
                    BlobInfo(
                        key=obj["Key"],
                        size=int(obj["Size"]),
                        content_type="",
                        metadata={},
                        etag=str(obj.get("ETag", "")).strip('"'),
                        modified_at=obj["LastModified"].astimezone(dt.UTC),
                    )
                    for obj in listed
                ]
            for info in infos:
                if info is not None:
                    yield info

    async def _heads(self, keys: Sequence[str]) -> Sequence[BlobInfo | None]:
        """HEAD a page of keys, a few at a time, keeping their order; a vanished key gives None."""
        gate = asyncio.Semaphore(HEAD_CONCURRENCY)

        async def one(key: str) -> BlobInfo | None:
            async with gate:
                try:
                    return await self.head(key)
                except ScaigridError as exc:
                    if exc.code == "BLOB_NOT_FOUND":
                        return None
                    raise

        return await asyncio.gather(*(one(k) for k in keys))

    # -- signed URLs -------------------------------------------------------------------------------

    async def signed_url(self, key: str, *, expires_in: int = 86400, filename: str | None = None) -> str:
        key = validate_key(key)
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        name = validate_filename(filename)
        if name:
            params["ResponseContentDisposition"] = content_disposition(name)
        client = self._require()
        with self._errors():
            url: str = await client.generate_presigned_url(
                "get_object", Params=params, ExpiresIn=check_expiry(expires_in)
            )
        return url


class _Chunks:
    """An S3 response body as an async iterator of chunks; closes the connection when done or abandoned."""

    def __init__(
        self, body: Any, *, errors: Callable[[], contextlib.AbstractContextManager[None]] | None = None
    ) -> None:
        self._body = body
        self._errors = errors or contextlib.nullcontext

    def __aiter__(self) -> _Chunks:
        return self

    async def __anext__(self) -> bytes:
        if self._body is None:
            raise StopAsyncIteration
        try:
            with self._errors():
                chunk: bytes = await self._body.read(CHUNK_SIZE)
        except BaseException:
            await self.aclose()
            raise
        if not chunk:
            await self.aclose()
            raise StopAsyncIteration
        return chunk

    async def aclose(self) -> None:
        body, self._body = self._body, None
        if body is not None:
            body.close()
