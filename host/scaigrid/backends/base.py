"""The backend contract: capability flags plus one method per capability.

A module's :class:`~scaigrid.records.BackendSpec` factory returns an instance of
one of the small abstract classes below. The methods are *blocking* (they run a
model or an HTTP call); callers reach them through
``await platform.backends.run(capability, name, "transcribe", request)`` (a method
name, or a callable taking the backend first such as ``lambda b, r: b.transcribe(r)``;
not ``SpeechToText.transcribe``, which is the empty abstract method), which runs them in
a thread with the backend's concurrency bound. Records are generic on purpose:
modules put their specifics in ``options`` or subclass them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, Literal

import msgspec
import numpy as np
import numpy.typing as npt

from scaigrid.errors import BadRequest

__all__ = [
    "BASE_CLASSES",
    "CAPABILITIES",
    "METHODS",
    "AnalysisRequest",
    "AnalysisResult",
    "Analyzer",
    "Backend",
    "BackendKind",
    "Denoiser",
    "Diarizer",
    "SpeakerEmbedding",
    "SpeakerTurn",
    "SpeechToText",
    "SttDecodingStats",
    "SttRequest",
    "SttResult",
    "SttSegment",
    "SttWord",
    "TextToSpeech",
    "TimeSpan",
    "TtsRequest",
    "TtsResult",
    "VoiceActivity",
]

BackendKind = Literal["A", "B"]
"""``A`` = self-hosted model in this process, ``B`` = relay to an OpenAI-compatible API."""

CAPABILITIES: tuple[str, ...] = (
    "stt",
    "tts",
    "speaker_embedding",
    "diarization",
    "vad",
    "denoise",
    "analysis",
)
"""Capabilities the host knows a base class for. Modules may add others (``^[a-z][a-z0-9_]*$``)."""

FloatAudio = npt.NDArray[np.float32]
"""Mono float32 PCM in [-1, 1]."""


class Backend(ABC):  # noqa: B024 - abstract methods live on the per-capability subclasses
    """Base of every backend: identity plus capability flags read by callers and ``status()``.

    ``name`` and ``kind`` are stamped by the registry from the spec after the
    factory returns, so a backend class can be registered under several names.
    """

    capability: ClassVar[str] = ""
    can_stream: ClassVar[bool] = False
    """The backend can consume audio incrementally (live sessions)."""
    supports_language_hint: ClassVar[bool] = False
    """A caller-supplied language changes the result (multilingual models)."""
    languages: ClassVar[tuple[str, ...] | None] = None
    """ISO 639-1 codes the backend handles; ``None`` means it does not say (any)."""

    name: str = ""
    kind: BackendKind = "A"

    def supports_language(self, language: str | None) -> bool:
        """Whether ``language`` (``None`` = auto/unspecified) is one this backend handles."""
        if language is None or self.languages is None:
            return True
        return language.split("-", 1)[0].lower() in self.languages

    def flags(self) -> dict[str, Any]:
        """The capability flags as a JSON-ready dict (for status pages and ``/backends`` listings)."""
        return {
            "capability": self.capability,
            "can_stream": self.can_stream,
            "supports_language_hint": self.supports_language_hint,
            "languages": list(self.languages) if self.languages is not None else None,
        }

    def close(self) -> None:  # noqa: B027 - optional hook, deliberately not abstract
        """Release the model (called when the registry unloads an idle backend or stops)."""


# -- speech to text ------------------------------------------------------------------------


class SttWord(msgspec.Struct, kw_only=True):
    start: float
    end: float
    word: str
    probability: float | None = None


class SttDecodingStats(msgspec.Struct, kw_only=True, frozen=True):
    """Whisper's per-segment decoding statistics, for callers that report them (OpenAI's verbose_json).

    A backend fills them when the request asks (``options["decoding_stats"]``) and it can.
    """

    seek: int
    """Start of the decoding window, in 10 ms mel frames."""
    tokens: list[int]
    temperature: float
    avg_logprob: float
    compression_ratio: float
    no_speech_prob: float


class SttSegment(msgspec.Struct, kw_only=True):
    start: float
    end: float
    text: str
    confidence: float | None = None
    """0..1 when the backend can estimate it (exp of the average log-probability for Whisper)."""
    words: list[SttWord] | None = None
    stats: SttDecodingStats | None = None


class SttRequest(msgspec.Struct, kw_only=True):
    """One transcription. Exactly one of ``audio_path`` (any decodable file) or ``pcm`` is set."""

    audio_path: str | None = None
    pcm: FloatAudio | None = None
    """Mono float32 samples at ``sample_rate``."""
    sample_rate: int = 16000
    language: str | None = None
    """``None`` = detect (or the model's only language)."""
    temperature: float = 0.0
    word_timestamps: bool = False
    prompt: str | None = None
    options: dict[str, Any] = msgspec.field(default_factory=dict)
    """Backend-specific knobs (beam size, VAD filter, ...); unknown keys are ignored."""

    def __post_init__(self) -> None:
        if (self.audio_path is None) == (self.pcm is None):
            raise BadRequest("an STT request needs exactly one of audio_path or pcm", code="BAD_STT_REQUEST")


class SttResult(msgspec.Struct, kw_only=True):
    text: str
    language: str | None
    duration_seconds: float
    segments: list[SttSegment] = msgspec.field(default_factory=list)
    language_probability: float | None = None
    model: str = ""


class SpeechToText(Backend):
    """Speech to text: ``transcribe(request) -> SttResult``."""

    capability: ClassVar[str] = "stt"

    @abstractmethod
    def transcribe(self, request: SttRequest) -> SttResult:
        """Transcribe one file or buffer (blocking)."""


# -- text to speech ------------------------------------------------------------------------


class TtsRequest(msgspec.Struct, kw_only=True):
    text: str
    voice: str | None = None
    """Backend voice id; ``None`` = the backend's default voice."""
    language: str | None = None
    speed: float = 1.0
    options: dict[str, Any] = msgspec.field(default_factory=dict)


class TtsResult(msgspec.Struct, kw_only=True):
    pcm: FloatAudio
    sample_rate: int
    voice: str


class TextToSpeech(Backend):
    """Text to speech: ``synthesize(request) -> TtsResult`` (mono float32 PCM)."""

    capability: ClassVar[str] = "tts"
    voices: ClassVar[tuple[str, ...]] = ()

    @abstractmethod
    def synthesize(self, request: TtsRequest) -> TtsResult:
        """Synthesize the whole text (blocking)."""


# -- speaker embedding, VAD, denoise, diarization --------------------------------------------


class SpeakerEmbedding(Backend):
    """Speaker embedding: ``embed(pcm16k) -> 1-D float32 vector`` (L2-normalised)."""

    capability: ClassVar[str] = "speaker_embedding"
    dimension: ClassVar[int] = 0

    @abstractmethod
    def embed(self, pcm16k: FloatAudio) -> npt.NDArray[np.float32]:
        """Embed one utterance of mono 16 kHz audio (blocking)."""


class TimeSpan(msgspec.Struct, kw_only=True, frozen=True):
    start: float
    end: float


class VoiceActivity(Backend):
    """Voice activity detection: ``speech_segments(pcm16k, ...) -> [TimeSpan]`` in seconds."""

    capability: ClassVar[str] = "vad"

    @abstractmethod
    def speech_segments(
        self,
        pcm16k: FloatAudio,
        *,
        threshold: float = 0.5,
        min_speech_ms: int = 250,
        min_silence_ms: int = 100,
    ) -> list[TimeSpan]:
        """Return the speech regions of mono 16 kHz audio (blocking)."""


class Denoiser(Backend):
    """Noise reduction: ``denoise(pcm, sample_rate) -> pcm`` of the same length and rate."""

    capability: ClassVar[str] = "denoise"

    @abstractmethod
    def denoise(self, pcm: FloatAudio, sample_rate: int) -> FloatAudio:
        """Return the denoised signal (blocking)."""


class SpeakerTurn(msgspec.Struct, kw_only=True, frozen=True):
    start: float
    end: float
    speaker: str
    """A label stable within one result (``SPEAKER_00``...)."""


class Diarizer(Backend):
    """Diarization: ``diarize(pcm16k, ...) -> [SpeakerTurn]`` sorted by start."""

    capability: ClassVar[str] = "diarization"

    @abstractmethod
    def diarize(
        self,
        pcm16k: FloatAudio,
        *,
        num_speakers: int | None = None,
        min_speakers: int | None = None,
        max_speakers: int | None = None,
    ) -> list[SpeakerTurn]:
        """Who spoke when, for mono 16 kHz audio (blocking)."""


# -- analysis ------------------------------------------------------------------------------


class AnalysisRequest(msgspec.Struct, kw_only=True):
    """Structured analysis of a text (a call transcript): instructions + a JSON schema to fill."""

    text: str
    instructions: str
    json_schema: dict[str, Any]
    schema_name: str = "analysis"
    options: dict[str, Any] = msgspec.field(default_factory=dict)


class AnalysisResult(msgspec.Struct, kw_only=True):
    data: dict[str, Any]
    """An object valid against the request's schema."""
    model: str = ""


class Analyzer(Backend):
    """Analysis: ``analyze(request) -> AnalysisResult`` (an LLM or a rule engine)."""

    capability: ClassVar[str] = "analysis"

    @abstractmethod
    def analyze(self, request: AnalysisRequest) -> AnalysisResult:
        """Fill the request's schema from its text (blocking)."""


BASE_CLASSES: dict[str, type[Backend]] = {
    cls.capability: cls
    for cls in (SpeechToText, TextToSpeech, SpeakerEmbedding, VoiceActivity, Denoiser, Diarizer, Analyzer)
}
"""The base class a backend of each known capability derives from."""

METHODS: dict[str, str] = {
    "stt": "transcribe",
    "tts": "synthesize",
    "speaker_embedding": "embed",
    "vad": "speech_segments",
    "denoise": "denoise",
    "diarization": "diarize",
    "analysis": "analyze",
}
"""The one method of each known capability; a duck-typed backend must at least have it."""
