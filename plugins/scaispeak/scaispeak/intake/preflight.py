"""Quality checks on a reference recording before it becomes a voice: the host's checks
(:mod:`scaigrid.audio.quality`) with the bounds of ``SCAISPEAK_REFERENCE_*``."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scaigrid.audio.quality import QualityBounds, QualityReport, check_recording

from scaispeak.settings import ScaispeakSettings

__all__ = ["Preflight", "run_preflight"]

Preflight = QualityReport


def run_preflight(
    pcm16k: npt.NDArray[np.float32], speech: list[tuple[float, float]], settings: ScaispeakSettings
) -> Preflight:
    """Duration bounds, speech ratio (``speech``: the host VAD's regions), clipping and level."""
    bounds = QualityBounds(
        min_seconds=settings.reference_min_seconds,
        max_seconds=settings.reference_max_seconds,
        min_speech_ratio=settings.reference_min_speech_ratio,
        max_clipping_ratio=settings.reference_max_clipping,
    )
    return check_recording(pcm16k, speech, bounds)
