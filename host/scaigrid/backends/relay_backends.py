"""Ready-made relay (B) backends over :class:`~scaigrid.backends.relay.RelayClient`.

A module registers one beside each self-hosted backend so tenant policy
``B``/``AB``/``BA`` has something to route to::

    register(BackendSpec(
        capability="stt", name="relay-whisper", kind="B",
        factory=lambda platform: RelaySpeechToText(RelayClient.from_settings(platform.settings),
                                                   model="whisper-1"),
        max_concurrency=4,
    ))
"""

from __future__ import annotations

import io
import os
import tempfile
from typing import ClassVar

import numpy as np
import soundfile as sf

from scaigrid.backends.base import (
    AnalysisRequest,
    AnalysisResult,
    Analyzer,
    SpeechToText,
    SttRequest,
    SttResult,
    TextToSpeech,
    TtsRequest,
    TtsResult,
)
from scaigrid.backends.relay import RelayClient, stt_result_from_verbose_json

__all__ = ["RelayAnalyzer", "RelaySpeechToText", "RelayTextToSpeech"]


class RelaySpeechToText(SpeechToText):
    """Transcription through the relay's ``/v1/audio/transcriptions`` (verbose JSON)."""

    supports_language_hint: ClassVar[bool] = True

    def __init__(self, client: RelayClient, *, model: str = "whisper-1") -> None:
        self.client = client
        self.model = model

    def transcribe(self, request: SttRequest) -> SttResult:
        granularities = ("segment", "word") if request.word_timestamps else ("segment",)
        if request.audio_path is not None:
            return self._send(request.audio_path, request, granularities)
        assert request.pcm is not None  # SttRequest guarantees one of the two
        # The API takes files only: hand it a short-lived 16-bit WAV of the buffer.
        fd, path = tempfile.mkstemp(suffix=".wav", prefix="scaigrid-relay-")
        try:
            with os.fdopen(fd, "wb") as fh:
                sf.write(fh, np.asarray(request.pcm, dtype=np.float32), request.sample_rate, format="WAV")
            return self._send(path, request, granularities)
        finally:
            os.unlink(path)

    def _send(self, path: str, request: SttRequest, granularities: tuple[str, ...]) -> SttResult:
        payload = self.client.transcribe(
            path,
            model=self.model,
            language=request.language,
            temperature=request.temperature,
            prompt=request.prompt,
            timestamp_granularities=granularities,
        )
        return stt_result_from_verbose_json(payload, model=self.model)

    def close(self) -> None:
        self.client.close()


class RelayTextToSpeech(TextToSpeech):
    """Synthesis through the relay's ``/v1/audio/speech`` (WAV, decoded to float32 mono)."""

    def __init__(self, client: RelayClient, *, model: str = "tts-1", default_voice: str = "alloy") -> None:
        self.client = client
        self.model = model
        self.default_voice = default_voice

    def synthesize(self, request: TtsRequest) -> TtsResult:
        voice = request.voice or self.default_voice
        audio = self.client.speech(
            request.text,
            voice=voice,
            model=self.model,
            format="wav",
            speed=None if request.speed == 1.0 else request.speed,
        )
        pcm, rate = sf.read(io.BytesIO(audio), dtype="float32", always_2d=True)
        return TtsResult(
            pcm=np.ascontiguousarray(pcm.mean(axis=1), dtype=np.float32), sample_rate=rate, voice=voice
        )

    def close(self) -> None:
        self.client.close()


class RelayAnalyzer(Analyzer):
    """Structured analysis through the relay's chat completions with a JSON schema."""

    def __init__(self, client: RelayClient, *, model: str = "gpt-4o-mini") -> None:
        self.client = client
        self.model = model

    def analyze(self, request: AnalysisRequest) -> AnalysisResult:
        data = self.client.chat_json(
            [
                {"role": "system", "content": request.instructions},
                {"role": "user", "content": request.text},
            ],
            request.json_schema,
            model=self.model,
            schema_name=request.schema_name,
            temperature=request.options.get("temperature"),
        )
        return AnalysisResult(data=data, model=self.model)

    def close(self) -> None:
        self.client.close()
