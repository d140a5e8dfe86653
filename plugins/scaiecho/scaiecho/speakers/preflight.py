"""Quality checks on a speaker's reference recording before it becomes an enrollment.

A reference that is too short, mostly silence, clipped, or too quiet/loud gives an
embedding that matches the wrong people; it is refused with every measured value so
the client can tell the speaker what to fix.
"""

from __future__ import annotations

import math

import msgspec
import numpy as np
import numpy.typing as npt

from scaiecho.settings import ScaiechoSettings
from scaiecho.vad import SpeechRegion, speech_ratio

__all__ = ["Preflight", "PreflightCheck", "run_preflight"]

_CLIP_LEVEL = 0.99


class PreflightCheck(msgspec.Struct, kw_only=True, frozen=True):
    name: str
    passed: bool
    value: float
    limit: str
    """The rule, e.g. ``">= 3.0"`` or ``"between -45.0 and -3.0"``."""


class Preflight(msgspec.Struct, kw_only=True, frozen=True):
    passed: bool
    duration_seconds: float
    speech_ratio: float
    clipping_ratio: float
    rms_dbfs: float
    peak_dbfs: float
    checks: list[PreflightCheck]


def _dbfs(value: float) -> float:
    return round(20 * math.log10(value), 2) if value > 0 else -120.0


def run_preflight(
    pcm16k: npt.NDArray[np.float32], speech: list[SpeechRegion], settings: ScaiechoSettings
) -> Preflight:
    """Measure duration, speech ratio (``speech``: the VAD's regions), clipping and level of 16 kHz
    mono audio."""
    pcm = np.asarray(pcm16k, dtype=np.float32)
    duration = len(pcm) / 16000
    ratio = speech_ratio(speech, duration) if len(pcm) else 0.0
    clipping = float(np.mean(np.abs(pcm) >= _CLIP_LEVEL)) if len(pcm) else 0.0
    rms = _dbfs(float(np.sqrt(np.mean(np.square(pcm, dtype=np.float64))))) if len(pcm) else -120.0
    peak = _dbfs(float(np.max(np.abs(pcm)))) if len(pcm) else -120.0
    s = settings
    checks = [
        PreflightCheck(
            name="duration",
            passed=s.reference_min_seconds <= duration <= s.reference_max_seconds,
            value=round(duration, 3),
            limit=f"between {s.reference_min_seconds} and {s.reference_max_seconds} seconds",
        ),
        PreflightCheck(
            name="speech_ratio",
            passed=ratio >= s.reference_min_speech_ratio,
            value=round(ratio, 3),
            limit=f">= {s.reference_min_speech_ratio}",
        ),
        PreflightCheck(
            name="clipping",
            passed=clipping <= s.reference_max_clipping_ratio,
            value=round(clipping, 5),
            limit=f"<= {s.reference_max_clipping_ratio}",
        ),
        PreflightCheck(
            name="level",
            passed=s.reference_min_rms_dbfs <= rms <= s.reference_max_rms_dbfs,
            value=rms,
            limit=f"between {s.reference_min_rms_dbfs} and {s.reference_max_rms_dbfs} dBFS RMS",
        ),
    ]
    return Preflight(
        passed=all(c.passed for c in checks),
        duration_seconds=round(duration, 3),
        speech_ratio=round(ratio, 3),
        clipping_ratio=round(clipping, 5),
        rms_dbfs=rms,
        peak_dbfs=peak,
        checks=checks,
    )
