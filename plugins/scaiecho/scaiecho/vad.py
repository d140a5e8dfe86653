"""Speech regions through the host's ``vad`` backend (``SCAIECHO_VAD_BACKEND``), shared by STT
chunking, diarization and the enrollment preflight, and the arithmetic on them.
"""

from __future__ import annotations

import numpy as np
from scaigrid.backends import VoiceActivity

__all__ = ["SpeechRegion", "pack_chunks", "speech_ratio", "speech_regions"]

SpeechRegion = tuple[float, float]
"""``(start, end)`` in seconds."""


def speech_regions(vad: VoiceActivity, pcm: np.ndarray) -> list[SpeechRegion]:
    """Speech spans of 16 kHz mono float32 PCM, in seconds, in order, through a ``vad`` backend."""
    if len(pcm) < 1600:  # under 0.1 s: nothing to find
        return []
    return [(span.start, span.end) for span in vad.speech_segments(np.asarray(pcm, dtype=np.float32))]


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
