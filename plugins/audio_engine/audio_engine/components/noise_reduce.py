"""``noise_reduce``: stationary spectral gating (noisereduce) with the quietest window as noise profile.

Multi-channel input is averaged to mono first, as the reference does; the output is a
mono WAV at the input's sample rate.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
import numpy as np

from audio_engine import audiofile
from audio_engine.errors import ComponentInputError
from audio_engine.registry import Component, ComponentResult, StepInput
from audio_engine.segments import rounded

__all__ = ["COMPONENT", "NoiseReduceParams", "quietest_window", "run"]

_N_FFT = 1024
_HOP_SECONDS = 0.01


class NoiseReduceParams(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    noise_estimation_duration_sec: Annotated[float, msgspec.Meta(gt=0, le=60)] = 0.5
    """Length of the quietest window used as the noise profile, in seconds."""


def quietest_window(mono: np.ndarray, sample_rate: int, seconds: float) -> tuple[int, int]:
    """``(start, end)`` samples of the window of ``seconds`` with the lowest energy (10 ms steps)."""
    n = mono.shape[0]
    win = min(n, max(_N_FFT, round(seconds * sample_rate)))
    if win >= n:
        return 0, n
    hop = max(1, round(sample_rate * _HOP_SECONDS))
    csum = np.concatenate(([0.0], np.cumsum(mono.astype(np.float64) ** 2)))
    starts = np.arange(0, n - win + 1, hop)
    energy = csum[starts + win] - csum[starts]
    best = int(starts[int(np.argmin(energy))])
    return best, best + win


def run(step: StepInput, params: NoiseReduceParams) -> ComponentResult:
    import noisereduce

    mono, sr = audiofile.read_mono(step.working_path)
    if mono.shape[0] < 2 * _N_FFT:
        raise ComponentInputError(
            f"noise_reduce needs at least {2 * _N_FFT} samples of audio, got {mono.shape[0]}"
        )
    start, end = quietest_window(mono, sr, params.noise_estimation_duration_sec)
    reduced = noisereduce.reduce_noise(
        y=mono, sr=sr, y_noise=mono[start:end], stationary=True, n_fft=_N_FFT, n_jobs=1
    )
    out = audiofile.write(step.output_path("noise_reduce"), np.asarray(reduced, dtype=np.float32), sr)
    return ComponentResult(
        output_path=str(out),
        metrics={
            "noise_window_start_sec": rounded(start / sr),
            "noise_window_end_sec": rounded(end / sr),
        },
    )


COMPONENT = Component(
    id="noise_reduce",
    params=NoiseReduceParams,
    handler=run,
    produces_audio=True,
    produces_metrics=True,
    pool="process",
    description="Denoise (stereo downmixed to mono) with the quietest window as the noise profile.",
)
