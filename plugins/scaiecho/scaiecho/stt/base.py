"""The one contract every STT backend honours: capability flags plus ``transcribe``."""

from __future__ import annotations

import math
from typing import Protocol, runtime_checkable

import msgspec
import numpy as np

from scaiecho.contracts import BackendKind, Segment, Transcript

__all__ = ["SAMPLE_RATE", "SttBackend", "SttOptions", "confidence_from_logprob", "join_text"]

SAMPLE_RATE = 16000
"""Every backend takes mono float32 PCM at 16 kHz."""


class SttOptions(msgspec.Struct, kw_only=True, frozen=True):
    """Per-request decoding options.

    ``temperature`` ``None`` keeps the model's own fallback schedule; a number is
    passed through as the only temperature. ``vad_filter`` drops non-speech before
    decoding (off for streaming chunks the caller already segmented).
    """

    language: str | None = None
    temperature: float | None = None
    word_timestamps: bool = False
    vad_filter: bool = True
    prompt: str | None = None


@runtime_checkable
class SttBackend(Protocol):
    """A speech-to-text backend.

    ``transcribe`` is blocking for self-hosted backends (the caller runs it through
    ``platform.backends.run``) and a coroutine function for relay backends
    (``is_async`` tells which).
    """

    kind: BackendKind
    model: str
    multilingual: bool
    supports_word_timestamps: bool
    is_async: bool

    def transcribe(self, pcm: np.ndarray, options: SttOptions) -> Transcript: ...


def confidence_from_logprob(avg_logprob: float) -> float:
    """Whisper's average token log-probability as a 0..1 confidence."""
    if not math.isfinite(avg_logprob):
        return 0.0
    return float(min(1.0, max(0.0, math.exp(avg_logprob))))


def join_text(segments: list[Segment]) -> str:
    return " ".join(s.text.strip() for s in segments if s.text.strip())
