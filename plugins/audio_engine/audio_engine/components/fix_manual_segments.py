"""``fix_manual_segments``: snap manual segments onto the speech the VAD finds.

Each start moves to the nearest VAD speech onset and each end to the nearest speech
offset, when one lies within ``max_snap_sec``; reversed pairs are swapped, everything is
clamped to the audio, segments with no speech are dropped (``drop_without_speech``) and
overlapping results are merged.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from audio_engine import audiofile
from audio_engine.registry import Component, ComponentResult, StepInput
from audio_engine.resources import VAD
from audio_engine.segments import MAX_SEGMENTS, Segment, merge, overlap_seconds, rounded
from audio_engine.vad import VAD_SAMPLE_RATE, VadParams, speech_spans

__all__ = ["COMPONENT", "FixManualSegmentsParams", "run", "snap"]


class FixManualSegmentsParams(VadParams, kw_only=True, forbid_unknown_fields=True):
    segments: Annotated[list[Segment], msgspec.Meta(max_length=MAX_SEGMENTS)] = []
    """``[start_sec, end_sec]`` pairs in the working audio's timeline."""
    max_snap_sec: Annotated[float, msgspec.Meta(ge=0)] = 0.5
    """A boundary moves only to a speech boundary at most this far away."""
    drop_without_speech: bool = True


def _nearest(value: float, candidates: list[float], limit: float) -> float | None:
    best = min(candidates, key=lambda c: abs(c - value), default=None)
    return best if best is not None and abs(best - value) <= limit else None


def snap(
    segments: list[tuple[float, float]],
    speech: list[tuple[float, float]],
    duration: float,
    *,
    max_snap_sec: float,
    drop_without_speech: bool,
) -> tuple[list[tuple[float, float]], list[dict[str, Any]]]:
    """The fixed, merged segments and one change record per input segment."""
    onsets = [s for s, _ in speech]
    offsets = [e for _, e in speech]
    fixed: list[tuple[float, float]] = []
    changes: list[dict[str, Any]] = []
    for i, (raw_start, raw_end) in enumerate(segments):
        actions: list[str] = []
        start, end = raw_start, raw_end
        if end < start:
            start, end = end, start
            actions.append("swapped")
        if end > duration or start > duration:
            start, end = min(start, duration), min(end, duration)
            actions.append("clamped")
        new_start = _nearest(start, onsets, max_snap_sec)
        new_end = _nearest(end, offsets, max_snap_sec)
        if new_start is not None and new_start != start and new_start < (new_end or end):
            start = new_start
            actions.append("start_snapped")
        if new_end is not None and new_end != end and new_end > start:
            end = new_end
            actions.append("end_snapped")
        result: tuple[float, float] | None = (start, end)
        if end - start <= 0:
            result = None
            actions.append("dropped_empty")
        elif drop_without_speech and overlap_seconds(start, end, speech) <= 0:
            result = None
            actions.append("dropped_no_speech")
        if result is not None:
            fixed.append(result)
        changes.append(
            {
                "index": i,
                "original": [raw_start, raw_end],
                "fixed": [rounded(result[0]), rounded(result[1])] if result else None,
                "actions": actions,
            }
        )
    return merge(fixed), changes


def run(step: StepInput, params: FixManualSegmentsParams) -> ComponentResult:
    audio, sr = audiofile.read_mono(step.working_path, VAD_SAMPLE_RATE)
    duration = audio.shape[0] / sr
    speech = speech_spans(step.resources[VAD], audio, params)
    segments, changes = snap(
        [(float(s), float(e)) for s, e in params.segments],
        speech,
        duration,
        max_snap_sec=params.max_snap_sec,
        drop_without_speech=params.drop_without_speech,
    )
    kept = sum(1 for c in changes if c["fixed"] is not None)
    return ComponentResult(
        metrics={
            "segments": [[rounded(s), rounded(e)] for s, e in segments],
            "changes": changes,
            "dropped_count": len(changes) - kept,
            "merged_count": kept - len(segments),
            "duration_seconds": rounded(duration),
            "speech_segments": [[rounded(s), rounded(e)] for s, e in speech],
        }
    )


COMPONENT = Component(
    id="fix_manual_segments",
    params=FixManualSegmentsParams,
    handler=run,
    produces_audio=False,
    produces_metrics=True,
    needs=(VAD,),
    description="Snap manual segments to VAD speech boundaries, merge overlaps, clamp to the audio.",
)
