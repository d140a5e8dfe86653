"""Voice activity detection with silero-vad (weights ship in the wheel), shared by STT chunking,
diarization and the enrollment preflight.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

import numpy as np
from scaigrid.backends import TimeSpan, VoiceActivity

__all__ = ["SileroVoiceActivity", "SpeechRegion", "pack_chunks", "speech_ratio", "speech_regions"]

SpeechRegion = tuple[float, float]
"""``(start, end)`` in seconds."""

_lock = threading.Lock()


@functools.cache
def _model() -> Any:
    from silero_vad import load_silero_vad

    return load_silero_vad()


def speech_regions(
    pcm: np.ndarray,
    *,
    sample_rate: int = 16000,
    threshold: float = 0.5,
    min_speech_ms: int = 250,
    min_silence_ms: int = 100,
    pad_ms: int = 30,
) -> list[SpeechRegion]:
    """Speech spans of 16 kHz mono float32 PCM, in seconds, in order."""
    import torch

    if len(pcm) < sample_rate // 10:
        return []
    audio = torch.from_numpy(np.ascontiguousarray(pcm, dtype=np.float32))
    from silero_vad import get_speech_timestamps

    # The silero model keeps recurrent state between windows: one caller at a time.
    with _lock, torch.inference_mode():
        stamps = get_speech_timestamps(
            audio,
            _model(),
            threshold=threshold,
            sampling_rate=sample_rate,
            min_speech_duration_ms=min_speech_ms,
            min_silence_duration_ms=min_silence_ms,
            speech_pad_ms=pad_ms,
        )
    return [(s["start"] / sample_rate, s["end"] / sample_rate) for s in stamps]


class SileroVoiceActivity(VoiceActivity):
    """:func:`speech_regions` as the host's ``vad`` capability, so modules built on scaiecho
    (scryon's analysis job, its voice-profile check) find a VAD wherever scaiecho runs."""

    def speech_segments(
        self,
        pcm16k: Any,
        *,
        threshold: float = 0.5,
        min_speech_ms: int = 250,
        min_silence_ms: int = 100,
    ) -> list[TimeSpan]:
        regions = speech_regions(
            np.asarray(pcm16k, dtype=np.float32).reshape(-1),
            threshold=threshold,
            min_speech_ms=min_speech_ms,
            min_silence_ms=min_silence_ms,
        )
        return [TimeSpan(start=start, end=end) for start, end in regions]


def speech_ratio(regions: list[SpeechRegion], duration: float) -> float:
    """Fraction of ``duration`` covered by speech."""
    if duration <= 0:
        return 0.0
    return min(1.0, sum(end - start for start, end in regions) / duration)


def pack_chunks(
    regions: list[SpeechRegion], *, max_seconds: float = 30.0, pad: float = 0.2, duration: float
) -> list[SpeechRegion]:
    """Group consecutive speech regions into windows no longer than ``max_seconds`` (Whisper's input).

    A region longer than the window is cut into window-sized pieces.
    """
    pieces: list[SpeechRegion] = []
    for start, end in regions:
        s, e = max(0.0, start - pad), min(duration, end + pad)
        while e - s > max_seconds:
            pieces.append((s, s + max_seconds))
            s += max_seconds
        pieces.append((s, e))
    chunks: list[SpeechRegion] = []
    for s, e in pieces:
        if chunks and e - chunks[-1][0] <= max_seconds:
            chunks[-1] = (chunks[-1][0], max(chunks[-1][1], e))
        else:
            chunks.append((s, e))
    return chunks
