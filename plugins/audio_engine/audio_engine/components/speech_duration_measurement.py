"""``speech_duration_measurement``: total speech in the working audio, by Silero VAD at 16 kHz.

Params, ranges and defaults are the reference's: ``threshold`` (0–1, 0.5),
``min_speech_duration_ms`` (250), ``min_silence_duration_ms`` (100), ``speech_pad_ms`` (30).
"""

from __future__ import annotations

from audio_engine.registry import Component, ComponentResult, StepInput
from audio_engine.resources import VAD
from audio_engine.segments import rounded
from audio_engine.vad import VadParams, speech_spans_of

__all__ = ["COMPONENT", "SpeechDurationMeasurementParams", "run"]


class SpeechDurationMeasurementParams(VadParams, kw_only=True, forbid_unknown_fields=True):
    pass


def run(step: StepInput, params: SpeechDurationMeasurementParams) -> ComponentResult:
    segments = speech_spans_of(step.resources[VAD], step.working_path, params)
    return ComponentResult(
        metrics={"speech_duration_seconds": rounded(sum(end - start for start, end in segments))}
    )


COMPONENT = Component(
    id="speech_duration_measurement",
    params=SpeechDurationMeasurementParams,
    handler=run,
    produces_audio=False,
    produces_metrics=True,
    needs=(VAD,),
    description="Total detected speech (Silero VAD at 16 kHz), in seconds.",
)
