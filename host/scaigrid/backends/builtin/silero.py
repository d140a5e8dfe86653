"""Silero VAD as the host's ``vad`` backend (the JIT model the silero-vad wheel ships)."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from scaigrid.backends.base import FloatAudio, TimeSpan, VoiceActivity
from scaigrid.backends.builtin._extra import require

__all__ = ["SAMPLE_RATE", "SileroVad"]

SAMPLE_RATE = 16000
_MIN_SAMPLES = 512  # one model window: shorter input has no speech to find


class SileroVad(VoiceActivity):
    """Silero VAD v6 on CPU.

    The model keeps recurrent state between windows, so one lock serialises calls: two
    threads sharing it would corrupt each other's state.
    """

    def __init__(self) -> None:
        self._torch: Any = require("torch")
        self._silero: Any = require("silero_vad")
        self._model: Any = self._silero.load_silero_vad(onnx=False)
        self._lock = threading.Lock()

    def speech_segments(
        self,
        pcm16k: FloatAudio,
        *,
        threshold: float = 0.5,
        min_speech_ms: int = 250,
        min_silence_ms: int = 100,
        speech_pad_ms: int = 30,
    ) -> list[TimeSpan]:
        """Speech regions (seconds, in order) of mono 16 kHz float audio."""
        audio = np.ascontiguousarray(np.asarray(pcm16k, dtype=np.float32).reshape(-1))
        if audio.size < _MIN_SAMPLES:
            return []
        with self._lock, self._torch.inference_mode():
            stamps = self._silero.get_speech_timestamps(
                self._torch.from_numpy(audio),
                self._model,
                threshold=threshold,
                sampling_rate=SAMPLE_RATE,
                min_speech_duration_ms=min_speech_ms,
                min_silence_duration_ms=min_silence_ms,
                speech_pad_ms=speech_pad_ms,
            )
        return [TimeSpan(start=s["start"] / SAMPLE_RATE, end=s["end"] / SAMPLE_RATE) for s in stamps]
