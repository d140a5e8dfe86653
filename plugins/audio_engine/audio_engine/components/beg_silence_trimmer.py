"""``beg_silence_trimmer``: cut the leading silence and move ``manual_segments`` into the new timeline.

Segments ending before the cut are dropped; one straddling it starts at 0.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from audio_engine import audiofile
from audio_engine.registry import Component, ComponentResult, StepInput
from audio_engine.segments import MAX_SEGMENTS, Segment, check_increasing, rounded
from audio_engine.silence import active_bounds

__all__ = ["COMPONENT", "BegSilenceTrimmerParams", "run"]


class BegSilenceTrimmerParams(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    manual_segments: Annotated[list[Segment], msgspec.Meta(max_length=MAX_SEGMENTS)] = []
    """``[start_sec, end_sec]`` pairs in the original timeline (each ``end > start``)."""

    def __post_init__(self) -> None:
        check_increasing(self.manual_segments, "manual_segments")


def run(step: StepInput, params: BegSilenceTrimmerParams) -> ComponentResult:
    data, sr = audiofile.read(step.working_path)
    bounds = active_bounds(data, sr)
    cut = bounds[0] if bounds is not None else 0
    out = audiofile.write(step.output_path("beg_trimmed"), data[:, cut:], sr)
    offset = cut / sr
    adjusted = [
        [rounded(max(0.0, start - offset)), rounded(end - offset)]
        for start, end in params.manual_segments
        if end - offset > 0
    ]
    return ComponentResult(
        output_path=str(out),
        metrics={
            "trimmed_seconds": rounded(offset),
            "original_duration_seconds": rounded(data.shape[-1] / sr),
            "duration_seconds": rounded((data.shape[-1] - cut) / sr),
            "silence_only": bounds is None,
            "manual_segments": adjusted,
        },
    )


COMPONENT = Component(
    id="beg_silence_trimmer",
    params=BegSilenceTrimmerParams,
    handler=run,
    produces_audio=True,
    produces_metrics=True,
    description="Trim leading silence; return manual_segments shifted into the trimmed timeline.",
)
