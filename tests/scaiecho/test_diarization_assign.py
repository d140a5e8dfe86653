"""scaiecho/diarization/assign.py: speaker labels on segments, split at speaker changes."""

from __future__ import annotations

from scaiecho.contracts import Segment, Transcript, Turn, Word
from scaiecho.diarization.assign import assign_speakers, speaker_at

TURNS = [Turn(start=0.0, end=2.0, speaker="Alice"), Turn(start=2.2, end=4.0, speaker="SPEAKER_00")]


def _transcript(*segments: Segment) -> Transcript:
    return Transcript(
        text=" ".join(s.text for s in segments),
        language="en",
        duration_seconds=4.0,
        backend_used="A",
        model="tiny.en",
        segments=list(segments),
    )


def test_speaker_at_prefers_overlap_then_nearest() -> None:
    assert speaker_at(0.5, 1.5, TURNS) == "Alice"
    assert speaker_at(1.5, 3.5, TURNS) == "SPEAKER_00"
    assert speaker_at(4.5, 5.0, TURNS) == "SPEAKER_00"
    assert speaker_at(0.0, 1.0, []) is None


def test_segment_spanning_two_speakers_is_split_by_words() -> None:
    words = [
        Word(start=0.2, end=0.6, word="Hello", probability=0.9),
        Word(start=0.7, end=1.5, word="there.", probability=0.9),
        Word(start=2.4, end=2.8, word="Hi", probability=0.8),
        Word(start=2.9, end=3.5, word="back.", probability=0.8),
    ]
    seg = Segment(start=0.0, end=3.6, text="Hello there. Hi back.", confidence=0.8, words=words)
    out = assign_speakers(_transcript(seg), TURNS, keep_words=False)
    assert [(s.speaker_label, s.text) for s in out.segments] == [
        ("Alice", "Hello there."),
        ("SPEAKER_00", "Hi back."),
    ]
    assert out.segments[0].start == 0.0 and out.segments[1].end == 3.6
    assert all(s.words is None for s in out.segments)
    kept = assign_speakers(_transcript(seg), TURNS, keep_words=True)
    assert [len(s.words or []) for s in kept.segments] == [2, 2]


def test_segment_without_words_takes_the_majority_speaker() -> None:
    seg = Segment(start=1.0, end=3.9, text="mostly the second person", confidence=0.7)
    out = assign_speakers(_transcript(seg), TURNS, keep_words=False)
    assert [s.speaker_label for s in out.segments] == ["SPEAKER_00"]
    assert out.text == "mostly the second person"
