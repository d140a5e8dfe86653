"""Silero VAD as a host ``vad`` backend, and the VAD params components share.

The model is the JIT file bundled in the silero-vad wheel (no download), loaded once
per process by the host's backend registry (or :func:`audio_engine.resources.local_vad`).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated, Any

import msgspec
import numpy as np
from scaigrid.backends.base import TimeSpan, VoiceActivity

__all__ = ["VAD_SAMPLE_RATE", "SileroVad", "VadParams", "speech_spans", "speech_spans_of"]

VAD_SAMPLE_RATE = 16000


class VadParams(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Component params that drive the VAD: names, ranges and defaults of the reference's
    ``speech_duration_measurement``. Components that run the VAD extend this struct."""

    threshold: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.5
    min_speech_duration_ms: Annotated[int, msgspec.Meta(ge=0)] = 250
    min_silence_duration_ms: Annotated[int, msgspec.Meta(ge=0)] = 100
    speech_pad_ms: Annotated[int, msgspec.Meta(ge=0)] = 30

    def vad_kwargs(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "min_speech_ms": self.min_speech_duration_ms,
            "min_silence_ms": self.min_silence_duration_ms,
            "speech_pad_ms": self.speech_pad_ms,
        }


class SileroVad(VoiceActivity):
    """Silero VAD v6 on CPU.

    The model keeps recurrent state between windows, so one lock serialises calls: two
    threads sharing it would corrupt each other's state.
    """

    def __init__(self) -> None:
        import torch
        from silero_vad import load_silero_vad

        self._torch = torch
        self._model: Any = load_silero_vad(onnx=False)
        self._lock = threading.Lock()

    def speech_segments(
        self,
        pcm16k: Any,
        *,
        threshold: float = 0.5,
        min_speech_ms: int = 250,
        min_silence_ms: int = 100,
        speech_pad_ms: int = 30,
    ) -> list[TimeSpan]:
        """Speech regions (seconds) of mono 16 kHz float audio."""
        from silero_vad import get_speech_timestamps

        audio = np.ascontiguousarray(pcm16k, dtype=np.float32)
        if audio.size < 512:
            return []
        with self._lock, self._torch.inference_mode():
            stamps = get_speech_timestamps(
                self._torch.from_numpy(audio),
                self._model,
                threshold=threshold,
                sampling_rate=VAD_SAMPLE_RATE,
                min_speech_duration_ms=min_speech_ms,
                min_silence_duration_ms=min_silence_ms,
                speech_pad_ms=speech_pad_ms,
            )
        return [TimeSpan(start=s["start"] / VAD_SAMPLE_RATE, end=s["end"] / VAD_SAMPLE_RATE) for s in stamps]


def speech_spans(vad: Any, audio_16k: np.ndarray, params: VadParams) -> list[tuple[float, float]]:
    """``[(start_s, end_s), ...]`` of 16 kHz mono audio through any ``vad`` backend."""
    return [(span.start, span.end) for span in vad.speech_segments(audio_16k, **params.vad_kwargs())]


def speech_spans_of(vad: Any, path: str | Path, params: VadParams) -> list[tuple[float, float]]:
    """:func:`speech_spans` of an audio file (averaged to mono, resampled to 16 kHz)."""
    from audio_engine import audiofile

    audio, _ = audiofile.read_mono(path, VAD_SAMPLE_RATE)
    return speech_spans(vad, audio, params)
