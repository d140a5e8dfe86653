"""Turn what a backend filled into the served :class:`~scryon.analysis.records.Analysis`.

One place for everything that must not depend on which backend ran: the data
is validated against the content schema (a bad relay answer fails the call
with ``analysis_invalid_output``), speaker labels become ``USER``/``OTHER`` where
the roles are known, each action item and question is located in the
transcript by its quote, due dates are checked (a relayed date that does not
parse is re-derived from the stated words), and the timing metrics are
computed from the utterances.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from msgspec import UNSET
from scaigrid.errors import ScaigridError

from scryon.analysis.dates import find_due_date
from scryon.analysis.dynamics import interruptions, overlap_seconds, talk_time
from scryon.analysis.records import (
    ActionItemDraft,
    Analysis,
    AnalysisContent,
    CallInput,
    Question,
    SpeakerSentiment,
)
from scryon.analysis.text import Sentence, sentences_of, words

__all__ = ["INVALID_OUTPUT", "assemble", "parse_content"]

INVALID_OUTPUT = "analysis_invalid_output"


def parse_content(data: Any) -> AnalysisContent:
    try:
        return msgspec.convert(data, AnalysisContent)
    except msgspec.ValidationError as exc:
        raise ScaigridError(
            502, INVALID_OUTPUT, f"the analysis backend returned data outside the schema: {exc}"
        ) from exc


def _locate(quote: str, sentences: list[Sentence]) -> Sentence | None:
    """The sentence that contains the quote, or failing that the one sharing most of its words."""
    needle = " ".join(quote.split()).lower()
    for s in sentences:
        if needle and (needle in s.text.lower() or s.text.lower() in needle):
            return s
    target = set(words(quote))
    best: tuple[float, Sentence | None] = (0.0, None)
    for s in sentences:
        have = set(words(s.text))
        if target and have:
            score = len(target & have) / len(target | have)
            if score > best[0]:
                best = (score, s)
    return best[1] if best[0] >= 0.5 else None


def _due(item_date: str | None, item_text: str | None, quote: str, call_date: dt.date) -> dict[str, Any]:
    if item_date:
        try:
            return {"due_date": dt.date.fromisoformat(item_date), "due_text": item_text or UNSET}
        except ValueError:
            pass
    for text in (item_text, quote):
        found = find_due_date(text, call_date) if text else None
        if found is not None:
            return {"due_date": found.date, "due_text": found.phrase}
    return {}


def assemble(data: Any, call: CallInput, *, backend: str, model: str) -> Analysis:
    """Validate ``data`` (an :class:`AnalysisContent` object) and complete it into an ``Analysis``."""
    content = parse_content(data)
    sentences = sentences_of(call.utterances)
    roles: dict[str, Any] = {u.speaker: u.role for u in call.utterances}

    def owner_of(label: str) -> str:
        role = roles.get(label)
        return role if isinstance(role, str) else label

    items: list[ActionItemDraft] = []
    for item in content.action_items:
        where = _locate(item.quote, sentences)
        speaker = item.speaker if item.speaker in roles or where is None else where.speaker
        items.append(
            ActionItemDraft(
                text=item.text.strip(),
                owner=owner_of(item.owner),
                speaker=speaker,
                kind=item.kind,
                quote=item.quote,
                start=where.start if where else 0.0,
                **_due(item.due_date, item.due_text, item.quote, call.call_date),
            )
        )
    questions = []
    for q in content.questions:
        where = _locate(q.text, sentences)
        questions.append(
            Question(
                text=q.text,
                speaker=q.speaker,
                start=where.start if where else 0.0,
                role=roles.get(q.speaker, UNSET),
            )
        )
    return Analysis(
        summary=content.summary,
        key_points=content.key_points,
        decisions=content.decisions,
        action_items=items,
        topics=content.topics,
        questions=questions,
        sentiment=[
            SpeakerSentiment(
                speaker=s.speaker, score=s.score, label=s.label, role=roles.get(s.speaker, UNSET)
            )
            for s in content.sentiment
        ],
        talk_time=talk_time(call.utterances),
        interruptions=interruptions(call.utterances),
        overlap_seconds=overlap_seconds(call.utterances),
        duration_seconds=round(call.duration_seconds, 3),
        backend=backend,
        model=model,
    )
