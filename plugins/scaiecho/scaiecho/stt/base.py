"""What scaiecho's STT backends share on top of the host contract (:class:`scaigrid.backends.SpeechToText`).

Backends take the host's ``SttRequest`` and return its ``SttResult``; scaiecho's
own knobs travel in ``SttRequest.options`` under the names below, and
:func:`to_transcript` turns a result into the module's :class:`Transcript`.
"""

from __future__ import annotations

import math
from typing import Any

import msgspec
import numpy as np
from scaigrid.backends import SttRequest, SttResult, SttSegment

from scaiecho.contracts import BackendKind, DecodingStats, Segment, Transcript, Word

__all__ = [
    "OPT_BEAM_SIZE",
    "OPT_DECODING_STATS",
    "OPT_FIT_WINDOW",
    "OPT_TEMPERATURE_FALLBACK",
    "OPT_VAD_FILTER",
    "SAMPLE_RATE",
    "confidence_from_logprob",
    "join_text",
    "option",
    "request_pcm",
    "to_transcript",
]

SAMPLE_RATE = 16000

OPT_VAD_FILTER = "vad_filter"
"""bool, default True: drop non-speech before decoding (Whisper hallucinates on silence)."""
OPT_TEMPERATURE_FALLBACK = "temperature_fallback"
"""bool, default False: ignore ``request.temperature`` and use the model's fallback schedule
(0.0, 0.2, ... 1.0 on repetitive or improbable output); set when the caller named no temperature."""
OPT_BEAM_SIZE = "beam_size"
OPT_DECODING_STATS = "decoding_stats"
"""bool, default False: fill ``SttSegment.stats`` with Whisper's decoding statistics where the
backend has them (faster-whisper); others leave it ``None``."""
OPT_FIT_WINDOW = "fit_window"
"""bool, default False: a short, already-segmented clip (a live utterance). Backends that can
decode it on an encoder window fitted to its length do so (see ``stt.fitted_window``);
others ignore it."""


def confidence_from_logprob(avg_logprob: float) -> float:
    """Whisper's average token log-probability as a 0..1 confidence."""
    if not math.isfinite(avg_logprob):
        return 0.0
    return float(min(1.0, max(0.0, math.exp(avg_logprob))))


def join_text(segments: list[SttSegment]) -> str:
    return " ".join(s.text.strip() for s in segments if s.text.strip())


def request_pcm(request: SttRequest) -> np.ndarray:
    """The request's audio as mono float32 at 16 kHz (decoding ``audio_path`` when it carries a file)."""
    if request.pcm is not None:
        pcm = np.asarray(request.pcm, dtype=np.float32)
        if pcm.ndim == 2:
            pcm = pcm.mean(axis=0)
        if request.sample_rate != SAMPLE_RATE:
            from scaigrid.audio import resample

            pcm = np.asarray(resample(pcm, request.sample_rate, SAMPLE_RATE), dtype=np.float32)
        return np.ascontiguousarray(pcm)
    from scaigrid.audio import decode

    assert request.audio_path is not None
    return np.ascontiguousarray(decode(request.audio_path, sample_rate=SAMPLE_RATE, channels=1))


def option(request: SttRequest, name: str, default: Any) -> Any:
    return request.options.get(name, default)


def to_transcript(result: SttResult, *, kind: BackendKind, model: str | None = None) -> Transcript:
    """The module's transcript record from a backend result (confidence 0 when the backend gave none)."""
    segments = [
        Segment(
            start=round(float(s.start), 3),
            end=round(float(s.end), 3),
            text=s.text.strip(),
            confidence=round(float(s.confidence), 4) if s.confidence is not None else 0.0,
            words=(
                [
                    Word(
                        start=round(float(w.start), 3),
                        end=round(float(w.end), 3),
                        word=w.word.strip(),
                        probability=round(float(w.probability), 4) if w.probability is not None else 0.0,
                    )
                    for w in s.words
                ]
                if s.words is not None
                else None
            ),
            stats=msgspec.convert(msgspec.to_builtins(s.stats), DecodingStats)
            if s.stats is not None
            else None,
        )
        for s in result.segments
        if s.text.strip()
    ]
    return Transcript(
        text=result.text.strip(),
        language=result.language or "en",
        duration_seconds=round(float(result.duration_seconds), 3),
        backend_used=kind,
        model=model or result.model,
        segments=segments,
    )
