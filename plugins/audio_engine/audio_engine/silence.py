"""Where the sound starts and ends: 10 ms frame levels against an adaptive silence threshold.

Used by both silence trimmers. The threshold adapts to the recording so digital silence,
a hissy room and a continuous tone all behave: a frame is sound when its level reaches
``min(peak - 20 dB, max(-50 dBFS, noise floor + 10 dB))``, the noise floor being the
10th percentile of frame levels.
"""

from __future__ import annotations

import numpy as np

__all__ = ["FRAME_SECONDS", "active_bounds", "frame_levels_db", "silence_threshold_db"]

FRAME_SECONDS = 0.01
_FLOOR_DBFS = -50.0
_ABOVE_NOISE_DB = 10.0
_BELOW_PEAK_DB = 20.0


def frame_levels_db(data: np.ndarray, sample_rate: int) -> np.ndarray:
    """RMS level in dBFS of each 10 ms frame over all channels of ``(channels, frames)``."""
    hop = max(1, round(sample_rate * FRAME_SECONDS))
    n_frames = -(-data.shape[-1] // hop)
    padded = np.zeros((data.shape[0], n_frames * hop), dtype=np.float64)
    padded[:, : data.shape[-1]] = data
    power = (padded.reshape(data.shape[0], n_frames, hop) ** 2).mean(axis=(0, 2))
    levels: np.ndarray = 10.0 * np.log10(np.maximum(power, 1e-12))
    return levels


def silence_threshold_db(levels: np.ndarray) -> float:
    if levels.size == 0:
        return _FLOOR_DBFS
    peak = float(levels.max())
    noise_floor = float(np.percentile(levels, 10))
    return min(peak - _BELOW_PEAK_DB, max(_FLOOR_DBFS, noise_floor + _ABOVE_NOISE_DB))


def active_bounds(data: np.ndarray, sample_rate: int) -> tuple[int, int] | None:
    """``(first, end)`` sample indices of the sound, or ``None`` when it is all silence."""
    levels = frame_levels_db(data, sample_rate)
    active = np.flatnonzero(levels >= silence_threshold_db(levels))
    if active.size == 0 or float(levels.max()) < _FLOOR_DBFS - 40.0:
        return None
    hop = max(1, round(sample_rate * FRAME_SECONDS))
    first = int(active[0]) * hop
    end = min(data.shape[-1], (int(active[-1]) + 1) * hop)
    return first, end
