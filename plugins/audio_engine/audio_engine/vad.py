"""The VAD params components share, and speech spans through any ``vad`` backend.

The model is the host's ``vad`` backend (``AUDIO_ENGINE_VAD_BACKEND``, Silero by
default), loaded once per process by the host's backend registry (or
:func:`audio_engine.resources.local_vad` without a host).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import msgspec
import numpy as np
from scaigrid.backends.builtin.silero import SAMPLE_RATE as VAD_SAMPLE_RATE

__all__ = ["VAD_SAMPLE_RATE", "VadParams", "speech_spans", "speech_spans_of"]


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


def speech_spans(vad: Any, audio_16k: np.ndarray, params: VadParams) -> list[tuple[float, float]]:
    """``[(start_s, end_s), ...]`` of 16 kHz mono audio through any ``vad`` backend."""
    return [(span.start, span.end) for span in vad.speech_segments(audio_16k, **params.vad_kwargs())]


def speech_spans_of(vad: Any, path: str | Path, params: VadParams) -> list[tuple[float, float]]:
    """:func:`speech_spans` of an audio file (averaged to mono, resampled to 16 kHz)."""
    from audio_engine import audiofile

    audio, _ = audiofile.read_mono(path, VAD_SAMPLE_RATE)
    return speech_spans(vad, audio, params)
