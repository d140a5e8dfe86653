"""``split_audio_channel``: one mono file per channel; the pipeline's final outputs (must be last)."""

from __future__ import annotations

import msgspec

from audio_engine import audiofile
from audio_engine.registry import Component, ComponentResult, StepInput

__all__ = ["COMPONENT", "SplitAudioChannelParams", "run"]


class SplitAudioChannelParams(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    pass


def run(step: StepInput, params: SplitAudioChannelParams) -> ComponentResult:
    data, sr = audiofile.read(step.working_path)
    paths = [
        str(audiofile.write(step.output_path(f"channel{c + 1}"), data[c], sr)) for c in range(data.shape[0])
    ]
    return ComponentResult(output_paths=paths, metrics={"channels": len(paths)})


COMPONENT = Component(
    id="split_audio_channel",
    params=SplitAudioChannelParams,
    handler=run,
    produces_audio=True,
    produces_metrics=True,
    must_be_last=lambda params: True,
    description="Split into one mono file per channel; must be the last pipeline entry.",
)
