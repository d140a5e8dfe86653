"""Merging transcript words with diarization turns; finding the user (scryon/speakers.py)."""

from __future__ import annotations

import math

from scaiecho.contracts import Segment, Turn, Word
from scryon.speakers import assign_roles, build_utterances, identify_user, voice_sample


def _words(start: float, text: str, step: float = 0.4) -> list[Word]:
    return [
        Word(start=start + i * step, end=start + (i + 1) * step - 0.05, word=w, probability=0.9)
        for i, w in enumerate(text.split())
    ]


def test_words_follow_the_turns_and_split_a_segment_at_a_speaker_change() -> None:
    words = _words(0.0, "I will send it. Can you check?")
    segment = Segment(start=0.0, end=2.8, text="I will send it. Can you check?", confidence=0.8, words=words)
    turns = [Turn(start=0.0, end=1.55, speaker="SPEAKER_00"), Turn(start=1.6, end=3.0, speaker="SPEAKER_01")]
    got = build_utterances([segment], turns)
    assert [(u.speaker, u.text) for u in got] == [
        ("SPEAKER_00", "I will send it."),
        ("SPEAKER_01", "Can you check?"),
    ]
    assert got[0].start == 0.0 and got[1].end == 2.75
    assert got[0].confidence == 0.8


def test_glued_word_pieces_and_leading_spaces() -> None:
    stripped = [
        Word(start=0, end=0.3, word="follow", probability=1),
        Word(start=0.3, end=0.5, word="-up", probability=1),
    ]
    spaced = [
        Word(start=0, end=0.3, word=" It", probability=1),
        Word(start=0.3, end=0.5, word="'s", probability=1),
    ]
    turns = [Turn(start=0, end=1, speaker="A")]
    seg = Segment(start=0, end=0.5, text="", confidence=1.0, words=stripped)
    assert build_utterances([seg], turns)[0].text == "follow-up"
    seg = Segment(start=0, end=0.5, text="", confidence=1.0, words=spaced)
    assert build_utterances([seg], turns)[0].text == "It's"


def test_long_pause_starts_a_new_utterance_and_segments_without_words_are_kept_whole() -> None:
    segs = [
        Segment(start=0.0, end=1.0, text=" First part.", confidence=0.5),
        Segment(start=4.0, end=5.0, text=" After a pause.", confidence=0.7),
    ]
    got = build_utterances(segs, [Turn(start=0, end=6, speaker="A")])
    assert [u.text for u in got] == ["First part.", "After a pause."]


def test_word_outside_every_turn_goes_to_the_nearest() -> None:
    seg = Segment(start=5.0, end=5.4, text="late", confidence=1.0, words=_words(5.0, "late"))
    turns = [Turn(start=0, end=2, speaker="A"), Turn(start=6, end=8, speaker="B")]
    assert build_utterances([seg], turns)[0].speaker == "B"


def _unit(angle: float) -> list[float]:
    return [math.cos(angle), math.sin(angle)]


def test_identify_user_by_cosine_with_confidence() -> None:
    profile = _unit(0.0)
    speakers = {"SPEAKER_00": _unit(1.2), "SPEAKER_01": _unit(0.2)}  # cos 0.36 and 0.98
    found = identify_user(profile, speakers, threshold=0.75)
    assert found is not None and found.speaker == "SPEAKER_01"
    assert found.similarity == round(math.cos(0.2), 4)
    assert found.confidence > 0.99
    assert identify_user(profile, {"SPEAKER_00": _unit(1.2)}, threshold=0.75) is None


def test_close_runner_up_lowers_confidence() -> None:
    profile = _unit(0.0)
    clear = identify_user(profile, {"A": _unit(0.2), "B": _unit(1.0)}, threshold=0.75)
    ambiguous = identify_user(profile, {"A": _unit(0.2), "B": _unit(0.25)}, threshold=0.75)
    assert clear is not None and ambiguous is not None
    assert ambiguous.confidence < 0.5 < clear.confidence


def test_assign_roles() -> None:
    segs = [
        Segment(start=0, end=1, text="hi", confidence=1.0),
        Segment(start=1, end=2, text="yo", confidence=1.0),
    ]
    utts = build_utterances(segs, [Turn(start=0, end=1, speaker="A"), Turn(start=1, end=2, speaker="B")])
    assert [u.role for u in assign_roles(utts, "B")] == ["OTHER", "USER"]
    assert [u.role for u in assign_roles(utts, None)] == [None, None]


def test_voice_sample_takes_each_speakers_longest_turns() -> None:
    turns = [
        Turn(start=0, end=10, speaker="A"),
        Turn(start=10, end=40, speaker="B"),
        Turn(start=40, end=45, speaker="A"),
        Turn(start=45, end=100, speaker="A"),
        Turn(start=100, end=101, speaker="B"),
    ]
    picked = voice_sample(turns, max_seconds=50)
    # A: its 55 s turn alone passes 50 s; B: both turns (31 s) are needed.
    assert [(t.speaker, t.start) for t in picked] == [("B", 10), ("A", 45), ("B", 100)]
