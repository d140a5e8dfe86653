"""Questions asked on the call (scryon/analysis/questions.py)."""

from __future__ import annotations

from scryon.analysis.questions import questions_asked
from scryon.analysis.records import Utterance
from scryon.analysis.text import sentences_of


def test_questions_with_and_without_punctuation() -> None:
    utts = [
        Utterance(speaker="A", start=0, end=4, text="What is the budget? It is large. Right?"),
        Utterance(speaker="B", start=4, end=8, text="how many people will attend"),
        Utterance(speaker="A", start=8, end=10, text="We can meet later."),
    ]
    got = questions_asked(sentences_of(utts))
    assert [(q.speaker, q.text) for q in got] == [
        ("A", "What is the budget?"),
        ("B", "how many people will attend"),
    ]
