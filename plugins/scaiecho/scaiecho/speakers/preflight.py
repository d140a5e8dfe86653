"""Quality checks on a speaker's reference recording before it becomes an enrollment.

A reference that is too short, mostly silence, clipped, or too quiet/loud gives an
embedding that matches the wrong people; it is refused with every measured value so
the client can tell the speaker what to fix. The checks are the host's
(:mod:`scaigrid.audio.quality`); the bounds are ``SCAIECHO_REFERENCE_*``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scaigrid.audio.quality import QualityBounds, QualityCheck, QualityReport, check_recording

from scaiecho.settings import ScaiechoSettings
from scaiecho.vad import SpeechRegion

__all__ = ["Preflight", "PreflightCheck", "run_preflight"]

Preflight = QualityReport
PreflightCheck = QualityCheck


def run_preflight(
    pcm16k: npt.NDArray[np.float32], speech: list[SpeechRegion], settings: ScaiechoSettings
) -> Preflight:
    """Measure duration, speech ratio (``speech``: the VAD's regions), clipping and level."""
    s = settings
    bounds = QualityBounds(
        min_seconds=s.reference_min_seconds,
        max_seconds=s.reference_max_seconds,
        min_speech_ratio=s.reference_min_speech_ratio,
        max_clipping_ratio=s.reference_max_clipping_ratio,
        min_rms_dbfs=s.reference_min_rms_dbfs,
        max_rms_dbfs=s.reference_max_rms_dbfs,
    )
    return check_recording(pcm16k, speech, bounds)
