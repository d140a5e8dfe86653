"""Reading request bodies as they stream in: multipart forms and raw bodies, limits enforced
before the rest of the body is read."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncGenerator
from contextlib import aclosing
from pathlib import Path
from typing import Any

import anyio.to_thread
from litestar import Request
from litestar.exceptions import HTTPException
from python_multipart.multipart import parse_options_header

from scaigrid.errors import BadRequest, UnsupportedMediaType
from scaigrid.uploads.multipart import MultipartSink
from scaigrid.uploads.records import UploadedFile, UploadedForm, malformed, spool, too_large

__all__ = ["MIB", "read_multipart", "stream_body", "stream_body_to_file"]

MIB = 1024 * 1024
# Boundary, Content-Disposition and Content-Type lines of one part, generously.
_PART_OVERHEAD = 4096
_BODY_OVERHEAD = 64 * 1024


def _check_declared_length(request: Request[Any, Any, Any], limit: int | None) -> None:
    """Answer 413 from the Content-Length header alone, before reading a byte of the body."""
    raw = request.headers.get("content-length")
    if raw is None or limit is None:
        return
    try:
        declared = int(raw)
    except ValueError:
        raise BadRequest(f"invalid Content-Length {raw!r}", code="INVALID_CONTENT_LENGTH") from None
    if declared > limit:
        raise too_large(
            f"the request body of {declared} bytes exceeds {limit} bytes", limit, declared=declared
        )


async def _chunks(request: Request[Any, Any, Any], limit: int | None) -> AsyncGenerator[bytes, None]:
    """The body as it arrives, counting against ``limit``; Litestar's own errors re-coded."""
    received = 0
    stream = request.stream()
    try:
        while True:
            try:
                chunk = await stream.__anext__()
            except StopAsyncIteration:
                return
            except HTTPException as exc:
                if exc.status_code == 413:
                    route_limit = request.route_handler.resolve_request_max_body_size() or 0
                    raise too_large("the request body exceeds the route's limit", route_limit) from None
                raise BadRequest(
                    "the client disconnected before the body was complete", code="INCOMPLETE_BODY"
                ) from None
            if not chunk:
                continue
            received += len(chunk)
            if limit is not None and received > limit:
                raise too_large(f"the request body exceeds {limit} bytes", limit)
            yield chunk
    finally:
        await stream.aclose()


async def read_multipart(
    request: Request[Any, Any, Any],
    *,
    max_file_bytes: int,
    max_files: int | None = None,
    max_field_bytes: int = MIB,
    max_fields: int = 100,
    max_fields_total_bytes: int | None = None,
    max_total_bytes: int | None = None,
    file_fields: set[str] | None = None,
    spool_dir: str | os.PathLike[str] | None = None,
) -> UploadedForm:
    """Parse a multipart/form-data body as it streams in: files to temp files, text fields in memory.

    Limits: ``max_file_bytes`` per file and ``max_field_bytes`` per text field (413
    ``PAYLOAD_TOO_LARGE`` with ``details.limit``, raised as soon as the part crosses it);
    ``max_files`` / ``max_fields`` (400 ``TOO_MANY_FILES`` / ``TOO_MANY_FIELDS``);
    ``max_fields_total_bytes`` for all text fields together (default ``max_field_bytes``);
    ``max_total_bytes`` for the body (derived from the others when ``max_files`` is set),
    checked against Content-Length before reading. ``file_fields`` restricts which fields
    may carry files (400 ``UNEXPECTED_FILE``). A broken body is 400 ``MALFORMED_MULTIPART``;
    a non-multipart request 415 ``UNSUPPORTED_MEDIA_TYPE``. On any error the temp files
    written so far are deleted.
    """
    media_type, params = parse_options_header(request.headers.get("content-type"))
    if media_type != b"multipart/form-data":
        raise UnsupportedMediaType(
            "expected a multipart/form-data body", details={"content_type": media_type.decode("latin-1")}
        )
    boundary = params.get(b"boundary")
    if not boundary:
        raise malformed("the multipart Content-Type has no boundary")
    fields_total = max_field_bytes if max_fields_total_bytes is None else max_fields_total_bytes
    total = max_total_bytes
    if total is None and max_files is not None:
        total = (
            max_files * max_file_bytes
            + fields_total
            + (max_files + max_fields) * _PART_OVERHEAD
            + _BODY_OVERHEAD
        )
    _check_declared_length(request, total)
    sink = MultipartSink(
        boundary,
        max_file_bytes=max_file_bytes,
        max_files=max_files,
        max_field_bytes=max_field_bytes,
        max_fields=max_fields,
        max_fields_total_bytes=fields_total,
        file_fields=file_fields,
        spool_dir=spool_dir,
    )
    try:
        async with aclosing(_chunks(request, total)) as chunks:
            async for chunk in chunks:
                await anyio.to_thread.run_sync(sink.feed, chunk)
        sink.finish()
    except BaseException:
        sink.discard()
        raise
    return UploadedForm(sink.fields, sink.files)


async def stream_body(
    request: Request[Any, Any, Any],
    *,
    max_bytes: int,
    spool_dir: str | os.PathLike[str] | None = None,
    filename: str = "",
) -> UploadedFile:
    """Spool a raw request body (``Content-Type: audio/...``) to a temp file, 413 past ``max_bytes``.

    The caller deletes ``path`` when done (or wraps it: ``UploadedForm({}, {"body": [f]})``).
    """
    _check_declared_length(request, max_bytes)
    fh, path = spool(spool_dir, filename)
    hasher = hashlib.sha256()
    size = 0

    def write(chunk: bytes) -> None:
        fh.write(chunk)
        hasher.update(chunk)

    try:
        async with aclosing(_chunks(request, max_bytes)) as chunks:
            async for chunk in chunks:
                size += len(chunk)
                await anyio.to_thread.run_sync(write, chunk)
    except BaseException:
        fh.close()
        path.unlink(missing_ok=True)
        raise
    fh.close()
    content_type = request.headers.get("content-type") or "application/octet-stream"
    return UploadedFile(
        field_name="",
        filename=filename,
        content_type=content_type,
        path=path,
        size=size,
        sha256=hasher.hexdigest(),
    )


async def stream_body_to_file(
    request: Request[Any, Any, Any], *, max_bytes: int, spool_dir: str | os.PathLike[str] | None = None
) -> Path:
    """:func:`stream_body`, returning only the temp file's path (the caller deletes it)."""
    return (await stream_body(request, max_bytes=max_bytes, spool_dir=spool_dir)).path
