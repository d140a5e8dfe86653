"""Conversation dynamics from utterance timing: talk-time share, interruptions, overlap.

Talk time is the union of a speaker's utterance spans (a speaker's own
overlapping segments are not counted twice); ``share`` divides it by the sum
over all speakers. An interruption is a speaker starting while another speaker
still has at least ``MIN_OVERLAP`` seconds of an utterance to go; overlap is the
total time two or more speakers talk at once.
"""

from __future__ import annotations

from scryon.analysis.records import Interruption, TalkTime, Utterance

__all__ = ["MIN_OVERLAP", "interruptions", "overlap_seconds", "talk_time"]

MIN_OVERLAP = 0.2


def _union(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _spans(utterances: list[Utterance]) -> dict[str, list[tuple[float, float]]]:
    by_speaker: dict[str, list[tuple[float, float]]] = {}
    for u in utterances:
        if u.end > u.start:
            by_speaker.setdefault(u.speaker, []).append((u.start, u.end))
    return {speaker: _union(spans) for speaker, spans in by_speaker.items()}


def talk_time(utterances: list[Utterance]) -> list[TalkTime]:
    """Seconds, share and number of turns per speaker, most talkative first."""
    spans = _spans(utterances)
    seconds = {speaker: sum(e - s for s, e in merged) for speaker, merged in spans.items()}
    total = sum(seconds.values())
    roles = {u.speaker: u.role for u in utterances}
    turns: dict[str, int] = {}
    previous: str | None = None
    for u in sorted(utterances, key=lambda u: (u.start, u.end)):
        if u.speaker != previous:
            turns[u.speaker] = turns.get(u.speaker, 0) + 1
            previous = u.speaker
    out = [
        TalkTime(
            speaker=speaker,
            seconds=round(value, 3),
            share=round(value / total, 4) if total else 0.0,
            turns=turns.get(speaker, 0),
            role=roles[speaker],
        )
        for speaker, value in seconds.items()
    ]
    return sorted(out, key=lambda t: (-t.seconds, t.speaker))


def interruptions(utterances: list[Utterance]) -> list[Interruption]:
    """Every start of speech inside another speaker's still-running utterance."""
    ordered = sorted(utterances, key=lambda u: (u.start, u.end))
    out: list[Interruption] = []
    for i, u in enumerate(ordered):
        for earlier in ordered[:i]:
            if earlier.speaker == u.speaker or not earlier.start < u.start:
                continue
            if earlier.end - u.start >= MIN_OVERLAP:
                out.append(
                    Interruption(
                        at=round(u.start, 3),
                        speaker=u.speaker,
                        interrupted=earlier.speaker,
                        overlap_seconds=round(min(earlier.end, u.end) - u.start, 3),
                    )
                )
                break
    return out


def overlap_seconds(utterances: list[Utterance]) -> float:
    """Total time during which at least two speakers talk at once."""
    events: list[tuple[float, int, str]] = []
    for speaker, merged in _spans(utterances).items():
        for start, end in merged:
            events.append((start, 1, speaker))
            events.append((end, -1, speaker))
    events.sort(key=lambda e: (e[0], e[1]))
    active = 0
    last = 0.0
    total = 0.0
    for time, delta, _speaker in events:
        if active >= 2:
            total += time - last
        active += delta
        last = time
    return round(total, 3)
