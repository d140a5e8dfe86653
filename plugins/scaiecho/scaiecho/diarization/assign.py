"""Put speaker labels on transcript segments.

Whisper segments follow pauses, not speakers, so one segment can hold two
people. With word timestamps each word takes the speaker of the turn around its
midpoint and a segment is split where the speaker changes; without them the
whole segment takes the speaker it overlaps most.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from scaiecho.contracts import Segment, Transcript, Turn, Word

__all__ = ["assign_speakers", "speaker_at"]


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def speaker_at(start: float, end: float, turns: Sequence[Turn]) -> str | None:
    """The speaker overlapping ``[start, end]`` most, else the nearest turn's speaker."""
    if not turns:
        return None
    totals: dict[str, float] = {}
    for t in turns:
        ov = _overlap(start, end, t.start, t.end)
        if ov > 0:
            totals[t.speaker] = totals.get(t.speaker, 0.0) + ov
    if totals:
        return max(totals.items(), key=lambda kv: kv[1])[0]
    mid = (start + end) / 2
    nearest = min(turns, key=lambda t: min(abs(mid - t.start), abs(mid - t.end)))
    return nearest.speaker


def _labelled(segment: Segment, label: str | None, keep_words: bool) -> Segment:
    return msgspec.structs.replace(segment, speaker_label=label, words=segment.words if keep_words else None)


def _split(segment: Segment, turns: Sequence[Turn], keep_words: bool) -> list[Segment]:
    words = segment.words or []
    if not words:
        return [_labelled(segment, speaker_at(segment.start, segment.end, turns), keep_words)]
    runs: list[tuple[str | None, list[Word]]] = []
    for w in words:
        label = speaker_at(w.start, w.end, turns)
        if runs and runs[-1][0] == label:
            runs[-1][1].append(w)
        else:
            runs.append((label, [w]))
    if len(runs) == 1:
        return [_labelled(segment, runs[0][0], keep_words)]
    out: list[Segment] = []
    for i, (label, run) in enumerate(runs):
        out.append(
            Segment(
                start=segment.start if i == 0 else run[0].start,
                end=segment.end if i == len(runs) - 1 else run[-1].end,
                text=" ".join(w.word for w in run).strip(),
                confidence=segment.confidence,
                speaker_label=label,
                words=list(run) if keep_words else None,
            )
        )
    return out


def assign_speakers(transcript: Transcript, turns: Sequence[Turn], *, keep_words: bool) -> Transcript:
    """A copy of ``transcript`` whose segments carry ``speaker_label`` (split at speaker changes)."""
    segments = [piece for seg in transcript.segments for piece in _split(seg, turns, keep_words)]
    return Transcript(
        text=transcript.text,
        language=transcript.language,
        duration_seconds=transcript.duration_seconds,
        backend_used=transcript.backend_used,
        model=transcript.model,
        segments=segments,
    )
