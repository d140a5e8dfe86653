"""The model backend: a capability flag set plus one blocking method, loaded lazily by the host."""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
import numpy.typing as npt
from scaigrid.backends import Backend

from scaigrid_loudness.contracts import Loudness

CAPABILITY = "loudness"
SAMPLE_RATE = 16000


def _dbfs(value: float) -> float:
    return round(20 * math.log10(value), 2) if value > 0 else -120.0


class RmsMeter(Backend):
    """Root-mean-square and peak level of mono float PCM, in dB relative to full scale."""

    capability: ClassVar[str] = CAPABILITY

    def measure(self, pcm: npt.NDArray[np.float32]) -> Loudness:
        samples = np.asarray(pcm, dtype=np.float64)
        if samples.size == 0:
            return Loudness(duration_seconds=0.0, rms_dbfs=-120.0, peak_dbfs=-120.0)
        return Loudness(
            duration_seconds=round(samples.size / SAMPLE_RATE, 3),
            rms_dbfs=_dbfs(float(np.sqrt(np.mean(samples**2)))),
            peak_dbfs=_dbfs(float(np.max(np.abs(samples)))),
        )
