"""The :class:`BlobStore` contract every backend honours, and :class:`BlobInfo`, what it reports.

Keys are ``/``-separated relative paths (see :mod:`scaigrid.blobs.keys`). A
backend implements ``put``/``get``/``head``/``delete``/``list``/``signed_url``;
the conveniences (``read``, ``download``, ``put_file``, ``exists``,
``delete_prefix``) are built on those here, so every backend behaves the same.
"""

from __future__ import annotations

import abc
import asyncio
import builtins
import contextlib
import datetime as dt
import os
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Mapping
from pathlib import Path
from typing import IO, ClassVar

import msgspec

from scaigrid.blobs.keys import validate_prefix
from scaigrid.errors import BadRequest, Forbidden, NotFound

__all__ = ["DEFAULT_CONTENT_TYPE", "MAX_URL_EXPIRY", "BlobInfo", "BlobSource", "BlobStore", "blob_not_found"]

DEFAULT_CONTENT_TYPE = "application/octet-stream"

MAX_URL_EXPIRY = 7 * 24 * 3600
"""SigV4 presigned URLs live at most a week; the local store keeps the same ceiling."""

BlobSource = bytes | bytearray | memoryview | str | os.PathLike[str] | AsyncIterable[bytes]
"""What ``put`` accepts: bytes, a filesystem path, or an async iterable of byte chunks."""


class BlobInfo(msgspec.Struct, kw_only=True, frozen=True):
    """One stored blob as ``head``, ``put`` and ``list`` describe it.

    ``etag`` is an opaque version (no quotes) that changes whenever the blob is
    written; it is not a checksum (the local store uses a per-write id, S3 its
    own ETag, which for multipart uploads is no MD5 of the content).
    """

    key: str
    size: int
    content_type: str
    metadata: dict[str, str]
    etag: str
    modified_at: dt.datetime


def blob_not_found(key: str) -> NotFound:
    return NotFound(f"no blob with key {key!r}", code="BLOB_NOT_FOUND")


def check_range(start: int | None, end: int | None) -> tuple[int, int | None]:
    """Normalise a ``[start, end)`` byte range: ``data[start:end]`` for non-negative bounds."""
    first = 0 if start is None else start
    if first < 0 or (end is not None and end < 0):
        raise BadRequest(f"invalid byte range [{start}, {end}): bounds must be >= 0", code="BAD_BLOB_RANGE")
    return first, end


def require_prefix(prefix: str) -> str:
    """A non-empty prefix: ``delete_prefix("")`` would erase the whole store."""
    if not validate_prefix(prefix):
        raise BadRequest("delete_prefix needs a non-empty prefix", code="BAD_BLOB_KEY")
    return prefix


def check_expiry(expires_in: int) -> int:
    if not isinstance(expires_in, int) or not 0 < expires_in <= MAX_URL_EXPIRY:
        raise BadRequest(
            f"signed URL expiry must be between 1 and {MAX_URL_EXPIRY} seconds, got {expires_in!r}",
            code="BAD_BLOB_EXPIRY",
        )
    return expires_in


