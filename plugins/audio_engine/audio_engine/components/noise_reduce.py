"""``noise_reduce``: stationary spectral gating (noisereduce) with the quietest window as noise profile.

Multi-channel input is averaged to mono first, as the reference does; the output is a
mono WAV at the input's sample rate.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from scaigrid.backends.builtin.noisereduce import MIN_SAMPLES, reduce_noise

from audio_engine import audiofile
from audio_engine.errors import ComponentInputError
from audio_engine.registry import Component, ComponentResult, StepInput
from audio_engine.segments import rounded

__all__ = ["COMPONENT", "NoiseReduceParams", "run"]


class NoiseReduceParams(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    noise_estimation_duration_sec: Annotated[float, msgspec.Meta(gt=0, le=600)] = 0.5
    """Length of the quietest window used as the noise profile, in seconds."""


def run(step: StepInput, params: NoiseReduceParams) -> ComponentResult:
    mono, sr = audiofile.read_mono(step.working_path)
    if mono.shape[0] < MIN_SAMPLES:
        raise ComponentInputError(
            f"noise_reduce needs at least {MIN_SAMPLES} samples of audio, got {mono.shape[0]}"
        )
    reduced, (start, end) = reduce_noise(mono, sr, params.noise_estimation_duration_sec)
    out = audiofile.write(step.output_path("noise_reduce"), reduced, sr)
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
