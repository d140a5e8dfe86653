"""OpenAI's response formats from scaiecho's transcript: json, text, srt, vtt and verbose_json.

The transcript comes from the module's transcription service with decoding
statistics requested; segments without them (transformers, relay backends) get
what can be derived. No backend is looked at here.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from typing import Any

import msgspec
from litestar import Response
from litestar.enums import MediaType

from scaiecho.contracts import BackendKind, Segment, Transcript, Word
from scaiecho.openai.request import TranscriptionOptions, whisper_languages

__all__ = [
    "Decoded",
    "OpenAISegment",
    "OpenAITranscription",
    "OpenAIVerboseTranscription",
    "OpenAIWord",
    "compression_ratio",
    "decoded",
    "render",
    "to_srt",
    "to_vtt",
]

_FRAMES_PER_SECOND = 100  # Whisper's ``seek`` counts 10 ms mel frames
# OpenAI's word list carries bare words; Whisper glues sentence punctuation onto them.
_WORD_PUNCTUATION = '.,!?;:"()[]{}«»“”…¿¡'


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


def _words(words: Sequence[Word] | None) -> list[OpenAIWord]:
    """scaiecho's words as OpenAI's, sentence punctuation removed."""
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


def _segment(index: int, s: Segment, temperature: float) -> OpenAISegment:
    """One OpenAI segment: Whisper's statistics where the backend gave them, else derived —
    ``avg_logprob`` is the log of the confidence (``exp(avg_logprob)``), ``compression_ratio``
    computed from the text as Whisper does, ``tokens`` empty, ``no_speech_prob`` 0 and ``seek``
    the segment start in 10 ms frames."""
    start, end, text = round(float(s.start), 3), round(float(s.end), 3), " " + s.text.strip()
    if s.stats is not None:
        st = s.stats
        return OpenAISegment(
            id=index,
            seek=st.seek,
            start=start,
            end=end,
            text=text,
            tokens=list(st.tokens),
            temperature=st.temperature,
            avg_logprob=st.avg_logprob,
            compression_ratio=st.compression_ratio,
            no_speech_prob=st.no_speech_prob,
        )
    return OpenAISegment(
        id=index,
        seek=round(float(s.start) * _FRAMES_PER_SECOND),
        start=start,
        end=end,
        text=text,
        tokens=[],
        temperature=float(temperature),
        avg_logprob=math.log(s.confidence) if s.confidence > 0 else 0.0,
        compression_ratio=compression_ratio(s.text.strip()),
        no_speech_prob=0.0,
    )


def decoded(transcript: Transcript, *, temperature: float) -> Decoded:
    """Everything any response format needs, from one transcript."""
    kept = [s for s in transcript.segments if s.text.strip()]
    words: list[OpenAIWord] = []
    for s in kept:
        words += _words(s.words)
    return Decoded(
        text=transcript.text.strip(),
        language=transcript.language,
        duration=round(float(transcript.duration_seconds), 3),
        segments=[_segment(i, s, temperature) for i, s in enumerate(kept)],
        words=words,
        model=transcript.model,
        backend_used=transcript.backend_used,
    )


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


def render(result: Decoded, options: TranscriptionOptions) -> Response[Any]:
    """The response OpenAI gives for ``options.response_format`` (text, srt and vtt as text/plain).

    Two headers say what served the request: ``x-scaiecho-model`` and ``x-scaiecho-backend`` (A/B).
    """
    headers = {"x-scaiecho-model": result.model, "x-scaiecho-backend": result.backend_used}
    fmt = options.response_format
    if fmt == "json":
        return Response(OpenAITranscription(text=result.text), headers=headers)
    if fmt == "verbose_json":
        body = OpenAIVerboseTranscription(
            task="transcribe",
            language=whisper_languages().get(result.language, result.language),
            duration=result.duration,
            text=result.text,
            segments=result.segments if options.segments_wanted else None,
            words=result.words if options.words_wanted else None,
        )
        return Response(body, headers=headers)
    if fmt == "srt":
        text = to_srt(result.segments)
    elif fmt == "vtt":
        text = to_vtt(result.segments)
    else:
        text = result.text + "\n"
    return Response(text, media_type=MediaType.TEXT, headers=headers)
