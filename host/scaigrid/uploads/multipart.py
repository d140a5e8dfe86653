"""The sync half of multipart parsing: python-multipart's push parser driven chunk by chunk,
spooling file parts to disk (hashing as they go) and enforcing the per-part limits."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import BinaryIO

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from scaigrid.errors import BadRequest
from scaigrid.uploads.records import UploadedFile, UploadedForm, malformed, spool, too_large

__all__ = ["MultipartSink"]

_MAX_HEADER_SIZE = 4096 + 128
_MAX_HEADER_COUNT = 8


class _Part:
    """The part being parsed: a file spooling to disk, or a text field held in memory."""

    def __init__(self, name: str, filename: str | None, content_type: str, charset: str) -> None:
        self.name = name
        self.filename = filename
        self.content_type = content_type
        self.charset = charset
        self.size = 0
        self.text = bytearray()
        self.fh: BinaryIO | None = None
        self.path: Path | None = None
        self.hasher = hashlib.sha256()


class MultipartSink:
    """Sync and blocking (parsing, hashing, disk writes): fed chunk by chunk from a worker thread."""

    def __init__(
        self,
        boundary: bytes,
        *,
        max_file_bytes: int,
        max_files: int | None,
        max_field_bytes: int,
        max_fields: int,
        max_fields_total_bytes: int,
        file_fields: set[str] | None,
        spool_dir: str | os.PathLike[str] | None,
    ) -> None:
        self.max_file_bytes = max_file_bytes
        self.max_files = max_files
        self.max_field_bytes = max_field_bytes
        self.max_fields = max_fields
        self.max_fields_total_bytes = max_fields_total_bytes
        self.file_fields = file_fields
        self.spool_dir = spool_dir
        self.fields: dict[str, list[str]] = {}
        self.files: dict[str, list[UploadedFile]] = {}
        self.file_count = 0
        self.field_count = 0
        self.field_bytes = 0
        self.ended = False
        self._part: _Part | None = None
        self._headers: list[tuple[str, str]] = []
        self._header_name = bytearray()
        self._header_value = bytearray()
        try:
            self._parser = MultipartParser(
                boundary,
                callbacks={
                    "on_part_begin": self._on_part_begin,
                    "on_header_field": lambda d, s, e: self._header_name.extend(d[s:e]),
                    "on_header_value": lambda d, s, e: self._header_value.extend(d[s:e]),
                    "on_header_end": self._on_header_end,
                    "on_headers_finished": self._on_headers_finished,
                    "on_part_data": self._on_part_data,
                    "on_part_end": self._on_part_end,
                    "on_end": self._on_end,
                },
                max_header_count=_MAX_HEADER_COUNT,
                max_header_size=_MAX_HEADER_SIZE,
            )
        except FormParserError as exc:
            raise malformed(f"invalid multipart boundary: {exc}") from None

    def feed(self, chunk: bytes) -> None:
        try:
            self._parser.write(chunk)
        except FormParserError as exc:
            raise malformed(f"invalid multipart/form-data body: {exc}") from None

    def finish(self) -> None:
        if not self.ended:
            raise malformed("the multipart body ended before its closing boundary")

    def discard(self) -> None:
        """Close and delete every temp file, finished or not (after an error)."""
        part = self._part
        if part is not None and part.fh is not None:
            part.fh.close()
            if part.path is not None:
                part.path.unlink(missing_ok=True)
        UploadedForm(self.fields, self.files).cleanup()

    def _on_part_begin(self) -> None:
        self._headers = []
        self._part = None

    def _on_header_end(self) -> None:
        self._headers.append(
            (
                self._header_name.decode("latin-1").strip().lower(),
                self._header_value.decode("latin-1").strip(),
            )
        )
        self._header_name.clear()
        self._header_value.clear()

    def _on_headers_finished(self) -> None:
        headers = dict(self._headers)
        disposition, params = parse_options_header(headers.get("content-disposition"))
        if disposition != b"form-data" or b"name" not in params:
            raise malformed("a part has no Content-Disposition: form-data name")
        name = _text(params[b"name"])
        raw_type, type_params = parse_options_header(headers.get("content-type"))
        charset = _text(type_params.get(b"charset", b"utf-8"))
        filename = _text(params[b"filename"]) if b"filename" in params else None
        part = _Part(name, filename, raw_type.decode("latin-1") or "application/octet-stream", charset)
        if filename is not None:
            if self.file_fields is not None and name not in self.file_fields:
                raise BadRequest(
                    f"field {name!r} does not accept files",
                    code="UNEXPECTED_FILE",
                    details={"field": name, "allowed": sorted(self.file_fields)},
                )
            if self.max_files is not None and self.file_count >= self.max_files:
                raise BadRequest(
                    f"at most {self.max_files} file(s) per request",
                    code="TOO_MANY_FILES",
                    details={"limit": self.max_files},
                )
            self.file_count += 1
            part.fh, part.path = spool(self.spool_dir, filename)
        else:
            if self.field_count >= self.max_fields:
                raise BadRequest(
                    f"at most {self.max_fields} form fields per request",
                    code="TOO_MANY_FIELDS",
                    details={"limit": self.max_fields},
                )
            self.field_count += 1
        self._part = part

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self._part
        if part is None:
            raise malformed("part data before the part's headers")
        n = end - start
        part.size += n
        if part.fh is not None:
            if part.size > self.max_file_bytes:
                raise too_large(
                    f"file {part.filename!r} exceeds {self.max_file_bytes} bytes",
                    self.max_file_bytes,
                    field=part.name,
                    filename=part.filename,
                )
            view = memoryview(data)[start:end]
            part.fh.write(view)
            part.hasher.update(view)
            return
        self.field_bytes += n
        if part.size > self.max_field_bytes:
            raise too_large(
                f"field {part.name!r} exceeds {self.max_field_bytes} bytes",
                self.max_field_bytes,
                field=part.name,
            )
        if self.field_bytes > self.max_fields_total_bytes:
            raise too_large(
                f"the form's text fields exceed {self.max_fields_total_bytes} bytes",
                self.max_fields_total_bytes,
            )
        part.text.extend(data[start:end])

    def _on_part_end(self) -> None:
        part, self._part = self._part, None
        if part is None:
            raise malformed("a part ended before its headers")
        if part.fh is None:
            try:
                value = part.text.decode(part.charset)
            except (LookupError, UnicodeDecodeError):
                raise malformed(f"field {part.name!r} is not valid {part.charset}") from None
            if part.name != "_charset_":
                self.fields.setdefault(part.name, []).append(value)
            return
        part.fh.close()
        assert part.path is not None
        if part.size == 0 and not part.filename:
            # What a browser sends for a file input left empty: no file at all.
            part.path.unlink(missing_ok=True)
            self.file_count -= 1
            return
        upload = UploadedFile(
            field_name=part.name,
            filename=part.filename or "",
            content_type=part.content_type,
            path=part.path,
            size=part.size,
            sha256=part.hasher.hexdigest(),
        )
        self.files.setdefault(part.name, []).append(upload)

    def _on_end(self) -> None:
        self.ended = True


def _text(value: bytes) -> str:
    """Header parameters arrive as raw bytes; browsers send UTF-8 filenames unescaped."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")
