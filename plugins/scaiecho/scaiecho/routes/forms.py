"""Validation of the text fields clients send (multipart forms and query strings), with scaiecho codes."""

from __future__ import annotations

import re
from typing import get_args

from scaiecho import errors
from scaiecho.contracts import BackendPreference

__all__ = [
    "ALLOWED_CONTAINERS",
    "parse_bool",
    "parse_float",
    "parse_int",
    "parse_language",
    "parse_preference",
]

_LANGUAGE = re.compile(r"^[a-z]{2}$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}

ALLOWED_CONTAINERS: dict[str, str] = {"wav": "wav", "mp3": "mp3", "flac": "flac", "ogg": "ogg", "mp4": "m4a"}
"""FFmpeg container (as the host's probe names it) → the format name the reference lists."""


def parse_language(value: str | None, field: str = "language_hint") -> str | None:
    """An ISO 639-1 code (two letters, any case) or None when absent/empty."""
    if value is None or not value.strip():
        return None
    code = value.strip().lower()
    if not _LANGUAGE.match(code):
        raise errors.bad_request(f"{field} must be a two-letter ISO 639-1 code", details={"field": field})
    return code


def parse_preference(value: str | None) -> BackendPreference:
    preference = (value or "any").strip() or "any"
    for allowed in get_args(BackendPreference):
        if preference == allowed:
            return allowed  # type: ignore[no-any-return]
    raise errors.bad_backend_preference(preference)


def parse_bool(value: str | None, field: str) -> bool:
    if value is None:
        return False
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise errors.bad_request(f"{field} must be true or false", details={"field": field})


def parse_float(value: str | None, field: str, *, low: float, high: float) -> float | None:
    if value is None or not value.strip():
        return None
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not low <= number <= high:
        raise errors.bad_request(f"{field} must be a number from {low} to {high}", details={"field": field})
    return number


def parse_int(value: str | None, field: str, *, low: int, high: int) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        number = int(value)
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise errors.bad_request(f"{field} must be an integer from {low} to {high}", details={"field": field})
    return number
