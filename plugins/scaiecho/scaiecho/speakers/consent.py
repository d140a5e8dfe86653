"""Does the consent recording say the consent text? Word error rate after light normalisation.

Whisper writes numbers as digits and adds punctuation; both sides are lower-cased,
stripped of punctuation and have small numbers spelled out before comparing, so
"I agree to 3 uses." matches "i agree to three uses".
"""

from __future__ import annotations

import re

__all__ = ["normalise", "word_error_rate"]

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_PUNCT = re.compile(r"[^\w\s']")


def _spell(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f" {_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {_spell(rest)}" if rest else "")
    return str(n)


def normalise(text: str) -> list[str]:
    """Lower-cased words without punctuation, numbers under 1000 spelled out."""
    text = _PUNCT.sub(" ", text.lower().replace("-", " "))
    words: list[str] = []
    for token in text.split():
        words.extend(_spell(int(token)).split() if token.isdigit() else [token.strip("'")])
    return [w for w in words if w]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words; 1.0 for an empty reference."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h))
        previous = current
    return previous[-1] / len(ref)
