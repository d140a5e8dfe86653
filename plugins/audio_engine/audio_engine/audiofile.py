"""Reading and writing the pipeline's working files (WAV through soundfile), and resampling.

Uploads are normalised to soundfile-readable files before the pipeline starts, so every
component works with plain arrays shaped ``(channels, frames)`` float32.
"""

from __future__ import annotations

from math import gcd
from pathlib import Path

import numpy as np
import soundfile as sf

__all__ = ["duration_seconds", "read", "read_mono", "resample", "write"]


def read(path: str | Path) -> tuple[np.ndarray, int]:
    """``(channels, frames)`` float32 samples in [-1, 1] and the file's sample rate."""
    data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    return np.ascontiguousarray(data.T), int(sr)


def read_mono(path: str | Path, sample_rate: int | None = None) -> tuple[np.ndarray, int]:
    """Channels averaged to one ``(frames,)`` array, resampled to ``sample_rate`` when given."""
    data, sr = read(path)
    mono = data.mean(axis=0) if data.shape[0] > 1 else data[0]
    if sample_rate is not None and sample_rate != sr:
        return resample(mono, sr, sample_rate), sample_rate
    return np.ascontiguousarray(mono, dtype=np.float32), sr


def write(path: str | Path, data: np.ndarray, sample_rate: int) -> Path:
    """Write ``(frames,)`` or ``(channels, frames)`` float audio as 16-bit PCM WAV."""
    arr = np.asarray(data, dtype=np.float32)
    arr = np.clip(arr, -1.0, 1.0)
    sf.write(str(path), arr.T if arr.ndim == 2 else arr, sample_rate, subtype="PCM_16", format="WAV")
    return Path(path)


def duration_seconds(path: str | Path) -> float:
    info = sf.info(str(path))
    return float(info.frames) / float(info.samplerate)


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Band-limited polyphase resampling along the last axis."""
    if from_rate == to_rate:
        return np.asarray(samples, dtype=np.float32)
    from scipy.signal import resample_poly

    g = gcd(from_rate, to_rate)
    out = resample_poly(np.asarray(samples, dtype=np.float64), to_rate // g, from_rate // g, axis=-1)
    return np.ascontiguousarray(out, dtype=np.float32)
