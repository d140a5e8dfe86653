"""What a streamed upload leaves behind: spooled files and the parsed form, and their cleanup."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

import msgspec

from scaigrid.errors import BadRequest, PayloadTooLarge

__all__ = ["UploadedFile", "UploadedForm", "malformed", "spool", "too_large"]

_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,10}$")


class UploadedFile(msgspec.Struct, kw_only=True, frozen=True):
    """One uploaded file, spooled to ``path``; the temp file is removed by the form's cleanup."""

    field_name: str
    filename: str
    content_type: str
    path: Path
    size: int
    sha256: str


class UploadedForm:
    """The text fields and spooled files of one multipart request.

    Use as ``async with await read_multipart(...) as form:`` (or call :meth:`cleanup`) so
    the temp files are removed when the handler is done with them.
    """

    def __init__(self, fields: dict[str, list[str]], files: dict[str, list[UploadedFile]]) -> None:
        self.fields = fields
        self.files = files

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first value of text field ``name``."""
        values = self.fields.get(name)
        return values[0] if values else default

    def file(self, name: str) -> UploadedFile | None:
        """The first file uploaded in field ``name``."""
        files = self.files.get(name)
        return files[0] if files else None

    def require_file(self, name: str) -> UploadedFile:
        """The first file in field ``name``, or 400 ``MISSING_FILE``."""
        found = self.file(name)
        if found is None:
            raise BadRequest(
                f"the form has no file in field {name!r}", code="MISSING_FILE", details={"field": name}
            )
        return found

    def cleanup(self) -> None:
        """Delete every spooled file (idempotent)."""
        for files in self.files.values():
            for upload in files:
                upload.path.unlink(missing_ok=True)

    async def __aenter__(self) -> UploadedForm:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.cleanup()

    def __enter__(self) -> UploadedForm:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.cleanup()


def malformed(message: str) -> BadRequest:
    return BadRequest(message, code="MALFORMED_MULTIPART")


def too_large(message: str, limit: int, **details: Any) -> PayloadTooLarge:
    return PayloadTooLarge(message, details={"limit": limit, **details})


def spool(spool_dir: str | os.PathLike[str] | None, filename: str) -> tuple[BinaryIO, Path]:
    # Keep a short extension: it is the only hint some raw audio formats give a prober.
    match = _SUFFIX.search(filename)
    fd, name = tempfile.mkstemp(
        prefix="scaigrid-upload-", suffix=match.group(0) if match else "", dir=spool_dir
    )
    return os.fdopen(fd, "wb"), Path(name)
