"""OpenAI-compatible ``POST /v1/audio/transcriptions`` under scaiecho's prefix.

Clients of OpenAI's speech-to-text API (the official ``openai`` library with
``base_url=<host>/v1/modules/scaiecho/v1`` and a ScaiGrid API key) reach
scaiecho's models with their usual request and get OpenAI's response shapes
back: ``json``, ``text``, ``srt``, ``vtt`` and ``verbose_json`` (segments with
Whisper's decoding statistics, word timestamps on request). Errors raised here
have OpenAI's body ``{"error": {"message", "type", "param", "code"}}``, with
ScaiGrid's stable codes as ``code``.
"""

from __future__ import annotations

import functools
import math
import re
import zlib
from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args

import msgspec
import numpy as np
import numpy.typing as npt
from litestar import Request, Response, post
from litestar.enums import MediaType
from scaigrid.auth import Principal, requires
from scaigrid.backends import SttRequest, SttResult
from scaigrid.errors import ScaigridError
from scaigrid.uploads import read_multipart

from scaiecho.contracts import BackendChoice, BackendKind
from scaiecho.policy import recode_backend_error
from scaiecho.services import decode_16k
from scaiecho.stt import catalog
from scaiecho.stt.base import OPT_BEAM_SIZE, OPT_TEMPERATURE_FALLBACK, OPT_VAD_FILTER, SAMPLE_RATE
from scaiecho.stt.faster_whisper import FasterWhisperBackend

__all__ = [
    "OPENAI_MODEL",
    "Decoded",
    "OpenAIError",
    "OpenAISegment",
    "OpenAIVerboseTranscription",
    "OpenAIWord",
    "ResponseFormat",
    "TranscriptionOptions",
    "as_openai",
    "create_transcription",
    "openai_routes",
    "parse_options",
    "to_srt",
    "to_vtt",
]

OPENAI_MODEL = "whisper-1"
"""OpenAI's model name; it means "the tenant's default", resolved by the tenant policy (A or B)."""

ResponseFormat = Literal["json", "text", "srt", "vtt", "verbose_json"]
_FORMATS: tuple[str, ...] = get_args(ResponseFormat)
_GRANULARITIES = ("word", "segment")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
# Host backend failures after which the next backend the tenant policy allows is tried
# (the same rule as the transcription service's).
_FALLBACK_CODES = frozenset({"SCAIECHO_BACKEND_UNAVAILABLE", "BACKEND_LOAD_FAILED", "BACKEND_FAILED"})
_FRAMES_PER_SECOND = 100  # Whisper's ``seek`` counts 10 ms mel frames
# OpenAI's word list carries bare words; Whisper glues sentence punctuation onto them.
_WORD_PUNCTUATION = '.,!?;:"()[]{}«»“”…¿¡'


# -- errors -----------------------------------------------------------------------------


class OpenAIError(ScaigridError):
    """A coded error whose JSON body is OpenAI's error object.

    The module's "scaigrid" envelope renders ``{"error": {"code", "message", **extra}}``;
    with ``type`` and ``param`` in ``extra`` that is exactly OpenAI's four members.
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


def as_openai(err: ScaigridError, *, param: str | None = None) -> OpenAIError:
    """Any coded error (multipart limits, audio, backends) in OpenAI's shape, same status and code."""
    if isinstance(err, OpenAIError):
        return err
    field = err.details.get("field")
    return OpenAIError(
        err.status_code,
        err.message,
        code=err.code,
        param=param or (field if isinstance(field, str) else None),
        headers=err.headers or None,
    )


def _invalid(message: str, param: str, code: str = "SCAIECHO_BAD_REQUEST") -> OpenAIError:
    return OpenAIError(400, message, code=code, param=param)


# -- the request --------------------------------------------------------------------------


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
def _whisper_languages() -> Mapping[str, str]:
    """ISO code → English name, the table Whisper itself decodes with (verbose_json says "english")."""
    from transformers.models.whisper.tokenization_whisper import LANGUAGES

    return dict(LANGUAGES)


