"""Records of scaiecho's service contract: what the streaming code and other modules receive.

These are the only shapes that cross the module boundary (``platform.services``),
so they stay small, plain and JSON-ready (``msgspec.to_builtins``).
"""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = ["BackendChoice", "BackendKind", "Segment", "Transcript", "Turn", "Word"]

BackendKind = Literal["A", "B"]
"""``A`` = self-hosted model, ``B`` = relay to an OpenAI-compatible API."""


class Word(msgspec.Struct, kw_only=True, frozen=True):
    """One recognised word with its time span (seconds from the start of the audio)."""

    start: float
    end: float
    word: str
    probability: float


class Segment(msgspec.Struct, kw_only=True, frozen=True, omit_defaults=True):
    """One transcript segment.

    ``confidence`` is ``exp(avg_logprob)`` of the segment's tokens, clipped to 0..1;
    ``speaker_label`` is set only when diarization was asked for; ``words`` only
    when word timestamps were asked for.
    """

    start: float
    end: float
    text: str
    confidence: float
    speaker_label: str | None = None
    words: list[Word] | None = None


class Transcript(msgspec.Struct, kw_only=True, frozen=True):
    """A whole transcript as every scaiecho backend returns it."""

    text: str
    language: str
    duration_seconds: float
    backend_used: BackendKind
    model: str
    segments: list[Segment] = msgspec.field(default_factory=list)


class BackendChoice(msgspec.Struct, kw_only=True, frozen=True):
    """A resolved backend: its kind and the registered backend name (capability ``stt``)."""

    kind: BackendKind
    name: str


class Turn(msgspec.Struct, kw_only=True, frozen=True):
    """One speaker turn from diarization: the enrolled display name or ``SPEAKER_NN``."""

    start: float
    end: float
    speaker: str
