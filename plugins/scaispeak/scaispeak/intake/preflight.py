"""Quality checks on a reference recording before it becomes a voice; every measured value is returned."""

from __future__ import annotations

import math

import msgspec
import numpy as np
import numpy.typing as npt

from scaispeak.settings import ScaispeakSettings

__all__ = ["Preflight", "PreflightCheck", "run_preflight"]

_CLIP = 0.99


class PreflightCheck(msgspec.Struct, kw_only=True, frozen=True):
    name: str
    passed: bool
    value: float
    limit: str


class Preflight(msgspec.Struct, kw_only=True, frozen=True):
    passed: bool
    duration_seconds: float
    speech_ratio: float
    clipping_ratio: float
    rms_dbfs: float
    checks: list[PreflightCheck]


def _dbfs(value: float) -> float:
    return round(20 * math.log10(value), 2) if value > 0 else -120.0


def run_preflight(
    pcm16k: npt.NDArray[np.float32], speech: list[tuple[float, float]], settings: ScaispeakSettings
) -> Preflight:
    """Duration bounds, speech ratio (``speech``: the host VAD's regions), clipping and level."""
    pcm = np.asarray(pcm16k, dtype=np.float32)
    duration = len(pcm) / 16000
    ratio = min(1.0, sum(e - s for s, e in speech) / duration) if duration > 0 else 0.0
    clipping = float(np.mean(np.abs(pcm) >= _CLIP)) if len(pcm) else 0.0
    rms = _dbfs(float(np.sqrt(np.mean(np.square(pcm, dtype=np.float64))))) if len(pcm) else -120.0
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
            passed=clipping <= s.reference_max_clipping,
            value=round(clipping, 4),
            limit=f"<= {s.reference_max_clipping}",
        ),
        PreflightCheck(
            name="level", passed=-45.0 <= rms <= -3.0, value=rms, limit="between -45.0 and -3.0 dBFS"
        ),
    ]
    return Preflight(
        passed=all(c.passed for c in checks),
        duration_seconds=round(duration, 3),
        speech_ratio=round(ratio, 3),
        clipping_ratio=round(clipping, 4),
        rms_dbfs=rms,
        checks=checks,
    )
