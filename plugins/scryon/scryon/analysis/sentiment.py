"""Sentiment per speaker with VADER, a lexicon- and rule-based scorer (``vaderSentiment``).

VADER scores each sentence with a ``compound`` value in [-1, 1] from a
human-rated lexicon of ~7,500 words plus rules for negation ("not good"),
intensifiers ("very"), punctuation and contrast ("but"). A speaker's score is
the mean compound of their sentences weighted by word count; the label follows
VADER's published cut-offs: >= 0.05 POSITIVE, <= -0.05 NEGATIVE, else NEUTRAL.
It reads words only, not tone of voice.
"""

from __future__ import annotations

from typing import Any

from scryon.analysis.records import ContentSentiment, SentimentLabel
from scryon.analysis.text import Sentence, words

__all__ = ["SentimentScorer", "label_for"]

POSITIVE_CUTOFF = 0.05


def label_for(score: float) -> SentimentLabel:
    if score >= POSITIVE_CUTOFF:
        return "POSITIVE"
    if score <= -POSITIVE_CUTOFF:
        return "NEGATIVE"
    return "NEUTRAL"


class SentimentScorer:
    """Wraps one VADER analyser (its lexicon loads from the package once)."""

    def __init__(self) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._vader: Any = SentimentIntensityAnalyzer()

    def sentence(self, text: str) -> float:
        return float(self._vader.polarity_scores(text)["compound"])

    def per_speaker(self, sentences: list[Sentence]) -> list[ContentSentiment]:
        totals: dict[str, tuple[float, int]] = {}
        for s in sentences:
            weight = max(1, len(words(s.text)))
            score, count = totals.get(s.speaker, (0.0, 0))
            totals[s.speaker] = (score + self.sentence(s.text) * weight, count + weight)
        out = []
        for speaker in sorted(totals):
            score_sum, weight_sum = totals[speaker]
            score = round(score_sum / weight_sum, 4)
            out.append(ContentSentiment(speaker=speaker, score=score, label=label_for(score)))
        return out
