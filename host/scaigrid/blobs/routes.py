"""The host route behind local signed URLs: GET and HEAD ``/v1/blobs/{key:path}``.

The signature is the credential (no API key): it is checked before the store is
touched, then the blob streams with its stored content type and single-range
support (206 + ``Content-Range``). The store comes from the ``platform``
dependency (anything with a ``.blobs`` :class:`~scaigrid.blobs.BlobStore`).
"""

from __future__ import annotations

import email.utils
from pathlib import PurePosixPath
from typing import Any, cast

from litestar import Request, Response, get, head
from litestar.response import Stream

from scaigrid.blobs.base import BlobInfo, BlobStore
from scaigrid.blobs.ranges import parse_range
from scaigrid.blobs.signing import BLOB_ROUTE_PREFIX, content_disposition
from scaigrid.errors import ServiceUnavailable

__all__ = ["blob_routes", "download_blob", "head_blob"]

_PATH = BLOB_ROUTE_PREFIX + "/{key:path}"
_OPT = {"scaigrid_public": True}  # the signed URL is the credential


async def _authorise(
    platform: Any, key: PurePosixPath, expires: str | None, sig: str | None, filename: str | None
) -> tuple[BlobStore, str, BlobInfo]:
    store = getattr(platform, "blobs", None)
    if not isinstance(store, BlobStore):
        raise ServiceUnavailable("no blob store is configured", code="BLOB_STORE_NOT_STARTED")
    name = str(key).lstrip("/")
    await store.verify_url(name, expires=expires, sig=sig, filename=filename)
    return store, name, await store.head(name)


def _headers(info: BlobInfo, filename: str | None) -> dict[str, str]:
    headers = {
        "content-type": info.content_type,
        "accept-ranges": "bytes",
        "etag": f'"{info.etag}"',
        "last-modified": email.utils.format_datetime(info.modified_at, usegmt=True),
        "cache-control": "private, no-cache",
    }
    if filename:
        headers["content-disposition"] = content_disposition(filename)
    return headers


def _range_applies(request: Request[Any, Any, Any], info: BlobInfo, headers: dict[str, str]) -> bool:
    """``If-Range``: honour ``Range`` only while the blob is still the version the client has."""
    validator = request.headers.get("if-range")
    return validator is None or validator.strip() in (headers["etag"], headers["last-modified"])


@get(_PATH, opt=_OPT, include_in_schema=False)
async def download_blob(
    request: Request[Any, Any, Any],
    key: PurePosixPath,
    platform: Any,
    expires: str | None = None,
    sig: str | None = None,
    filename: str | None = None,
) -> Stream:
    """Stream a blob named by a signed URL; ``Range: bytes=a-b`` answers 206."""
    store, name, info = await _authorise(platform, key, expires, sig, filename)
    headers = _headers(info, filename)
    span = (
        parse_range(request.headers.get("range"), info.size)
        if _range_applies(request, info, headers)
        else None
    )
    start, end = span or (0, info.size)
    if span is not None:
        headers["content-range"] = f"bytes {start}-{end - 1}/{info.size}"
    headers["content-length"] = str(end - start)
    chunks = await store.get(name, start=start, end=end)
    return Stream(chunks, status_code=206 if span else 200, headers=headers, media_type=info.content_type)


@head(_PATH, opt=_OPT, include_in_schema=False)
async def head_blob(
    key: PurePosixPath,
    platform: Any,
    expires: str | None = None,
    sig: str | None = None,
    filename: str | None = None,
) -> Response[None]:
    """The headers a GET of the same signed URL would answer with."""
    _, _, info = await _authorise(platform, key, expires, sig, filename)
    headers = _headers(info, filename)
    headers["content-length"] = str(info.size)
    # Litestar cannot render None as e.g. audio/wav; HEAD handlers must still be typed Response[None].
    return cast("Response[None]", Response(content=b"", status_code=200, headers=headers))


blob_routes: list[Any] = [download_blob, head_blob]
"""Mounted at the app root by :func:`scaigrid.app.create_app`."""