def parse_options(fields: Mapping[str, Sequence[str]]) -> TranscriptionOptions:
    """Validate OpenAI's form fields; unknown fields are ignored, as OpenAI's API does."""
    model = _first(fields, "model")
    if model is None:
        raise _invalid("you must provide a model parameter (whisper-1 or a scaiecho model name)", "model")
    language = _first(fields, "language")
    if language is not None:
        language = language.lower()
        if not _LANGUAGE.match(language) or language not in _whisper_languages():
            raise _invalid(f"language {language!r} is not an ISO 639-1 code Whisper knows", "language")
    response_format = _first(fields, "response_format") or "json"
    if response_format not in _FORMATS:
        raise _invalid(
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
            raise _invalid("temperature must be a number from 0 to 1", "temperature")
    granularities = [
        value.strip()
        for name in ("timestamp_granularities[]", "timestamp_granularities")
        for value in fields.get(name, ())
        if value.strip()
    ]
    unknown = sorted(set(granularities) - set(_GRANULARITIES))
    if unknown:
        raise _invalid(
            f"timestamp_granularities must be word and/or segment, not {', '.join(unknown)}",
            "timestamp_granularities",
        )
    if (_first(fields, "stream") or "false").lower() not in ("false", "0"):
        raise _invalid("streaming responses are not supported for Whisper models", "stream")
    return TranscriptionOptions(
        model=model,
        language=language,
        prompt=_first(fields, "prompt"),
        temperature=temperature,
        response_format=response_format,  # type: ignore[arg-type]
        timestamp_granularities=frozenset(granularities),
    )


async def _choices(
    platform: Any, settings: Any, tenant_id: str, model: str, language: str | None
) -> list[BackendChoice]:
    """The backends to try: the tenant policy's for ``whisper-1``, the named self-hosted model otherwise."""
    policy = platform.services.get("scaiecho.transcription").app.policy
    if model == OPENAI_MODEL:
        choices: list[BackendChoice] = await policy.choices(tenant_id, "any", language)
        return choices
    name = catalog.MODEL_BACKENDS.get(model)
    if (
        name is None
        or name not in platform.backends.names("stt", "A")
        or not catalog.model_available(model, settings)
    ):
        available = [OPENAI_MODEL] + [
            m for m in catalog.MODEL_BACKENDS if catalog.model_available(m, settings)
        ]
        raise OpenAIError(
            400,
            f"the model {model!r} does not exist here; use one of {', '.join(available)}",
            code="SCAIECHO_MODEL_NOT_FOUND",
            param="model",
        )
    if language and language != "en" and not catalog.model_is_multilingual(model, settings):
        raise _invalid(
            f"model {model} transcribes English only; use whisper-1 or a multilingual model", "language"
        )
    if "A" not in (await policy.policy(tenant_id)).allowed_backends:
        raise OpenAIError(
            400,
            f"this tenant's policy allows no self-hosted model; use {OPENAI_MODEL}",
            code="SCAIECHO_MODEL_NOT_ALLOWED",
            param="model",
        )
    return [BackendChoice(kind="A", name=name)]


# -- decoding -----------------------------------------------------------------------------


class OpenAIWord(msgspec.Struct, kw_only=True, frozen=True):
    word: str
    start: float
    end: float


class OpenAISegment(msgspec.Struct, kw_only=True, frozen=True):
    """One segment of OpenAI's verbose_json, with Whisper's per-window decoding statistics."""

    id: int
    seek: int
    start: float
    end: float
    text: str
    tokens: list[int]
    temperature: float
    avg_logprob: float
    compression_ratio: float
    no_speech_prob: float


class Decoded(msgspec.Struct, kw_only=True, frozen=True):
    """A transcription with everything any response format needs."""

    text: str
    language: str
    """ISO code."""
    duration: float
    segments: list[OpenAISegment]
    words: list[OpenAIWord]
    model: str
    backend_used: BackendKind


def _words(words: Sequence[Any] | None) -> list[OpenAIWord]:
    """Whisper words (faster-whisper's or the host's) as OpenAI's, sentence punctuation removed."""
    out: list[OpenAIWord] = []
    for w in words or ():
        text = w.word.strip().strip(_WORD_PUNCTUATION)
        if text:
            out.append(OpenAIWord(word=text, start=round(float(w.start), 3), end=round(float(w.end), 3)))
    return out


def compression_ratio(text: str) -> float:
    """Whisper's repetition measure: UTF-8 length over zlib-compressed length (above 2.4 = looping)."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def _decode_faster_whisper(backend: FasterWhisperBackend, request: SttRequest) -> Decoded:
    """Call faster-whisper directly: its segments carry the statistics OpenAI's verbose_json reports
    (tokens, seek, temperature, avg_logprob, compression_ratio, no_speech_prob), which the module's
    transcript contract does not. Same knobs as :meth:`FasterWhisperBackend.transcribe`."""
    assert request.pcm is not None
    audio = np.ascontiguousarray(request.pcm, dtype=np.float32)
    kwargs: dict[str, Any] = {
        "beam_size": int(request.options.get(OPT_BEAM_SIZE, backend.beam_size)),
        "vad_filter": bool(request.options.get(OPT_VAD_FILTER, True)),
        "word_timestamps": request.word_timestamps,
        "initial_prompt": request.prompt or None,
    }
    if not request.options.get(OPT_TEMPERATURE_FALLBACK, False):
        kwargs["temperature"] = float(request.temperature)
    if request.language and backend.multilingual:
        kwargs["language"] = request.language
    pieces, info = backend.whisper.transcribe(audio, **kwargs)
    segments: list[OpenAISegment] = []
    words: list[OpenAIWord] = []
    for piece in pieces:  # a generator: decoding happens here, in the backend's thread
        if not piece.text.strip():
            continue
        segments.append(
            OpenAISegment(
                id=len(segments),
                seek=int(piece.seek),
                start=round(float(piece.start), 3),
                end=round(float(piece.end), 3),
                text=piece.text,
                tokens=[int(t) for t in piece.tokens],
                temperature=float(
                    piece.temperature if piece.temperature is not None else request.temperature
                ),
                avg_logprob=float(piece.avg_logprob),
                compression_ratio=float(piece.compression_ratio),
                no_speech_prob=float(piece.no_speech_prob),
            )
        )
        words += _words(piece.words)
    return Decoded(
        text="".join(s.text for s in segments).strip(),
        language=info.language if backend.multilingual else "en",
        duration=round(len(audio) / SAMPLE_RATE, 3),
        segments=segments,
        words=words,
        model=backend.model,
        backend_used="A",
    )


def _from_result(result: SttResult, request: SttRequest, kind: BackendKind) -> Decoded:
    """Backends that report only segment confidence (transformers, relay): what can be derived is.

    ``avg_logprob`` is the log of the confidence (``exp(avg_logprob)``), ``compression_ratio``
    is computed from the text as Whisper does; ``tokens`` is empty, ``no_speech_prob`` 0 and
    ``seek`` the segment start in 10 ms frames, because these backends do not report them.
    """
    segments: list[OpenAISegment] = []
    words: list[OpenAIWord] = []
    for s in result.segments:
        text = s.text.strip()
        if not text:
            continue
        confidence = s.confidence
        segments.append(
            OpenAISegment(
                id=len(segments),
                seek=round(float(s.start) * _FRAMES_PER_SECOND),
                start=round(float(s.start), 3),
                end=round(float(s.end), 3),
                text=" " + text,
                tokens=[],
                temperature=float(request.temperature),
                avg_logprob=0.0 if confidence is None else math.log(max(float(confidence), 1e-10)),
                compression_ratio=compression_ratio(text),
                no_speech_prob=0.0,
            )
        )
        words += _words(s.words)
    duration = len(request.pcm) / SAMPLE_RATE if request.pcm is not None else result.duration_seconds
    return Decoded(
        text=result.text.strip(),
        language=result.language or request.language or "en",
        duration=round(float(duration), 3),
        segments=segments,
        words=words,
        model=result.model,
        backend_used=kind,
    )


def _decode(backend: Any, request: SttRequest, kind: BackendKind) -> Decoded:
    if isinstance(backend, FasterWhisperBackend):
        return _decode_faster_whisper(backend, request)
    return _from_result(backend.transcribe(request), request, kind)


async def _run(platform: Any, choices: Sequence[BackendChoice], request: SttRequest) -> Decoded:
    """Try each allowed backend in policy order; the next one only when one is unavailable."""
    last: ScaigridError | None = None
    for choice in choices:
        try:
            decoded: Decoded = await platform.backends.run("stt", choice.name, _decode, request, choice.kind)
        except ScaigridError as exc:
            if exc.code not in _FALLBACK_CODES:
                raise recode_backend_error(exc) from exc
            last = recode_backend_error(exc)
            continue
        return decoded
    assert last is not None, "choices is never empty (the policy raises instead)"
    raise last


# -- responses ----------------------------------------------------------------------------


class OpenAITranscription(msgspec.Struct, kw_only=True, frozen=True):
    text: str


class OpenAIVerboseTranscription(msgspec.Struct, kw_only=True, frozen=True, omit_defaults=True):
    """OpenAI's verbose_json; ``segments``/``words`` only for the granularities asked for."""

    task: str
    language: str
    """Whisper's English name of the language ("english"), as OpenAI answers."""
    duration: float
    text: str
    segments: list[OpenAISegment] | None = None
    words: list[OpenAIWord] | None = None


def _timestamp(seconds: float, separator: str) -> str:
    ms = max(0, round(seconds * 1000))
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{ms:03d}"


def _cue_text(text: str) -> str:
    # A blank line ends a cue and "-->" starts a timing line: neither may appear in cue text.
    return " ".join(text.split()).replace("-->", "->")


def to_srt(segments: Sequence[OpenAISegment]) -> str:
    """SubRip: numbered cues, ``HH:MM:SS,mmm --> HH:MM:SS,mmm``, a blank line after each."""
    return "".join(
        f"{n}\n{_timestamp(s.start, ',')} --> {_timestamp(s.end, ',')}\n{_cue_text(s.text)}\n\n"
        for n, s in enumerate(segments, start=1)
    )


def to_vtt(segments: Sequence[OpenAISegment]) -> str:
    """WebVTT: the ``WEBVTT`` header, then ``HH:MM:SS.mmm --> HH:MM:SS.mmm`` cues."""
    cues = "".join(
        f"{_timestamp(s.start, '.')} --> {_timestamp(s.end, '.')}\n{_cue_text(s.text)}\n\n" for s in segments
    )
    return "WEBVTT\n\n" + cues


def render(decoded: Decoded, options: TranscriptionOptions) -> Response[Any]:
    """The response OpenAI gives for ``options.response_format`` (text, srt and vtt as text/plain).

    Two headers say what served the request: ``x-scaiecho-model`` and ``x-scaiecho-backend`` (A/B).
    """
    headers = {"x-scaiecho-model": decoded.model, "x-scaiecho-backend": decoded.backend_used}
    fmt = options.response_format
    if fmt == "json":
        return Response(OpenAITranscription(text=decoded.text), headers=headers)
    if fmt == "verbose_json":
        body = OpenAIVerboseTranscription(
            task="transcribe",
            language=_whisper_languages().get(decoded.language, decoded.language),
            duration=decoded.duration,
            text=decoded.text,
            segments=decoded.segments if options.segments_wanted else None,
            words=decoded.words if options.words_wanted else None,
        )
        return Response(body, headers=headers)
    if fmt == "srt":
        text = to_srt(decoded.segments)
    elif fmt == "vtt":
        text = to_vtt(decoded.segments)
    else:
        text = decoded.text + "\n"
    return Response(text, media_type=MediaType.TEXT, headers=headers)


# -- the route ----------------------------------------------------------------------------


async def _pcm(platform: Any, path: Any) -> npt.NDArray[np.float32]:
    try:
        pcm: npt.NDArray[np.float32] = await platform.run_cpu(decode_16k, path)
    except ScaigridError as exc:
        raise as_openai(exc, param="file") from exc
    if len(pcm) == 0:
        raise _invalid("the uploaded file holds no audio samples", "file", code="SCAIECHO_EMPTY_AUDIO")
    return pcm


async def _transcribe(
    request: Request[Any, Any, Any], platform: Any, principal: Principal, module: Any
) -> Response[Any]:
    settings = module.settings
    limit = min(settings.max_upload_bytes, platform.settings.max_upload_bytes)
    async with await read_multipart(request, max_file_bytes=limit, max_files=1, file_fields={"file"}) as form:
        options = parse_options(form.fields)
        upload = form.file("file")
        if upload is None:
            raise _invalid("the form needs an audio file in field 'file'", "file")
        if upload.size == 0:
            raise _invalid("the uploaded audio file is empty", "file", code="SCAIECHO_EMPTY_AUDIO")
        # Policy and model problems are answered before any decoding work.
        choices = await _choices(platform, settings, principal.tenant_id, options.model, options.language)
        pcm = await _pcm(platform, upload.path)
    fallback = not options.temperature  # None or 0: Whisper's schedule, as OpenAI documents for 0
    stt_request = SttRequest(
        pcm=pcm,
        language=options.language,
        temperature=options.temperature or 0.0,
        word_timestamps=options.words_wanted,
        prompt=options.prompt,
        options={OPT_VAD_FILTER: settings.vad_filter, OPT_TEMPERATURE_FALLBACK: fallback},
    )
    decoded = await _run(platform, choices, stt_request)
    return render(decoded, options)


@post(
    "/v1/audio/transcriptions",
    guards=[requires("scaiecho:transcribe")],
    request_max_body_size=None,  # read_multipart enforces the module's upload limit while streaming
    status_code=200,
    opt={"scaigrid_envelope": "openai"},  # guard failures (401/403) in OpenAI's error shape too
    summary="OpenAI-compatible transcription",
    description=(
        "OpenAI's `POST /v1/audio/transcriptions`: multipart fields `file`, `model` (`whisper-1` = the "
        "tenant's default model through its backend policy, or a scaiecho model: `tiny.en`, `base`, "
        "`hf`), `language`, `prompt`, `temperature`, `response_format` (json, text, srt, vtt, "
        "verbose_json) and `timestamp_granularities[]` (word, segment; verbose_json only). "
        "Errors use OpenAI's body `{error: {message, type, param, code}}`."
    ),
)
async def create_transcription(
    request: Request[Any, Any, Any], platform: Any, principal: Principal, module: Any
) -> Response[Any]:
    try:
        return await _transcribe(request, platform, principal, module)
    except ScaigridError as exc:
        raise as_openai(exc) from exc


openai_routes: list[Any] = [create_transcription]
