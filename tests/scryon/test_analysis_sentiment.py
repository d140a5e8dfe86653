"""Per-speaker VADER sentiment (scryon/analysis/sentiment.py)."""

from __future__ import annotations

from scryon.analysis.records import Utterance
from scryon.analysis.sentiment import SentimentScorer, label_for
from scryon.analysis.text import sentences_of


def test_speakers_get_their_own_polarity() -> None:
    utts = [
        Utterance(
            speaker="HAPPY",
            start=0,
            end=3,
            text="This is great news, thank you so much! I love the new design.",
        ),
        Utterance(
            speaker="UPSET",
            start=3,
            end=6,
            text="This is a disaster. I am very unhappy with the terrible delays.",
        ),
        Utterance(speaker="FLAT", start=6, end=9, text="The meeting is on the third floor."),
    ]
    got = {s.speaker: s for s in SentimentScorer().per_speaker(sentences_of(utts))}
    assert got["HAPPY"].label == "POSITIVE" and got["HAPPY"].score > 0.5
    assert got["UPSET"].label == "NEGATIVE" and got["UPSET"].score < -0.5
    assert got["FLAT"].label == "NEUTRAL"


def test_negation_flips_polarity() -> None:
    scorer = SentimentScorer()
    assert scorer.sentence("The plan is good.") > 0 > scorer.sentence("The plan is not good.")


def test_label_cutoffs() -> None:
    assert (label_for(0.05), label_for(0.049), label_for(-0.05)) == ("POSITIVE", "NEUTRAL", "NEGATIVE")
