"""What an analysis backend receives and returns; the JSON shape of ``GET /api/calls/{id}/analysis``.

Fields use camelCase on the wire. A field that a backend did not produce is
omitted (``UNSET``); ``None`` is reserved for "tried, genuinely unknown", as
the Scryon reference asks (for example a speaker's ``role`` when a voice
profile exists but matched no speaker confidently).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

__all__ = [
    "ActionItemDraft",
    "Analysis",
    "AnalysisContent",
    "CallInput",
    "ContentActionItem",
    "ContentQuestion",
    "ContentSentiment",
    "Interruption",
    "Question",
    "Role",
    "SpeakerSentiment",
    "TalkTime",
    "Topic",
    "Utterance",
]

Role = Literal["USER", "OTHER"]
ActionKind = Literal["COMMITMENT", "REQUEST", "PROPOSAL"]
SentimentLabel = Literal["POSITIVE", "NEUTRAL", "NEGATIVE"]


class _Wire(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """Base for records that go out as JSON: camelCase, defaults omitted."""


class _Content(msgspec.Struct, kw_only=True, rename="camel"):
    """Base for what a backend fills: camelCase, every field present (nulls included)."""


class Utterance(_Wire):
    """One speaker's stretch of speech in the normalised transcript (seconds from call start)."""

    speaker: str
    start: float
    end: float
    text: str
    confidence: float | UnsetType = UNSET
    role: Role | UnsetType | None = UNSET


class CallInput(msgspec.Struct, kw_only=True):
    """Everything analysis needs to know about a call; ``call_date`` is its local calendar date.

    Relative due dates ("by Friday", "tomorrow") resolve against ``call_date``.
    """

    utterances: list[Utterance]
    duration_seconds: float
    call_date: dt.date
    language: str | None = None
    title: str | None = None


class Topic(_Wire):
    label: str
    score: float


# -- what a backend fills: the JSON schema of scryon.analysis.schema, nothing timing-related ----


class ContentActionItem(_Content):
    """``owner``/``speaker`` are speaker labels as they appear in the transcript."""

    text: str
    owner: str
    speaker: str
    kind: ActionKind
    quote: str
    due_date: str | None = None
    """``YYYY-MM-DD`` or null."""
    due_text: str | None = None


class ContentQuestion(_Content):
    text: str
    speaker: str


class ContentSentiment(_Content):
    speaker: str
    score: Annotated[float, msgspec.Meta(ge=-1.0, le=1.0)]
    label: SentimentLabel


class AnalysisContent(_Content, forbid_unknown_fields=True):
    """The part of an analysis a backend produces (local rules or a relayed model)."""

    summary: str
    key_points: list[str]
    decisions: list[str]
    action_items: list[ContentActionItem]
    topics: list[Topic]
    questions: list[ContentQuestion]
    sentiment: list[ContentSentiment]


# -- what the API serves --------------------------------------------------------------------


class ActionItemDraft(_Wire):
    """An action item as a backend found it (the stored item adds id, status and timestamps).

    ``owner`` is ``USER``/``OTHER`` when the owning speaker's role is known,
    otherwise that speaker's label (``SPEAKER_01``). ``speaker`` is who said it.
    """

    text: str
    owner: str
    speaker: str
    kind: ActionKind
    quote: str
    start: float
    due_date: dt.date | UnsetType = UNSET
    due_text: str | UnsetType = UNSET


class Question(_Wire):
    text: str
    speaker: str
    start: float
    role: Role | UnsetType | None = UNSET


class SpeakerSentiment(_Wire):
    """Mean VADER compound score of a speaker's sentences, weighted by their word counts."""

    speaker: str
    score: float
    label: SentimentLabel
    role: Role | UnsetType | None = UNSET


class TalkTime(_Wire):
    speaker: str
    seconds: float
    share: float
    turns: int
    role: Role | UnsetType | None = UNSET


class Interruption(_Wire):
    """``speaker`` started talking at ``at`` while ``interrupted`` was still speaking."""

    at: float
    speaker: str
    interrupted: str
    overlap_seconds: float


class Analysis(_Wire):
    """The structured analysis of one call, as stored and served."""

    summary: str
    key_points: list[str]
    decisions: list[str]
    action_items: list[ActionItemDraft]
    topics: list[Topic]
    questions: list[Question]
    sentiment: list[SpeakerSentiment]
    talk_time: list[TalkTime]
    interruptions: list[Interruption]
    overlap_seconds: float
    duration_seconds: float
    backend: str
    """Name of the analysis backend that produced it (``scryon.local``, ``scryon.relay``)."""
    model: str
