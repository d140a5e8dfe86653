"""``end_silence_trimmer``: cut the trailing silence (no params: only ``{}`` is accepted)."""

from __future__ import annotations

import msgspec

from audio_engine import audiofile
from audio_engine.registry import Component, ComponentResult, StepInput
from audio_engine.segments import rounded
from audio_engine.silence import active_bounds

__all__ = ["COMPONENT", "EndSilenceTrimmerParams", "run"]


class EndSilenceTrimmerParams(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    pass


def run(step: StepInput, params: EndSilenceTrimmerParams) -> ComponentResult:
    data, sr = audiofile.read(step.working_path)
    bounds = active_bounds(data, sr)
    end = bounds[1] if bounds is not None else data.shape[-1]
    out = audiofile.write(step.output_path("end_trimmed"), data[:, :end], sr)
    return ComponentResult(
        output_path=str(out),
        metrics={
            "trimmed_seconds": rounded((data.shape[-1] - end) / sr),
            "original_duration_seconds": rounded(data.shape[-1] / sr),
            "duration_seconds": rounded(end / sr),
            "silence_only": bounds is None,
        },
    )


COMPONENT = Component(
    id="end_silence_trimmer",
    params=EndSilenceTrimmerParams,
    handler=run,
    produces_audio=True,
    produces_metrics=True,
    description="Trim trailing silence.",
)
