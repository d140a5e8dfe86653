"""Signal comparisons for the audio tests: alignment and similarity of two PCM arrays."""

from __future__ import annotations

import numpy as np
from scipy.signal import correlate


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of the overlapping part of two signals."""
    n = min(len(a), len(b))
    return float(np.corrcoef(a[:n], b[:n])[0, 1])


def best_lag(reference: np.ndarray, signal: np.ndarray, max_lag: int) -> tuple[int, float]:
    """The shift of ``signal`` against ``reference`` (positive: ``signal`` is late) that
    correlates best within ``max_lag`` samples, and the correlation at that shift."""
    full = correlate(signal.astype(np.float64), reference.astype(np.float64), mode="full", method="fft")
    zero = len(reference) - 1
    window = full[zero - max_lag : zero + max_lag + 1]
    lag = int(np.argmax(window)) - max_lag
    a = reference[max(0, -lag) :]
    b = signal[max(0, lag) :]
    return lag, correlation(a, b)


def dominant_hz(pcm: np.ndarray, sr: int) -> float:
    """The frequency of the strongest FFT bin."""
    spectrum = np.abs(np.fft.rfft(pcm * np.hanning(len(pcm))))
    return float(np.fft.rfftfreq(len(pcm), 1 / sr)[int(np.argmax(spectrum))])
