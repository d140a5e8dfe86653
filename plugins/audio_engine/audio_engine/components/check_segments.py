"""``check_segments``: a verdict per ``[start, end]`` segment against the audio.

A segment is valid when it is well formed (``end > start``), inside the audio (up to
``tolerance_sec`` past the end), in order (starts no earlier than the previous one),
does not overlap the previous one, and contains speech: VAD speech covers at least
``min_speech_ratio`` of it.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from audio_engine import audiofile
from audio_engine.registry import Component, ComponentResult, StepInput
from audio_engine.resources import VAD
from audio_engine.segments import MAX_SEGMENTS, overlap_seconds, rounded
from audio_engine.vad import VAD_SAMPLE_RATE, VadParams, speech_spans

__all__ = ["COMPONENT", "CheckSegmentsParams", "run"]

AnySegment = tuple[float, float]


class CheckSegmentsParams(VadParams, kw_only=True, forbid_unknown_fields=True):
    segments: Annotated[list[AnySegment], msgspec.Meta(max_length=MAX_SEGMENTS)] = []
    """``[start_sec, end_sec]`` pairs to check; malformed ones get a verdict, not a 400."""
    min_speech_ratio: Annotated[float, msgspec.Meta(gt=0, le=1)] = 0.2
    tolerance_sec: Annotated[float, msgspec.Meta(ge=0)] = 0.0


def _verdict(
    index: int,
    segment: AnySegment,
    previous: AnySegment | None,
    duration: float,
    speech: list[tuple[float, float]],
    params: CheckSegmentsParams,
) -> dict[str, Any]:
    start, end = segment
    issues: list[str] = []
    well_formed = end > start
    if not well_formed:
        issues.append("end_not_after_start")
    in_bounds = start >= 0 and end <= duration + params.tolerance_sec
    if not in_bounds:
        issues.append("out_of_bounds")
    ordered = previous is None or start >= previous[0]
    if not ordered:
        issues.append("not_in_order")
    overlaps = previous is not None and start < previous[1] and end > previous[0]
    if overlaps:
        issues.append("overlaps_previous")
    length = max(0.0, end - start)
    speech_seconds = overlap_seconds(start, end, speech) if well_formed else 0.0
    ratio = speech_seconds / length if length > 0 else 0.0
    contains_speech = speech_seconds > 0 and ratio >= params.min_speech_ratio
    if not contains_speech:
        issues.append("no_speech")
    return {
        "index": index,
        "start": start,
        "end": end,
        "valid": not issues,
        "issues": issues,
        "in_bounds": in_bounds,
        "ordered": well_formed and ordered,
        "overlaps_previous": overlaps,
        "contains_speech": contains_speech,
        "speech_seconds": rounded(speech_seconds),
        "speech_ratio": round(ratio, 4),
    }


def run(step: StepInput, params: CheckSegmentsParams) -> ComponentResult:
    audio, sr = audiofile.read_mono(step.working_path, VAD_SAMPLE_RATE)
    duration = audio.shape[0] / sr
    speech = speech_spans(step.resources[VAD], audio, params)
    verdicts = [
        _verdict(i, seg, params.segments[i - 1] if i else None, duration, speech, params)
        for i, seg in enumerate(params.segments)
    ]
    invalid = sum(1 for v in verdicts if not v["valid"])
    return ComponentResult(
        metrics={
            "duration_seconds": rounded(duration),
            "segment_count": len(verdicts),
            "valid_count": len(verdicts) - invalid,
            "invalid_count": invalid,
            "all_valid": invalid == 0,
            "segments": verdicts,
            "speech_segments": [[rounded(s), rounded(e)] for s, e in speech],
        }
    )


COMPONENT = Component(
    id="check_segments",
    params=CheckSegmentsParams,
    handler=run,
    produces_audio=False,
    produces_metrics=True,
    needs=(VAD,),
    description="Per-segment verdicts: in bounds, ordered, non-overlapping, containing speech (VAD).",
)
