"""scaiecho/speakers/consent.py: normalisation and word error rate of consent recordings."""

from __future__ import annotations

import pytest
from scaiecho.speakers.consent import normalise, word_error_rate


def test_normalise_lowercases_strips_punctuation_and_spells_numbers() -> None:
    assert normalise("I agree to 3 uses, on 21 days!") == [
        "i",
        "agree",
        "to",
        "three",
        "uses",
        "on",
        "twenty",
        "one",
        "days",
    ]
    assert normalise("Twenty-five") == ["twenty", "five"]
    assert normalise("It's 105.") == ["it's", "one", "hundred", "five"]


@pytest.mark.parametrize(
    ("reference", "hypothesis", "expected"),
    [
        ("i agree to be recorded", "I agree to be recorded.", 0.0),
        ("i agree to be recorded", "i agree to be", 0.2),
        ("i agree to be recorded", "you agree to be recorded today", 0.4),
        ("i agree", "", 1.0),
    ],
)
def test_word_error_rate(reference: str, hypothesis: str, expected: float) -> None:
    assert word_error_rate(reference, hypothesis) == pytest.approx(expected)


def test_word_error_rate_of_an_empty_reference() -> None:
    assert word_error_rate("", "") == 0.0
    assert word_error_rate("", "something") == 1.0