class BlobStore(abc.ABC):
    """Streamed blob storage with signed download URLs.

    ``get`` is a coroutine that *returns* an async iterator: awaiting it raises
    :class:`~scaigrid.errors.NotFound` (``BLOB_NOT_FOUND``) for a missing key
    before any byte is produced, so an HTTP handler can still answer 404::

        chunks = await store.get("a/b.wav", start=0, end=1024)
        async for chunk in chunks:
            ...

    ``list`` is an async generator (``async for info in store.list("a/")``).
    Call :meth:`start` before use and
    :meth:`close` at shutdown.
    """

    backend: ClassVar[str]
    """``"local"`` or ``"s3"``."""

    async def start(self) -> None:
        """Prepare the backend (create directories, connect, create the bucket)."""
        return None

    async def close(self) -> None:
        """Release connections; the store may be started again afterwards."""
        return None

    # -- what a backend implements ---------------------------------------------

    @abc.abstractmethod
    async def put(
        self,
        key: str,
        source: BlobSource,
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        metadata: Mapping[str, str] | None = None,
    ) -> BlobInfo:
        """Store ``source`` under ``key`` (replacing any previous blob) and describe the result.

        ``source`` is read once, in chunks: a large file or an upload stream is
        never held in memory whole. Readers see the old blob or the new one,
        never a partial write.
        """

    @abc.abstractmethod
    async def get(
        self, key: str, *, start: int | None = None, end: int | None = None
    ) -> AsyncIterator[bytes]:
        """Return an iterator over the bytes ``[start, end)`` (``data[start:end]``) of a blob.

        Raises ``NotFound`` (``BLOB_NOT_FOUND``) when awaited for a missing key.
        """

    @abc.abstractmethod
    async def head(self, key: str) -> BlobInfo:
        """Describe a blob; ``NotFound`` (``BLOB_NOT_FOUND``) if missing."""

    @abc.abstractmethod
    async def delete(self, key: str) -> bool:
        """Remove a blob. True if it existed; deleting a missing key is not an error."""

    @abc.abstractmethod
    def list(self, prefix: str = "", *, with_metadata: bool = True) -> AsyncIterator[BlobInfo]:
        """Yield every blob whose key starts with ``prefix``.

        The local store yields in key order; S3 in the server's listing order
        (key order on AWS; SeaweedFS walks ``/``-separated levels depth-first).

        ``with_metadata=False`` lets a backend skip per-blob lookups (S3 then
        leaves ``content_type`` and ``metadata`` empty).
        """

    @abc.abstractmethod
    async def signed_url(self, key: str, *, expires_in: int = 86400, filename: str | None = None) -> str:
        """An absolute URL that downloads the blob without credentials until it expires.

        ``filename`` makes the download an attachment with that name. The key
        is not checked: fetching the URL of a missing blob answers 404.
        """

    async def verify_url(
        self, key: str, *, expires: str | None, sig: str | None, filename: str | None
    ) -> None:
        """Check a signed host URL (``/v1/blobs/<key>?expires=&sig=``); raise 403 when it is not valid.

        Only stores whose URLs point at the host serve them; others refuse every one.
        """
        raise Forbidden(f"the {self.backend} blob store does not serve host URLs", code="BLOB_URL_INVALID")

    # -- conveniences ------------------------------------------------------------

    async def put_file(
        self,
        key: str,
        path: str | os.PathLike[str],
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        metadata: Mapping[str, str] | None = None,
    ) -> BlobInfo:
        """``put`` from a filesystem path (the source is streamed, never read whole)."""
        return await self.put(key, Path(path), content_type=content_type, metadata=metadata)

    async def read(self, key: str, *, start: int | None = None, end: int | None = None) -> bytes:
        """The whole blob (or ``[start, end)``) as bytes: for small blobs only."""
        chunks = await self.get(key, start=start, end=end)
        return b"".join([chunk async for chunk in chunks])

    async def download(self, key: str, path: str | os.PathLike[str]) -> Path:
        """Stream a blob into ``path`` (written beside it first, then renamed into place)."""
        target = Path(path)
        chunks = await self.get(key)
        part = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
        fh: IO[bytes] = await asyncio.to_thread(open, part, "wb")
        try:
            async for chunk in chunks:
                await asyncio.to_thread(fh.write, chunk)
            await asyncio.to_thread(fh.close)
            await asyncio.to_thread(os.replace, part, target)
        except BaseException:
            fh.close()
            with contextlib.suppress(OSError):
                part.unlink()
            raise
        return target

    async def exists(self, key: str) -> bool:
        try:
            await self.head(key)
        except NotFound:
            return False
        return True

    async def delete_prefix(self, prefix: str) -> int:
        """Delete every blob under ``prefix``; returns how many were deleted (``""`` is refused)."""
        require_prefix(prefix)
        keys: builtins.list[str] = [info.key async for info in self.list(prefix, with_metadata=False)]
        count = 0
        for key in keys:
            count += await self.delete(key)
        return count
