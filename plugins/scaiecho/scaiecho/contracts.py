"""scaiecho's published service contract: the records and Protocols other modules program against.

These are the only shapes that cross the module boundary (``platform.services``):
records stay small, plain and JSON-ready (``msgspec.to_builtins``); each service
has a ``Protocol`` that the host checks the provider against at start-up, so a
caller writes ``platform.services.get(TRANSCRIPTION, TranscriptionService)`` and
gets a typed object. This file imports nothing of scaiecho's internals (no
models), so depending on it is cheap.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Annotated, Literal, Protocol

import msgspec
import numpy as np
import numpy.typing as npt

__all__ = [
    "DIARIZATION",
    "SPEAKER_EMBEDDING",
    "TRANSCRIPTION",
    "Audio",
    "BackendChoice",
    "BackendKind",
    "BackendPreference",
    "DecodingStats",
    "DiarizationService",
    "LanguageCode",
    "Segment",
    "SpeakerEmbeddingService",
    "Temperature",
    "TranscribeOptions",
    "Transcript",
    "TranscriptionService",
    "Turn",
    "Word",
]

TRANSCRIPTION = "scaiecho.transcription"
DIARIZATION = "scaiecho.diarization"
SPEAKER_EMBEDDING = "scaiecho.speaker_embedding"

Audio = str | os.PathLike[str] | npt.NDArray[np.float32]
"""A path to any decodable file, or mono float32 PCM at 16 kHz."""

BackendPreference = Literal["any", "prefer_self_hosted", "prefer_relay"]

LanguageCode = Annotated[str, msgspec.Meta(pattern="^[a-z]{2}$", description="ISO 639-1 code.")]
Temperature = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]

BackendKind = Literal["A", "B"]
"""``A`` = self-hosted model, ``B`` = relay to an OpenAI-compatible API."""


class Word(msgspec.Struct, kw_only=True, frozen=True):
    """One recognised word with its time span (seconds from the start of the audio)."""

    start: float
    end: float
    word: str
    probability: float


class DecodingStats(msgspec.Struct, kw_only=True, frozen=True):
    """Whisper's decoding statistics of one segment, present only when a caller asked for them
    (the OpenAI-compatible route's verbose_json); never part of scaiecho's own responses."""

    seek: int
    tokens: list[int]
    temperature: float
    avg_logprob: float
    compression_ratio: float
    no_speech_prob: float


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
    stats: DecodingStats | None = None


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


class TranscribeOptions(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """Everything a caller may choose about one transcription, in one record.

    The batch route, the durable job (as its payload), the service, the MCP tool
    (its input schema is generated from this record) and the OpenAI-compatible
    route all carry this; nothing spells the options out again.
    """

    language: LanguageCode | None = None
    """ISO 639-1 code; ``None`` = detect (English for English-only models)."""
    backend_preference: BackendPreference = "any"
    temperature: Temperature | None = None
    """``None`` = Whisper's temperature fallback schedule."""
    word_timestamps: bool = False
    diarize: bool = False
    num_speakers: Annotated[int, msgspec.Meta(ge=1, le=8)] | None = None
    """With ``diarize``: the known number of speakers (``None`` = estimate)."""
    prompt: str | None = None
    """Text that conditions the decoder (OpenAI's ``prompt``)."""
    beam_size: Annotated[int, msgspec.Meta(ge=1, le=10)] | None = None
    """``None`` = the module's setting."""


class TranscriptionService(Protocol):
    """``scaiecho.transcription``: speech to text through the tenant's backend policy.

    ``plan`` resolves the policy once (coded errors when no backend can serve);
    pass its result as ``plan=`` so a request that already answered a policy
    question does not resolve it again.
    """

    async def plan(self, tenant_id: str, options: TranscribeOptions) -> Sequence[BackendChoice]: ...

    async def resolve_backend(
        self, tenant_id: str, backend_preference: str, *, language: str | None = None
    ) -> BackendChoice: ...

    async def transcribe_file(
        self,
        path: str | os.PathLike[str],
        options: TranscribeOptions = ...,
        *,
        tenant_id: str,
        user_id: str | None = None,
        plan: Sequence[BackendChoice] | None = None,
    ) -> Transcript: ...

    async def transcribe_pcm(
        self,
        pcm16k: npt.NDArray[np.float32],
        options: TranscribeOptions = ...,
        *,
        tenant_id: str,
        user_id: str | None = None,
        plan: Sequence[BackendChoice] | None = None,
    ) -> Transcript: ...

    async def transcribe_chunk(
        self,
        pcm16k: npt.NDArray[np.float32],
        *,
        choice: BackendChoice,
        language: str | None = None,
        prompt: str | None = None,
        beam_size: int | None = None,
    ) -> Transcript: ...


class DiarizationService(Protocol):
    """``scaiecho.diarization``: who spoke when, named after enrolled speakers where they match."""

    async def diarize(
        self,
        audio: Audio,
        *,
        tenant_id: str | None = None,
        user_id: str | None = None,
        num_speakers: int | None = None,
        max_speakers: int = 8,
    ) -> list[Turn]: ...


class SpeakerEmbeddingService(Protocol):
    """``scaiecho.speaker_embedding``: 256-d speaker vectors, L2-normalised."""

    async def embed(self, audio: Audio) -> list[float]: ...

    def similarity(self, a: Sequence[float], b: Sequence[float]) -> float: ...

    async def embed_turns(
        self, pcm16k: npt.NDArray[np.float32], turns: Sequence[Turn]
    ) -> dict[str, list[float]]: ...
