"""Action items and decisions: phrasing rules propose candidates, sentence embeddings confirm them.

Rules catch the three ways people assign work on a call:

- ``COMMITMENT`` — the speaker takes it on ("I'll send…", "I will…", "let me…"): owner = speaker.
- ``REQUEST`` — the speaker asks someone else ("can you…", "could you…", "please…",
  "I need you to…"): owner = the addressee, i.e. the next other speaker to talk
  (the only other speaker on a two-party call).
- ``PROPOSAL`` — shared work ("let's…", "we need to…", "we should…", "we'll…"): owner = speaker.

Each candidate is then compared with prototype sentences: it is kept when it is
closer to a task ("send the report to the client") than to a conversational
formula that shares the phrasing ("can you hear me", "let me think"). A sentence
no rule matched is still an action item when it states a due date and its
embedding is very close to a task prototype. Owners are speaker labels here;
:mod:`scryon.analysis.assemble` turns them into ``USER``/``OTHER`` when roles are known.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np

from scryon.analysis.dates import find_due_date
from scryon.analysis.embedder import Embedder
from scryon.analysis.records import ActionKind, ContentActionItem
from scryon.analysis.text import Sentence

__all__ = ["extract_action_items", "extract_decisions"]

_APOS = "['’]"
_RULES: list[tuple[ActionKind, re.Pattern[str]]] = [
    (
        "REQUEST",
        re.compile(
            rf"^(?:(?:and|so|ok(?:ay)?|also|oh|alright|then|now)[,\s]+)*"
            rf"(?:(?:can|could|would|will)\s+you(?:\s+(?:please|also|maybe|just))?|"
            rf"(?:would|do)\s+you\s+mind|please|i\s+need\s+you\s+to|i\s+want\s+you\s+to|"
            rf"i{_APOS}d\s+like\s+you\s+to|make\s+sure\s+(?:that\s+)?you|you\s+(?:need|have)\s+to|"
            rf"you\s+should|you{_APOS}ll\s+need\s+to)\s+(?P<rest>.+)$",
            re.I,
        ),
    ),
    (
        "COMMITMENT",
        re.compile(
            rf"^(?:(?:and|so|ok(?:ay)?|sure|yes|yeah|alright|great|then|fine|right)[,\s]+)*"
            rf"(?:i{_APOS}ll|i\s+will|i\s+shall|i{_APOS}m\s+going\s+to|i\s+am\s+going\s+to|i{_APOS}m\s+gonna|"
            rf"let\s+me|i\s+(?:can|need\s+to|have\s+to|must|promise\s+to|plan\s+to))"
            rf"(?:\s+(?:also|definitely|just|quickly|then|make\s+sure\s+to|go\s+ahead\s+and))*\s+(?P<rest>.+)$",
            re.I,
        ),
    ),
    (
        "PROPOSAL",
        re.compile(
            rf"^(?:(?:and|so|ok(?:ay)?|then|alright|great|also)[,\s]+)*"
            rf"(?:let{_APOS}s|let\s+us|we\s+(?:need|have|ought)\s+to|we\s+should|we\s+must|we{_APOS}ll|we\s+will|"
            rf"we{_APOS}re\s+going\s+to)(?:\s+(?:also|definitely|just|then))*\s+(?P<rest>.+)$",
            re.I,
        ),
    ),
]

# The verb after the modal decides whether anything gets done at all.
_NON_TASK_VERBS = frozenset(
    """
