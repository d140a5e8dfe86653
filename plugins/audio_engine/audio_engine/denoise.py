"""Stationary spectral gating (noisereduce) with the quietest window of the signal as noise profile.

Shared by the ``noise_reduce`` component and the ``denoise`` backend other modules may use.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from scaigrid.backends.base import Denoiser

__all__ = ["MIN_SAMPLES", "NoiseReduceDenoiser", "quietest_window", "reduce_noise"]

N_FFT = 1024
MIN_SAMPLES = 2 * N_FFT
_HOP_SECONDS = 0.01


def quietest_window(mono: np.ndarray, sample_rate: int, seconds: float) -> tuple[int, int]:
    """``(start, end)`` samples of the window of ``seconds`` with the lowest energy (10 ms steps)."""
    n = mono.shape[0]
    win = min(n, max(N_FFT, round(seconds * sample_rate)))
    if win >= n:
        return 0, n
    hop = max(1, round(sample_rate * _HOP_SECONDS))
    csum = np.concatenate(([0.0], np.cumsum(mono.astype(np.float64) ** 2)))
    starts = np.arange(0, n - win + 1, hop)
    energy = csum[starts + win] - csum[starts]
    best = int(starts[int(np.argmin(energy))])
    return best, best + win


def reduce_noise(
    mono: np.ndarray, sample_rate: int, noise_seconds: float
) -> tuple[np.ndarray, tuple[int, int]]:
    """The denoised signal (same length) and the noise window used, for ``MIN_SAMPLES`` or more."""
    import noisereduce

    start, end = quietest_window(mono, sample_rate, noise_seconds)
    reduced = noisereduce.reduce_noise(
        y=mono, sr=sample_rate, y_noise=mono[start:end], stationary=True, n_fft=N_FFT, n_jobs=1
    )
    return np.asarray(reduced, dtype=np.float32), (start, end)


class NoiseReduceDenoiser(Denoiser):
    """The ``denoise`` backend: the quietest ``noise_seconds`` window as profile (0.5 s)."""

    noise_seconds: ClassVar[float] = 0.5

    def denoise(self, pcm: Any, sample_rate: int) -> Any:
        mono = np.asarray(pcm, dtype=np.float32)
        if mono.ndim != 1 or mono.shape[0] < MIN_SAMPLES:
            return mono
        return reduce_noise(mono, sample_rate, self.noise_seconds)[0]
