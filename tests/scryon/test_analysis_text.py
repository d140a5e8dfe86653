"""Sentence splitting with interpolated times (scryon/analysis/text.py)."""

from __future__ import annotations

import itertools

from scryon.analysis.records import Utterance
from scryon.analysis.text import sentences_of, words


def test_sentences_split_at_punctuation_and_share_the_span() -> None:
    utt = Utterance(speaker="A", start=10.0, end=20.0, text="First one here. Second one is longer! Third?")
    got = sentences_of([utt])
    assert [s.text for s in got] == ["First one here.", "Second one is longer!", "Third?"]
    assert got[0].start == 10.0
    assert got[-1].end == 20.0
    assert all(a.end == b.start for a, b in itertools.pairwise(got))
    assert [s.index for s in got] == [0, 1, 2]
    assert {s.speaker for s in got} == {"A"}


def test_empty_utterances_are_skipped_and_whitespace_collapsed() -> None:
    got = sentences_of(
        [
            Utterance(speaker="A", start=0, end=1, text="   "),
            Utterance(speaker="B", start=1, end=2, text="hello   there"),
        ]
    )
    assert [(s.speaker, s.text) for s in got] == [("B", "hello there")]


def test_words_keep_contractions() -> None:
    assert words("I’ll send 3 files, OK?") == ["i'll", "send", "3", "files", "ok"]
