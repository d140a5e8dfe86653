"""Is a recording good enough to learn a voice from? One set of checks for every module.

Duration, speech ratio (over the speech regions a VAD found), clipping and level of mono
16 kHz PCM, each reported with its value and its limit, so a client can tell the speaker what
to fix. scaiecho's enrollment and ScaiSpeak's voice intake both run these.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import msgspec
import numpy as np
import numpy.typing as npt

__all__ = ["QualityBounds", "QualityCheck", "QualityReport", "check_recording"]

SAMPLE_RATE = 16000
_CLIP_LEVEL = 0.99


class QualityBounds(msgspec.Struct, kw_only=True, frozen=True):
    min_seconds: float
    max_seconds: float
    min_speech_ratio: float
    max_clipping_ratio: float
    min_rms_dbfs: float = -45.0
    max_rms_dbfs: float = -3.0


class QualityCheck(msgspec.Struct, kw_only=True, frozen=True):
    name: str
    passed: bool
    value: float
    limit: str
    """The rule, e.g. ``">= 0.5"`` or ``"between -45.0 and -3.0 dBFS RMS"``."""


class QualityReport(msgspec.Struct, kw_only=True, frozen=True):
    passed: bool
    duration_seconds: float
    speech_ratio: float
    clipping_ratio: float
    rms_dbfs: float
    peak_dbfs: float
    checks: list[QualityCheck]


def _dbfs(value: float) -> float:
    return round(20 * math.log10(value), 2) if value > 0 else -120.0


def check_recording(
    pcm16k: npt.NDArray[np.float32], speech: Sequence[tuple[float, float]], bounds: QualityBounds
) -> QualityReport:
    """Measure ``pcm16k`` (``speech``: the VAD's regions, in seconds) against ``bounds``."""
    pcm = np.asarray(pcm16k, dtype=np.float32)
    duration = len(pcm) / SAMPLE_RATE
    ratio = min(1.0, sum(end - start for start, end in speech) / duration) if duration > 0 else 0.0
    clipping = float(np.mean(np.abs(pcm) >= _CLIP_LEVEL)) if len(pcm) else 0.0
    rms = _dbfs(float(np.sqrt(np.mean(np.square(pcm, dtype=np.float64))))) if len(pcm) else -120.0
    peak = _dbfs(float(np.max(np.abs(pcm)))) if len(pcm) else -120.0
    b = bounds
    checks = [
        QualityCheck(
            name="duration",
            passed=b.min_seconds <= duration <= b.max_seconds,
            value=round(duration, 3),
            limit=f"between {b.min_seconds} and {b.max_seconds} seconds",
        ),
        QualityCheck(
            name="speech_ratio",
            passed=ratio >= b.min_speech_ratio,
            value=round(ratio, 3),
            limit=f">= {b.min_speech_ratio}",
        ),
        QualityCheck(
            name="clipping",
            passed=clipping <= b.max_clipping_ratio,
            value=round(clipping, 5),
            limit=f"<= {b.max_clipping_ratio}",
        ),
        QualityCheck(
            name="level",
            passed=b.min_rms_dbfs <= rms <= b.max_rms_dbfs,
            value=rms,
            limit=f"between {b.min_rms_dbfs} and {b.max_rms_dbfs} dBFS RMS",
        ),
    ]
    return QualityReport(
        passed=all(c.passed for c in checks),
        duration_seconds=round(duration, 3),
        speech_ratio=round(ratio, 3),
        clipping_ratio=round(clipping, 5),
        rms_dbfs=rms,
        peak_dbfs=peak,
        checks=checks,
    )
