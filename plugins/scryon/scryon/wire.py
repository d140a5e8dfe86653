"""Request and response bodies of the Scryon API (camelCase JSON, UPPER_SNAKE_CASE enums).

A field with no meaningful value is omitted (``UNSET``); ``null`` means "we
tried and the value is genuinely unknown" (``userSpeaker: null`` = a voice
profile exists but matched no speaker).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from scryon.analysis.records import Utterance

__all__ = [
    "ActionItem",
    "ActionItemPatch",
    "ActionStatus",
    "AnalyzeMetadata",
    "AudioInfo",
    "BackendPreference",
    "BulkDeleteBody",
    "BulkDeleteResult",
    "Call",
    "CallStatus",
    "CallStatusItem",
    "CallStatusList",
    "Failure",
    "Page",
    "TranscriptBody",
    "UserIdentification",
    "UserPatch",
    "UserProfile",
    "UserStats",
    "VoiceProfileStatus",
    "iso",
]

CallStatus = Literal["INCOMING", "PROCESSING", "COMPLETED", "FAILED"]
CALL_STATUSES: tuple[str, ...] = ("INCOMING", "PROCESSING", "COMPLETED", "FAILED")
ActionStatus = Literal["OPEN", "DONE"]
BackendPreference = Literal["ANY", "PREFER_SELF_HOSTED", "PREFER_RELAY"]


def iso(value: dt.datetime) -> str:
    """``2026-05-29T13:00:00Z``: UTC, second precision, ``Z`` suffix, as the reference asks."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Wire(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    pass


# -- requests --------------------------------------------------------------------------------


class AnalyzeMetadata(_Wire, forbid_unknown_fields=True):
    """The JSON ``metadata`` part of ``POST /api/calls/analyze`` (every field optional)."""

    title: Annotated[str, msgspec.Meta(max_length=300)] | None = None
    recorded_at: dt.datetime | None = None
    """When the call happened (ISO-8601); default: upload time. Relative due dates use its date."""
    timezone: str | None = None
    """IANA zone of the call (``Europe/Berlin``); default: the user's profile, then UTC."""
    language: Annotated[str, msgspec.Meta(pattern="^[a-z]{2}(-[A-Za-z]{2})?$")] | None = None
    num_speakers: Annotated[int, msgspec.Meta(ge=1, le=16)] | None = None
    backend_preference: BackendPreference = "ANY"
    external_id: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    participants: list[Annotated[str, msgspec.Meta(max_length=200)]] | None = None


class ActionItemPatch(_Wire, forbid_unknown_fields=True):
    status: ActionStatus | UnsetType = UNSET
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)] | UnsetType = UNSET
    due_date: dt.date | UnsetType | None = UNSET
    """``null`` clears the due date."""
    owner: Annotated[str, msgspec.Meta(min_length=1, max_length=100)] | UnsetType = UNSET


class UserPatch(_Wire, forbid_unknown_fields=True):
    display_name: Annotated[str, msgspec.Meta(max_length=200)] | UnsetType | None = UNSET
    timezone: str | UnsetType | None = UNSET


class BulkDeleteBody(_Wire, forbid_unknown_fields=True):
    ids: Annotated[list[str], msgspec.Meta(min_length=1, max_length=100)]


# -- responses -------------------------------------------------------------------------------


class Failure(_Wire):
    code: str
    message: str


class AudioInfo(_Wire):
    filename: str
    content_type: str
    size_bytes: int


class UserIdentification(_Wire):
    """Which diarized speaker is the user, by the voice profile's embedding."""

    speaker: str
    confidence: float
    similarity: float
    method: Literal["VOICE_EMBEDDING"]


class Call(_Wire):
    id: str
    status: CallStatus
    recorded_at: str
    created_at: str
    updated_at: str
    audio: AudioInfo
    timezone: str
    title: str | UnsetType = UNSET
    language: str | UnsetType = UNSET
    duration_seconds: float | UnsetType = UNSET
    speech_seconds: float | UnsetType = UNSET
    speaker_count: int | UnsetType = UNSET
    user_speaker: UserIdentification | UnsetType | None = UNSET
    analysis_backend: str | UnsetType = UNSET
    completed_at: str | UnsetType = UNSET
    progress: float | UnsetType = UNSET
    failure: Failure | UnsetType = UNSET
    metadata: dict[str, Any] | UnsetType = UNSET


class CallStatusItem(_Wire):
    id: str
    status: CallStatus
    updated_at: str
    progress: float | UnsetType = UNSET
    failure: Failure | UnsetType = UNSET


class CallStatusList(_Wire):
    items: list[CallStatusItem]
    not_found: list[str]


class TranscriptBody(_Wire):
    call_id: str
    duration_seconds: float
    model: str
    utterances: list[Utterance]
    language: str | UnsetType = UNSET


class ActionItem(_Wire):
    id: str
    call_id: str
    text: str
    owner: str
    speaker: str
    kind: str
    quote: str
    start: float
    status: ActionStatus
    created_at: str
    updated_at: str
    due_date: dt.date | UnsetType = UNSET
    due_text: str | UnsetType = UNSET
    completed_at: str | UnsetType = UNSET


class Page(_Wire):
    items: list[Any]
    next_cursor: str | UnsetType = UNSET


class BulkDeleteResult(_Wire):
    deleted: list[str]
    not_found: list[str]


class VoiceProfileStatus(_Wire):
    status: Literal["READY", "NOT_ENROLLED"]
    method: Literal["VOICE_EMBEDDING"] | UnsetType = UNSET
    sample_seconds: float | UnsetType = UNSET
    created_at: str | UnsetType = UNSET
    updated_at: str | UnsetType = UNSET


class UserProfile(_Wire):
    id: str
    tenant_id: str
    auth_kind: Literal["API_KEY", "JWT"]
    timezone: str
    voice_profile: VoiceProfileStatus
    email: str | UnsetType = UNSET
    display_name: str | UnsetType = UNSET
    created_at: str | UnsetType = UNSET
    updated_at: str | UnsetType = UNSET


class UserStats(_Wire):
    total_calls: int
    calls_by_status: dict[str, int]
    total_duration_seconds: float
    action_items_open: int
    action_items_done: int
    action_items_overdue: int
    average_user_talk_share: float | UnsetType | None = UNSET
    """Mean share of talk time of the USER speaker over completed calls where the user was
    identified; ``null`` when no completed call identified the user."""
    last_call_at: str | UnsetType = UNSET
