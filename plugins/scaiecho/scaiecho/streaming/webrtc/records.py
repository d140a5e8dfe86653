"""Request and response bodies of the WebRTC signalling routes."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

__all__ = [
    "AnswerView",
    "CreateSessionBody",
    "IceCandidateBody",
    "IceServer",
    "OfferBody",
    "SessionView",
]

_MEDIA_TYPE = "^[A-Za-z0-9][\\w.+-]*/[A-Za-z0-9][\\w.+-]*(\\s*;.*)?$"
_ICE_URL = "^(stun|stuns|turn|turns):.+$"


class IceServer(msgspec.Struct, kw_only=True, frozen=True):
    """A STUN/TURN server the tenant supplies (``RTCIceServer`` shape, snake_case)."""

    urls: (
        Annotated[str, msgspec.Meta(pattern=_ICE_URL)] | list[Annotated[str, msgspec.Meta(pattern=_ICE_URL)]]
    )
    username: str | None = None
    credential: str | None = None


class CreateSessionBody(msgspec.Struct, kw_only=True, frozen=True):
    """``POST /stream/transcribe/webrtc/sessions``.

    ``chunk_seconds`` caps how much continuous speech becomes one final (values
    above 30 s are cut at 30 s, Whisper's window). ``sample_rate`` is the capture
    rate the client declares; the audio plane resamples whatever the codec delivers
    (Opus: 48 kHz) to the 16 kHz the models read, and the value is echoed back.
    ``media_type`` is the media type of the audio the client captures, echoed back.
    """

    language_hint: Annotated[str, msgspec.Meta(pattern="^[A-Za-z]{2}$")] | None = None
    media_type: Annotated[str, msgspec.Meta(pattern=_MEDIA_TYPE, max_length=200)] = "audio/wav"
    backend_preference: str = "any"
    chunk_seconds: Annotated[float, msgspec.Meta(ge=0.5, le=60.0)] = 10.0
    sample_rate: Annotated[int, msgspec.Meta(ge=8000, le=48000)] = 48000
    interim_results: bool = True
    ice_servers: list[IceServer] | None = None


class SessionView(msgspec.Struct, kw_only=True, frozen=True):
    """The 201 body of a new session (inside ``{"data": ...}``)."""

    session_id: str
    status: Literal["created", "connecting", "connected", "closing", "closed", "failed"]
    created_at: str
    expires_at: str
    backend_used: Literal["A", "B"]
    language_hint: str | None
    media_type: str
    backend_preference: str
    chunk_seconds: float
    sample_rate: int
    interim_results: bool
    ice_servers: list[IceServer]
    offer_url: str
    ice_candidates_url: str
    control_url: str


class OfferBody(msgspec.Struct, kw_only=True, frozen=True):
    sdp: Annotated[str, msgspec.Meta(min_length=1, max_length=65536)]
    type: Literal["offer"] = "offer"


class AnswerView(msgspec.Struct, kw_only=True, frozen=True):
    sdp: str
    type: Literal["answer"] = "answer"


class IceCandidateBody(msgspec.Struct, kw_only=True, frozen=True):
    """One trickled candidate; an empty ``candidate`` signals end-of-candidates."""

    candidate: Annotated[str, msgspec.Meta(max_length=4096)]
    sdp_mid: str | None = None
    sdp_mline_index: Annotated[int, msgspec.Meta(ge=0)] | None = None
