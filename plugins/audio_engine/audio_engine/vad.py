"""Silero VAD as a loaded-once resource: speech intervals of 16 kHz mono audio, in seconds."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated, Any

import msgspec
import numpy as np

__all__ = ["VAD_SAMPLE_RATE", "SileroVad", "VadOptions", "VadParams"]

VAD_SAMPLE_RATE = 16000


class VadOptions(msgspec.Struct, kw_only=True, frozen=True):
    """Silero's knobs with the reference's defaults."""

    threshold: float = 0.5
    min_speech_duration_ms: int = 250
    min_silence_duration_ms: int = 100
    speech_pad_ms: int = 30


class VadParams(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Component params that drive the VAD (names, ranges and defaults of the reference's
    ``speech_duration_measurement``); components that run the VAD extend this struct."""

    threshold: Annotated[float, msgspec.Meta(ge=0, le=1)] = 0.5
    min_speech_duration_ms: Annotated[int, msgspec.Meta(ge=0)] = 250
    min_silence_duration_ms: Annotated[int, msgspec.Meta(ge=0)] = 100
    speech_pad_ms: Annotated[int, msgspec.Meta(ge=0)] = 30

    def vad_options(self) -> VadOptions:
        return VadOptions(
            threshold=self.threshold,
            min_speech_duration_ms=self.min_speech_duration_ms,
            min_silence_duration_ms=self.min_silence_duration_ms,
            speech_pad_ms=self.speech_pad_ms,
        )


class SileroVad:
    """The silero-vad JIT model bundled in its wheel (no download), loaded once.

    The model keeps recurrent state between windows, so one lock serialises calls: two
    threads sharing it would corrupt each other's state.
    """

    def __init__(self) -> None:
        import torch
        from silero_vad import load_silero_vad

        self._torch = torch
        self._model: Any = load_silero_vad(onnx=False)
        self._lock = threading.Lock()

    def speech_segments(self, audio_16k: np.ndarray, options: VadOptions | None = None) -> list[tuple[float, float]]:
        """Speech intervals ``[(start_s, end_s), ...]`` of 16 kHz mono float audio."""
        from silero_vad import get_speech_timestamps

        opts = options or VadOptions()
        if audio_16k.size < 512:
            return []
        tensor = self._torch.from_numpy(np.ascontiguousarray(audio_16k, dtype=np.float32))
        with self._lock, self._torch.inference_mode():
            stamps = get_speech_timestamps(
                tensor,
                self._model,
                threshold=opts.threshold,
                sampling_rate=VAD_SAMPLE_RATE,
                min_speech_duration_ms=opts.min_speech_duration_ms,
                min_silence_duration_ms=opts.min_silence_duration_ms,
                speech_pad_ms=opts.speech_pad_ms,
            )
        return [(s["start"] / VAD_SAMPLE_RATE, s["end"] / VAD_SAMPLE_RATE) for s in stamps]

    def speech_segments_of(self, path: str | Path, options: VadOptions | None = None) -> list[tuple[float, float]]:
        """Speech intervals of an audio file (averaged to mono, resampled to 16 kHz)."""
        from audio_engine import audiofile

        audio, _ = audiofile.read_mono(path, VAD_SAMPLE_RATE)
        return self.speech_segments(audio, options)