be see think know guess say admit hear talk wonder hope feel mean imagine suppose bet
""".split()  # noqa: SIM905 - a word list reads best as text
)
# Meeting-flow phrases ("let's go over the plan") are agenda, not work, unless a date is attached.
_AGENDA = re.compile(
    r"^(?:go\s+(?:over|through)|discuss|talk|chat|start|begin|get\s+started|move\s+on|wrap\s+(?:up|this\s+up)|"
    r"recap|catch\s+up|dive\s+in|jump\s+in|focus\s+on|look\s+at)\b",
    re.I,
)
_VAGUE_OBJECTS = re.compile(r"^(?:do|handle|take care of|manage)\s+(?:it|that|this|so)\W*$", re.I)

_TASK_PROTOTYPES = [
    "I will send you the report by Friday.",
    "Can you review the contract and send me your comments?",
    "Let's schedule a follow-up meeting next week.",
    "We need to update the budget spreadsheet.",
    "Please email the invoice to the client.",
    "I'll call the supplier and confirm the delivery date.",
    "Could you prepare the slides for the presentation?",
    "I'll book the meeting room for Tuesday.",
    "We should share the draft with the legal team.",
    "Send the signed agreement back to me.",
]
_NON_TASK_PROTOTYPES = [
    "Can you hear me?",
    "Let me think about it.",
    "I'll be honest with you.",
    "Let's see.",
    "I will say that it was a good quarter.",
    "Could you repeat that?",
    "We should be fine.",
    "I can't complain.",
    "Can you believe it?",
    "Let me know what you think.",
]
_DECISION_CUE = re.compile(
    r"\b(?:we(?:['’]ve|\s+have)?\s+(?:decided|agreed|agree\s+to|settled|chosen|chose)|"
    r"(?:it['’]s|that['’]s|it\s+is)\s+(?:decided|agreed|settled|final)|"
    r"(?:let['’]s|we['’]ll|we\s+will|we['’]re\s+going\s+to)\s+go\s+(?:with|ahead)|"
    r"we['’]re\s+going\s+with|the\s+decision\s+is|decision\s+made|"
    r"(?:is|are|was|were|has\s+been|have\s+been)\s+(?:approved|confirmed)|final\s+decision|"
    r"\bagreed\b)",
    re.I,
)

#: A candidate is kept when its task similarity beats its non-task similarity by this margin.
TASK_MARGIN = 0.0
#: A sentence no rule matched needs a due date and this similarity to a task prototype.
UNRULED_TASK_SIMILARITY = 0.45
#: Restatements of a kept item above this similarity are dropped.
DUPLICATE_SIMILARITY = 0.9


def _tidy(rest: str) -> str:
    text = rest.strip().rstrip("?.!,; ")
    text = re.sub(r"^(?:please|also|just)\s+", "", text, flags=re.I)
    text = re.sub(r",?\s+(?:please|okay|ok|alright|right)$", "", text, flags=re.I)
    return text[:1].upper() + text[1:] if text else text


def _addressee(sentences: list[Sentence], position: int) -> str | None:
    speaker = sentences[position].speaker
    for later in sentences[position + 1 :]:
        if later.speaker != speaker:
            return later.speaker
    for earlier in reversed(sentences[:position]):
        if earlier.speaker != speaker:
            return earlier.speaker
    return None


def extract_action_items(
    sentences: list[Sentence], embedder: Embedder, call_date: dt.date
) -> list[ContentActionItem]:
    """Find action items in ``sentences`` (chronological), with owners and resolved due dates."""
    if not sentences:
        return []
    candidates: list[tuple[int, ActionKind | None, str]] = []
    for pos, sentence in enumerate(sentences):
        matched = False
        for kind, rule in _RULES:
            m = rule.match(sentence.text.strip())
            if not m:
                continue
            rest = m.group("rest")
            first = rest.split()[0].lower().strip(",.") if rest.split() else ""
            agenda = _AGENDA.match(rest) and find_due_date(rest, call_date) is None
            if first in _NON_TASK_VERBS or agenda or _VAGUE_OBJECTS.match(rest) or len(rest.split()) < 2:
                matched = True
                break
            candidates.append((pos, kind, _tidy(rest)))
            matched = True
            break
        if not matched and find_due_date(sentence.text, call_date) is not None:
            candidates.append((pos, None, _tidy(sentence.text)))
    if not candidates:
        return []

    texts = [sentences[pos].text for pos, _, _ in candidates]
    vectors = embedder.encode(texts + _TASK_PROTOTYPES + _NON_TASK_PROTOTYPES)
    cand = vectors[: len(texts)]
    task = vectors[len(texts) : len(texts) + len(_TASK_PROTOTYPES)]
    non_task = vectors[len(texts) + len(_TASK_PROTOTYPES) :]
    task_sim = (cand @ task.T).max(axis=1)
    non_sim = (cand @ non_task.T).max(axis=1)

    items: list[ContentActionItem] = []
    kept_vectors: list[np.ndarray[Any, np.dtype[np.float32]]] = []
    for i, (pos, ruled_kind, text) in enumerate(candidates):
        if task_sim[i] - non_sim[i] <= TASK_MARGIN:
            continue
        if ruled_kind is None and task_sim[i] < UNRULED_TASK_SIMILARITY:
            continue
        found: ActionKind = ruled_kind or "COMMITMENT"
        if any(float(cand[i] @ v) >= DUPLICATE_SIMILARITY for v in kept_vectors):
            continue
        sentence = sentences[pos]
        owner = sentence.speaker
        if found == "REQUEST":
            owner = _addressee(sentences, pos) or sentence.speaker
        due = find_due_date(sentence.text, call_date)
        items.append(
            ContentActionItem(
                text=text,
                owner=owner,
                speaker=sentence.speaker,
                kind=found,
                quote=sentence.text,
                due_date=due.date.isoformat() if due else None,
                due_text=due.phrase if due else None,
            )
        )
        kept_vectors.append(cand[i])
    return items


def extract_decisions(sentences: list[Sentence]) -> list[str]:
    """Sentences that record a decision ("we agreed…", "let's go with…", "…is approved")."""
    out: list[str] = []
    seen: set[str] = set()
    for sentence in sentences:
        if sentence.text.rstrip().endswith("?"):
            continue
        if _DECISION_CUE.search(sentence.text):
            key = sentence.text.lower()
            if key not in seen:
                seen.add(key)
                out.append(sentence.text)
    return out
