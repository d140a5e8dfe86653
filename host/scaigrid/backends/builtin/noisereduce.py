"""Stationary spectral gating (noisereduce) as the host's ``denoise`` backend.

The noise profile is the quietest window of the signal itself, so no separate
noise sample is needed.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import numpy.typing as npt

from scaigrid.backends.base import Denoiser, FloatAudio
from scaigrid.backends.builtin._extra import require

__all__ = ["MIN_SAMPLES", "N_FFT", "NoiseReduceDenoiser", "quietest_window", "reduce_noise"]

N_FFT = 1024
MIN_SAMPLES = 2 * N_FFT
_HOP_SECONDS = 0.01


def quietest_window(mono: npt.NDArray[np.float32], sample_rate: int, seconds: float) -> tuple[int, int]:
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
    mono: npt.NDArray[np.float32], sample_rate: int, noise_seconds: float
) -> tuple[npt.NDArray[np.float32], tuple[int, int]]:
    """The denoised signal (same length) and the noise window used, for ``MIN_SAMPLES`` or more."""
    noisereduce = require("noisereduce")
    start, end = quietest_window(mono, sample_rate, noise_seconds)
    reduced = noisereduce.reduce_noise(
        y=mono, sr=sample_rate, y_noise=mono[start:end], stationary=True, n_fft=N_FFT, n_jobs=1
    )
    return np.asarray(reduced, dtype=np.float32), (start, end)


class NoiseReduceDenoiser(Denoiser):
    """``denoise(pcm, sample_rate)``: the quietest ``noise_seconds`` window as profile (0.5 s)."""

    noise_seconds: ClassVar[float] = 0.5

    def denoise(self, pcm: FloatAudio, sample_rate: int) -> FloatAudio:
        mono = np.asarray(pcm, dtype=np.float32)
        if mono.ndim != 1 or mono.shape[0] < MIN_SAMPLES:
            return mono
        return reduce_noise(mono, sample_rate, self.noise_seconds)[0]
