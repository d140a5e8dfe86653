"""Validation of what callers hand the blob store: keys, prefixes, metadata, content types, filenames.

Both backends apply the same rules, so a key or metadata set that works against
the local directory in development also works against S3 in production.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote, unquote

from scaigrid.errors import BadRequest

__all__ = [
    "MAX_KEY_BYTES",
    "MAX_METADATA_BYTES",
    "decode_metadata_value",
    "encode_metadata_value",
    "validate_content_type",
    "validate_filename",
    "validate_key",
    "validate_metadata",
    "validate_prefix",
]

MAX_KEY_BYTES = 1024
"""S3's limit for an object key (UTF-8 bytes)."""

MAX_SEGMENT_BYTES = 240
"""One path segment becomes one file name in the local store (255 bytes less our suffixes)."""

MAX_METADATA_BYTES = 2048
"""S3's limit for all user metadata of one object (names plus encoded values)."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_META_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,127}$")
_CONTENT_TYPE = re.compile(
    r"^[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*(\s*;\s*[\w.+-]+=(\"[^\"]*\"|[\w.+-]+))*$"
)
# Printable ASCII stays readable in S3 headers; '%' must be escaped so decoding is unambiguous.
_META_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) != "%")


def _bad_key(key: str, why: str) -> BadRequest:
    return BadRequest(f"invalid blob key {key!r}: {why}", code="BAD_BLOB_KEY")


def _check_segment(key: str, segment: str) -> None:
    if not segment:
        raise _bad_key(key, "empty path segment (leading, trailing or doubled '/')")
    if segment in (".", ".."):
        raise _bad_key(key, "'.' and '..' segments are not allowed")
    if len(segment.encode()) > MAX_SEGMENT_BYTES:
        raise _bad_key(key, f"a path segment is longer than {MAX_SEGMENT_BYTES} bytes")


def _check_text(key: str) -> None:
    if not isinstance(key, str):
        raise BadRequest(f"blob key must be a string, not {type(key).__name__}", code="BAD_BLOB_KEY")
    if _CONTROL.search(key):
        raise _bad_key(key, "control characters are not allowed")
    if "\\" in key:
        raise _bad_key(key, "backslashes are not allowed")
    if key.startswith("/"):
        raise _bad_key(key, "keys are relative: no leading '/'")
    try:
        encoded = key.encode()
    except UnicodeEncodeError as exc:  # lone surrogates
        raise _bad_key(key, "not valid Unicode text") from exc
    if len(encoded) > MAX_KEY_BYTES:
        raise _bad_key(key, f"longer than {MAX_KEY_BYTES} bytes")


def validate_key(key: str) -> str:
    """Return ``key`` if it names a blob: ``/``-separated segments, none empty, ``.`` or ``..``.

    Raises :class:`BadRequest` with code ``BAD_BLOB_KEY`` otherwise.
    """
    _check_text(key)
    if not key:
        raise _bad_key(key, "empty key")
    for segment in key.split("/"):
        _check_segment(key, segment)
    return key


def validate_prefix(prefix: str) -> str:
    """Return ``prefix`` if it can start a key: ``""``, ``"a/"``, ``"a/b"`` (a partial last segment)."""
    _check_text(prefix)
    *whole, _partial = prefix.split("/")
    for segment in whole:
        _check_segment(prefix, segment)
    return prefix


def encode_metadata_value(value: str) -> str:
    """Percent-encode a metadata value so any Unicode text survives an S3 header."""
    return quote(value, safe=_META_SAFE)


def decode_metadata_value(value: str) -> str:
    return unquote(value)


def validate_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    """Return a copy of ``metadata`` if every name is lowercase ``[a-z0-9_-]`` and values are strings.

    Names are lowercase because S3 folds them; refusing ``"Foo"`` beats returning
    ``"foo"``. A name with an empty value is left out on every backend, as S3
    servers drop empty headers. The total (names plus encoded values) must fit S3's 2 KiB.
    """
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping):
        raise BadRequest("blob metadata must be a mapping of str to str", code="BAD_BLOB_METADATA")
    out: dict[str, str] = {}
    total = 0
    for name, value in metadata.items():
        if not isinstance(name, str) or not _META_NAME.match(name):
            raise BadRequest(
                f"invalid blob metadata name {name!r}: use lowercase letters, digits, '-' and '_'",
                code="BAD_BLOB_METADATA",
            )
        if not isinstance(value, str):
            raise BadRequest(
                f"blob metadata {name!r} must be a string, not {type(value).__name__}",
                code="BAD_BLOB_METADATA",
            )
        if not value:
            continue
        total += len(name) + len(encode_metadata_value(value))
        out[name] = value
    if total > MAX_METADATA_BYTES:
        raise BadRequest(
            f"blob metadata is {total} bytes once encoded; at most {MAX_METADATA_BYTES} are allowed",
            code="BAD_BLOB_METADATA",
        )
    return out


def validate_content_type(content_type: str) -> str:
    """Return ``content_type`` if it is a ``type/subtype[; param=value]`` media type."""
    if not isinstance(content_type, str) or len(content_type) > 255 or not _CONTENT_TYPE.match(content_type):
        raise BadRequest(f"invalid blob content type {content_type!r}", code="BAD_BLOB_CONTENT_TYPE")
    return content_type


def validate_filename(filename: str | None) -> str | None:
    """Return the download file name for a signed URL (``None`` or ``""`` = none)."""
    if not filename:
        return None
    if (
        not isinstance(filename, str)
        or len(filename.encode()) > 255
        or _CONTROL.search(filename)
        or any(c in filename for c in '/\\"')
        or filename in (".", "..")
    ):
        raise BadRequest(f"invalid download file name {filename!r}", code="BAD_BLOB_FILENAME")
    return filename
