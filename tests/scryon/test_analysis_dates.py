"""Due-date phrases resolved against the call's date (scryon/analysis/dates.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from scryon.analysis.dates import find_due_date

WED = dt.date(2026, 5, 27)  # a Wednesday
FRI = dt.date(2026, 5, 29)


@pytest.mark.parametrize(
    ("sentence", "ref", "expected", "phrase"),
    [
        ("I'll send the deck by Friday.", WED, dt.date(2026, 5, 29), "Friday"),
        ("Can you do it tomorrow?", WED, dt.date(2026, 5, 28), "tomorrow"),
        ("Let's meet next Tuesday.", WED, dt.date(2026, 6, 2), "next Tuesday"),
        ("Let's meet next Friday.", WED, dt.date(2026, 6, 5), "next Friday"),
        ("Send it on March 3rd.", WED, dt.date(2027, 3, 3), "March 3rd"),
        ("Send it on June 3rd.", WED, dt.date(2026, 6, 3), "June 3rd"),
        ("Wrap it up by the end of the week.", WED, FRI, "the end of the week"),
        ("Wrap it up by the end of the week.", FRI, FRI, "the end of the week"),
        ("Finish by end of next week.", WED, dt.date(2026, 6, 5), "end of next week"),
        ("Close the books by the end of the month.", WED, dt.date(2026, 5, 31), "the end of the month"),
        ("Ship in two weeks.", WED, dt.date(2026, 6, 10), "in two weeks"),
        ("Ship in 3 days.", WED, dt.date(2026, 5, 30), "in 3 days"),
        ("Call me the day after tomorrow.", WED, dt.date(2026, 5, 29), "the day after tomorrow"),
        ("Due on the 3rd of June, 2027.", WED, dt.date(2027, 6, 3), "the 3rd of June, 2027"),
        ("Due on March third.", WED, dt.date(2027, 3, 3), "March third"),
        ("Due April twenty-first.", WED, dt.date(2027, 4, 21), "April twenty-first"),
        ("Due by the 15th.", WED, dt.date(2026, 6, 15), "the 15th"),
        ("Pay by the 31st.", dt.date(2026, 6, 2), dt.date(2026, 7, 31), "the 31st"),
        ("Starting next week.", WED, dt.date(2026, 6, 1), "next week"),
        ("I'll do it today.", WED, WED, "today"),
        ("Send it on Wednesday.", WED, dt.date(2026, 6, 3), "Wednesday"),
        ("Send it this Friday.", WED, FRI, "this Friday"),
        ("Deadline 2026-07-01.", WED, dt.date(2026, 7, 1), "2026-07-01"),
        ("Send it by May 5th.", WED, dt.date(2027, 5, 5), "May 5th"),
        ("Renew on January 2nd.", dt.date(2026, 12, 30), dt.date(2027, 1, 2), "January 2nd"),
    ],
)
def test_phrases_resolve_against_the_call_date(
    sentence: str, ref: dt.date, expected: dt.date, phrase: str
) -> None:
    found = find_due_date(sentence, ref)
    assert found is not None
    assert found.date == expected
    assert found.phrase == phrase


@pytest.mark.parametrize(
    "sentence",
    ["Nothing is due here.", "I may send it later.", "We may need more time.", "Due on February 30th."],
)
def test_no_date(sentence: str) -> None:
    assert find_due_date(sentence, WED) is None


def test_leftmost_phrase_wins() -> None:
    found = find_due_date("By Friday, or at the latest next Tuesday.", WED)
    assert found is not None and found.phrase == "Friday"
