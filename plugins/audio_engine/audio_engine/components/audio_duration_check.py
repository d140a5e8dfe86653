"""``audio_duration_check``: does the working audio last at least ``min_duration_minutes``?"""

from __future__ import annotations

from typing import Annotated

import msgspec

from audio_engine import audiofile
from audio_engine.registry import Component, ComponentResult, StepInput
from audio_engine.segments import rounded

__all__ = ["COMPONENT", "AudioDurationCheckParams", "run"]


class AudioDurationCheckParams(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    min_duration_minutes: Annotated[float, msgspec.Meta(ge=0)] = 8.0


def run(step: StepInput, params: AudioDurationCheckParams) -> ComponentResult:
    seconds = audiofile.duration_seconds(step.working_path)
    return ComponentResult(
        metrics={
            "duration_seconds": rounded(seconds),
            "duration_minutes": rounded(seconds / 60.0),
            "min_duration_minutes": params.min_duration_minutes,
            "meets_duration_requirement": seconds >= params.min_duration_minutes * 60.0,
        }
    )


COMPONENT = Component(
    id="audio_duration_check",
    params=AudioDurationCheckParams,
    handler=run,
    produces_audio=False,
    produces_metrics=True,
    description="Check the audio lasts at least min_duration_minutes.",
)
