"""``slice_audio``: cut ``[start, end]`` ranges out of the working audio.

No ranges is a passthrough; one range becomes the new working audio; several ranges are
the pipeline's final outputs, so such an entry must be the last one. A range ending past
the audio is clamped; one starting past it is the caller's error.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from audio_engine import audiofile
from audio_engine.errors import ComponentInputError
from audio_engine.registry import Component, ComponentResult, StepInput
from audio_engine.segments import MAX_SEGMENTS, Segment, check_increasing, rounded

__all__ = ["COMPONENT", "RANGE_OUT_OF_BOUNDS", "SliceAudioParams", "run"]

RANGE_OUT_OF_BOUNDS = "AUDIO_ENGINE_RANGE_OUT_OF_BOUNDS"


class SliceAudioParams(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    ranges: Annotated[list[Segment], msgspec.Meta(max_length=MAX_SEGMENTS)] = []
    """``[start_sec, end_sec]`` pairs (each ``end > start``)."""

    def __post_init__(self) -> None:
        check_increasing(self.ranges, "ranges")


def run(step: StepInput, params: SliceAudioParams) -> ComponentResult:
    if not params.ranges:
        return ComponentResult(
            output_path=str(step.working_path), output_paths=[str(step.working_path)], metrics={"slices": []}
        )
    data, sr = audiofile.read(step.working_path)
    duration = data.shape[-1] / sr
    paths: list[str] = []
    slices: list[list[float]] = []
    for i, (start, end) in enumerate(params.ranges):
        if start >= duration:
            raise ComponentInputError(
                f"slice_audio range {i} starts at {start}s, past the end of the audio ({duration:.3f}s)",
                code=RANGE_OUT_OF_BOUNDS,
                details={"index": i, "range": [start, end], "duration_seconds": rounded(duration)},
            )
        first, last = round(start * sr), min(data.shape[-1], round(end * sr))
        paths.append(str(audiofile.write(step.output_path(f"slice{i:03d}"), data[:, first:last], sr)))
        slices.append([rounded(first / sr), rounded(last / sr)])
    return ComponentResult(
        output_path=paths[0] if len(paths) == 1 else None, output_paths=paths, metrics={"slices": slices}
    )


COMPONENT = Component(
    id="slice_audio",
    params=SliceAudioParams,
    handler=run,
    produces_audio=True,
    produces_metrics=True,
    must_be_last=lambda params: len(params.ranges) > 1,
    description="Cut ranges out of the audio; several ranges must be the last pipeline entry.",
)
