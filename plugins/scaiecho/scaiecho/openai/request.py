"""OpenAI's request: the form fields of ``POST /v1/audio/transcriptions``, validated, and its errors.

Errors raised here carry OpenAI's ``type`` and ``param``; the module's ``openai``
envelope renders them as ``{"error": {"message", "type", "param", "code"}}``, with
ScaiGrid's stable codes as ``code``.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from typing import Literal, get_args

import msgspec
from scaigrid.errors import ScaigridError

__all__ = [
    "OPENAI_MODEL",
    "OpenAIError",
    "ResponseFormat",
    "TranscriptionOptions",
    "invalid",
    "parse_options",
    "whisper_languages",
]

OPENAI_MODEL = "whisper-1"
"""OpenAI's model name; it means "the tenant's default", resolved by the tenant policy (A or B)."""

ResponseFormat = Literal["json", "text", "srt", "vtt", "verbose_json"]
_FORMATS: tuple[str, ...] = get_args(ResponseFormat)
_GRANULARITIES = ("word", "segment")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


class OpenAIError(ScaigridError):
    """A coded error whose JSON body is OpenAI's error object.

    ``type`` and ``param`` ride in ``extra``, where the ``openai`` envelope reads them; any other
    coded error on these routes is rendered in the same shape (``param`` from ``details.field``).
    """

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        code: str,
        param: str | None = None,
        error_type: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        kind = error_type or ("server_error" if status_code >= 500 else "invalid_request_error")
        super().__init__(status_code, code, message, extra={"type": kind, "param": param}, headers=headers)
        self.param = param


def invalid(message: str, param: str, code: str = "SCAIECHO_BAD_REQUEST") -> OpenAIError:
    return OpenAIError(400, message, code=code, param=param)


class TranscriptionOptions(msgspec.Struct, kw_only=True, frozen=True):
    """The validated text fields of one request (OpenAI's names and meanings)."""

    model: str
    language: str | None = None
    """ISO 639-1 code; ``None`` = detect (English for English-only models)."""
    prompt: str | None = None
    temperature: float | None = None
    """``None`` or 0 = Whisper's temperature fallback schedule, as OpenAI documents for 0."""
    response_format: ResponseFormat = "json"
    timestamp_granularities: frozenset[str] = frozenset()

    @property
    def segments_wanted(self) -> bool:
        return not self.timestamp_granularities or "segment" in self.timestamp_granularities

    @property
    def words_wanted(self) -> bool:
        return self.response_format == "verbose_json" and "word" in self.timestamp_granularities


def _first(fields: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = fields.get(name)
    if not values:
        return None
    value = values[0].strip()
    return value or None


@functools.cache
def whisper_languages() -> Mapping[str, str]:
    """ISO code → English name, the table Whisper itself decodes with (verbose_json says "english")."""
    from transformers.models.whisper.tokenization_whisper import LANGUAGES

    return dict(LANGUAGES)


def parse_options(fields: Mapping[str, Sequence[str]]) -> TranscriptionOptions:
    """Validate OpenAI's form fields; unknown fields are ignored, as OpenAI's API does."""
    model = _first(fields, "model")
    if model is None:
        raise invalid("you must provide a model parameter (whisper-1 or a scaiecho model name)", "model")
    language = _first(fields, "language")
    if language is not None:
        language = language.lower()
        if not _LANGUAGE.match(language) or language not in whisper_languages():
            raise invalid(f"language {language!r} is not an ISO 639-1 code Whisper knows", "language")
    response_format = _first(fields, "response_format") or "json"
    if response_format not in _FORMATS:
        raise invalid(
            f"response_format must be one of {', '.join(_FORMATS)}, not {response_format!r}",
            "response_format",
        )
    temperature: float | None = None
    raw_temperature = _first(fields, "temperature")
    if raw_temperature is not None:
        try:
            temperature = float(raw_temperature)
        except ValueError:
            temperature = math.nan
        if not 0.0 <= temperature <= 1.0:
            raise invalid("temperature must be a number from 0 to 1", "temperature")
    granularities = [
        value.strip()
        for name in ("timestamp_granularities[]", "timestamp_granularities")
        for value in fields.get(name, ())
        if value.strip()
    ]
    unknown = sorted(set(granularities) - set(_GRANULARITIES))
    if unknown:
        raise invalid(
            f"timestamp_granularities must be word and/or segment, not {', '.join(unknown)}",
            "timestamp_granularities",
        )
    if (_first(fields, "stream") or "false").lower() not in ("false", "0"):
        raise invalid("streaming responses are not supported for Whisper models", "stream")
    return TranscriptionOptions(
        model=model,
        language=language,
        prompt=_first(fields, "prompt"),
        temperature=temperature,
        response_format=response_format,  # type: ignore[arg-type]
        timestamp_granularities=frozenset(granularities),
    )
