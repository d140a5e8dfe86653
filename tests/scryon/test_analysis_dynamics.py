"""Talk time, interruptions and overlap from utterance timing (scryon/analysis/dynamics.py)."""

from __future__ import annotations

from scryon.analysis.dynamics import interruptions, overlap_seconds, talk_time
from scryon.analysis.records import Utterance


def _u(speaker: str, start: float, end: float, role: str | None = None) -> Utterance:
    extra = {"role": role} if role else {}
    return Utterance(speaker=speaker, start=start, end=end, text="x", **extra)


def test_talk_time_shares_and_turns() -> None:
    utts = [_u("A", 0, 6, "USER"), _u("B", 6, 8), _u("A", 8, 10, "USER"), _u("A", 9, 12, "USER")]
    got = {t.speaker: t for t in talk_time(utts)}
    assert got["A"].seconds == 10.0  # 0-6 plus the union 8-12
    assert got["B"].seconds == 2.0
    assert got["A"].share == round(10 / 12, 4)
    assert got["A"].turns == 2 and got["B"].turns == 1
    assert got["A"].role == "USER"
    assert [t.speaker for t in talk_time(utts)] == ["A", "B"]  # most talkative first


def test_interruption_needs_real_overlap() -> None:
    utts = [_u("A", 0, 5), _u("B", 4.5, 7), _u("A", 7.1, 9), _u("B", 8.95, 10)]
    got = interruptions(utts)
    assert len(got) == 1  # 8.95 is within the 0.2 s tolerance of A's end at 9
    assert (got[0].speaker, got[0].interrupted, got[0].at, got[0].overlap_seconds) == ("B", "A", 4.5, 0.5)


def test_overlap_seconds_counts_simultaneous_speech_once() -> None:
    utts = [_u("A", 0, 5), _u("B", 4, 6), _u("C", 4.5, 5.5)]
    assert overlap_seconds(utts) == 1.5  # 4..5.5 has two or more speakers
    assert overlap_seconds([_u("A", 0, 1), _u("B", 1, 2)]) == 0.0


def test_empty_call() -> None:
    assert talk_time([]) == [] and interruptions([]) == [] and overlap_seconds([]) == 0.0
