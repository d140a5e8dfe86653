"""Who said what: transcript words joined with diarization turns, and which speaker is the user.

Transcription and diarization run separately (scaiecho's services), so their
timelines are merged here. Each word goes to the diarized speaker whose turns
overlap it most (the nearest turn when none overlaps); consecutive words of one
speaker form an utterance, which closes at a speaker change or a pause longer
than ``MAX_PAUSE``. Without word timestamps, whole segments are assigned.

The user is the speaker whose mean voice embedding is closest to the user's
voice profile, when that similarity reaches the threshold. ``confidence`` maps
the similarity through a logistic around the threshold (scale 0.03: 0.5 at the
threshold, ~0.99 at +0.15) and shrinks it when a second speaker comes close
(margin below 0.1), because then the match is ambiguous.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence

import msgspec
from scaiecho.contracts import Segment, Turn
from scaigrid.backends.vectors import cosine

from scryon.analysis.records import Utterance
from scryon.wire import UserIdentification

__all__ = ["MAX_PAUSE", "assign_roles", "build_utterances", "identify_user", "voice_sample"]

MAX_PAUSE = 1.5
"""Seconds of silence inside one speaker's speech that start a new utterance."""


class _Piece(msgspec.Struct):
    start: float
    end: float
    text: str
    confidence: float
    speaker: str


def _speaker_at(turns: Sequence[Turn], starts: list[float], start: float, end: float) -> str:
    """The speaker overlapping ``[start, end]`` most, else the one nearest to it."""
    best, best_overlap = "", 0.0
    i = max(0, bisect.bisect_right(starts, end) - 1)
    # Turns are sorted by start; walk back while they can still overlap.
    while i >= 0:
        turn = turns[i]
        overlap = min(end, turn.end) - max(start, turn.start)
        if overlap > best_overlap:
            best, best_overlap = turn.speaker, overlap
        if turn.end < start - 30.0:
            break
        i -= 1
    if best:
        return best
    middle = (start + end) / 2
    nearest = min(turns, key=lambda t: min(abs(middle - t.start), abs(middle - t.end)))
    return nearest.speaker


def _pieces(segments: Sequence[Segment], turns: Sequence[Turn]) -> list[_Piece]:
    starts = [t.start for t in turns]
    out: list[_Piece] = []
    for seg in segments:
        words = list(seg.words or [])
        if not words:
            speaker = _speaker_at(turns, starts, seg.start, seg.end) if turns else "SPEAKER_00"
            out.append(_Piece(seg.start, seg.end, seg.text.strip(), seg.confidence, speaker))
            continue
        for w in words:
            speaker = _speaker_at(turns, starts, w.start, w.end) if turns else "SPEAKER_00"
            out.append(_Piece(w.start, w.end, w.word, seg.confidence, speaker))
    return out


_ATTACHED = ("-", "'", "’", ",", ".", "?", "!", "%", ":", ";")


def _join(texts: list[str]) -> str:
    # faster-whisper words carry their leading space (" Hello", "-up" glued on); stripped words
    # from other backends are spaced, except pieces that continue the previous word.
    if any(t.startswith(" ") for t in texts[1:]):
        return " ".join("".join(texts).split())
    out = ""
    for token in (t.strip() for t in texts):
        if token:
            out += token if not out or token.startswith(_ATTACHED) else f" {token}"
    return out


def build_utterances(segments: Sequence[Segment], turns: Sequence[Turn]) -> list[Utterance]:
    """The normalised transcript: one utterance per stretch of one speaker's speech."""
    ordered_turns = sorted(turns, key=lambda t: (t.start, t.end))
    pieces = [p for p in _pieces(segments, ordered_turns) if p.text.strip()]
    out: list[Utterance] = []
    group: list[_Piece] = []

    def close() -> None:
        if not group:
            return
        text = _join([p.text for p in group])
        weights = [max(p.end - p.start, 1e-3) for p in group]
        confidence = sum(p.confidence * w for p, w in zip(group, weights, strict=True)) / sum(weights)
        out.append(
            Utterance(
                speaker=group[0].speaker,
                start=round(group[0].start, 3),
                end=round(max(p.end for p in group), 3),
                text=text,
                confidence=round(min(1.0, max(0.0, confidence)), 4),
            )
        )
        group.clear()

    for piece in pieces:
        if group and (piece.speaker != group[-1].speaker or piece.start - group[-1].end > MAX_PAUSE):
            close()
        group.append(piece)
    close()
    return out


def voice_sample(turns: Sequence[Turn], max_seconds: float = 60.0) -> list[Turn]:
    """Each speaker's longest turns up to ``max_seconds``: enough for a stable mean embedding,
    without embedding a whole long call (the cost grows with the audio, the accuracy does not)."""
    by_speaker: dict[str, list[Turn]] = {}
    for turn in turns:
        by_speaker.setdefault(turn.speaker, []).append(turn)
    chosen: list[Turn] = []
    for speaker_turns in by_speaker.values():
        total = 0.0
        for turn in sorted(speaker_turns, key=lambda t: (-(t.end - t.start), t.start)):
            if total >= max_seconds:
                break
            chosen.append(turn)
            total += turn.end - turn.start
    return sorted(chosen, key=lambda t: (t.start, t.end))


def identify_user(
    profile: Sequence[float], speakers: Mapping[str, Sequence[float]], threshold: float
) -> UserIdentification | None:
    """The speaker matching the voice profile, or ``None`` when no speaker reaches ``threshold``."""
    scored = sorted(((cosine(profile, emb), label) for label, emb in speakers.items()), reverse=True)
    if not scored or scored[0][0] < threshold:
        return None
    best, label = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else -1.0
    confidence = 1.0 / (1.0 + math.exp(-(best - threshold) / 0.03))
    confidence *= min(1.0, (best - runner_up) / 0.1)
    return UserIdentification(
        speaker=label, confidence=round(confidence, 4), similarity=round(best, 4), method="VOICE_EMBEDDING"
    )


def assign_roles(utterances: list[Utterance], user_speaker: str | None) -> list[Utterance]:
    """USER for the identified speaker, OTHER for everyone else; ``None`` (unknown) when unidentified."""
    out = []
    for u in utterances:
        role = None if user_speaker is None else ("USER" if u.speaker == user_speaker else "OTHER")
        out.append(msgspec.structs.replace(u, role=role))
    return out
