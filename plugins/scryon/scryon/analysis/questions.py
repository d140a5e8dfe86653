"""Questions asked on the call: sentences ending in '?', or opening like a question when the
transcriber dropped the punctuation."""

from __future__ import annotations

import re

from scryon.analysis.records import ContentQuestion
from scryon.analysis.text import Sentence

__all__ = ["questions_asked"]

_OPENERS = re.compile(
    r"^(?:so,?\s+|and\s+|but\s+|okay,?\s+)?(?:what|when|where|why|how|who|whom|which|"
    r"(?:do|does|did|can|could|would|will|is|are|was|were|should|shall|have|has|may)\s+"
    r"(?:you|we|i|they|he|she|it|there|this|that))\b",
    re.I,
)
#: Formulas that are phrased as questions but ask nothing of substance.
_FORMULAS = re.compile(r"^(?:right|okay|ok|yeah|you know|isn't it|huh|sorry|what)\?*$", re.I)


def questions_asked(sentences: list[Sentence]) -> list[ContentQuestion]:
    out: list[ContentQuestion] = []
    for s in sentences:
        text = s.text.strip()
        if _FORMULAS.match(text):
            continue
        if text.endswith("?") or (not text.endswith((".", "!")) and _OPENERS.match(text)):
            out.append(ContentQuestion(text=text, speaker=s.speaker))
    return out
