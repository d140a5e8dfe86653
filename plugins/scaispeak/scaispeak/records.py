"""The shapes ScaiSpeak's clients see (request and response bodies), as msgspec records."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

__all__ = [
    "BackendPreference",
    "License",
    "PolicyUpdate",
    "PolicyView",
    "ResponseFormat",
    "SpeakRequest",
    "Speech",
    "Voice",
]

ResponseFormat = Literal["mp3", "opus", "wav", "flac", "aac", "pcm"]
BackendPreference = Literal["prefer_self_hosted", "prefer_relay", "any"]
Speed = Annotated[float, msgspec.Meta(ge=0.5, le=2.0)]
Language = Annotated[str, msgspec.Meta(pattern="^[a-z]{2}$")]


class License(msgspec.Struct, kw_only=True):
    license_id: str
    license_type: str
    licensor_name: str
    terms_summary: str | None
    status: str


class Voice(msgspec.Struct, kw_only=True):
    """One voice of the library. ``kind`` is ``preset`` (a bundled engine speaker)."""

    voice_id: str
    scope: Literal["global", "tenant", "user"]
    tenant_id: str | None
    owner_user_id: str | None
    display_name: str
    description: str | None
    language_primary: str
    language_supported: list[str]
    gender_hint: str
    age_hint: str | None
    style_tags: list[str]
    kind: str
    embedding_status: str
    engine: str
    license: License | None
    matched_base_voice: str | None = None
    """For a voice made from a reference: the preset that speaks it (voice matching, not cloning)."""
    similarity: float | None = None
    """Speaker-embedding cosine between the reference and the matched preset's probe speech."""
    intake_error: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime


class SpeakRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``POST /speak``. ``save_to`` is a ScaiDrive destination (JWT auth only)."""

    voice_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    text: Annotated[str, msgspec.Meta(min_length=1)]
    language_hint: Language | None = None
    speed: Speed = 1.0
    response_format: ResponseFormat = "mp3"
    backend_preference: BackendPreference = "any"
    idempotency_key: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    force_async: bool = False
    save_to: dict[str, object] | None = None
    inline_response: bool = True
    instructions: Annotated[str, msgspec.Meta(max_length=1000)] | None = None
    cfg_value: Annotated[float, msgspec.Meta(ge=0.5, le=5.0)] | None = None
    warmup_trim_ms: Annotated[int, msgspec.Meta(ge=0, le=5000)] | None = None


class Speech(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A synthesized clip (``POST /speak`` 200, ``/preview``, a finished job)."""

    voice_id: str
    format: ResponseFormat
    sample_rate: int
    duration_seconds: float
    characters: int
    backend_used: Literal["A", "B"]
    audio_base64: str | None = None
    audio_bytes: int | None = None
    audio_url: str | None = None
    notes: list[str] = []


class PolicyView(msgspec.Struct, kw_only=True):
    tenant_id: str
    allowed_backends: list[str]
    default_backend: str
    updated_at: dt.datetime


class PolicyUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    allowed_backends: str | list[str]
    """``"A"``, ``"B"``, ``"AB"``, ``"BA"`` or a list of ``"A"``/``"B"``."""
    default_backend: str | None = None
