"""The JSON frames of the streaming WebSockets, as typed records.

Client → server: :class:`OpenFrame` (first frame), then binary audio, then
``{"type": "close"}`` (end of audio: the server drains and answers ``closed``).
Server → client: ``ready``, ``delta``, ``closed`` and ``error``, each a flat
object tagged by ``type``; ``delta.speaker_label`` is omitted when unknown.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

__all__ = [
    "BackendPreference",
    "ClientFrame",
    "CloseFrame",
    "ClosedFrame",
    "Delta",
    "ErrorFrame",
    "OpenFrame",
    "ReadyFrame",
    "decode_client_frame",
    "encode_frame",
]

BackendPreference = Literal["prefer_self_hosted", "prefer_relay", "any"]
LanguageHint = Annotated[str, msgspec.Meta(min_length=2, max_length=2, pattern="^[A-Za-z]{2}$")]


class OpenFrame(msgspec.Struct, kw_only=True, frozen=True, tag="open", tag_field="type"):
    """How the client's binary frames are encoded and what it wants back.

    ``encoding`` ``pcm_s16le`` / ``pcm_f32le`` is raw little-endian PCM at
    ``sample_rate`` with ``channels`` interleaved channels; ``container`` means the
    frames are consecutive bytes of one media stream (``media_type`` such as
    ``audio/webm;codecs=opus`` or ``audio/ogg``) decoded as it arrives; ``webm`` and
    ``ogg`` are shorthands for ``container`` with that media type. Unknown members
    are ignored so newer clients keep working.
    """

    language_hint: LanguageHint | None = None
    encoding: Literal["pcm_s16le", "pcm_f32le", "container", "webm", "ogg"] = "pcm_s16le"
    sample_rate: Annotated[int, msgspec.Meta(ge=8000, le=192000)] = 16000
    channels: Annotated[int, msgspec.Meta(ge=1, le=8)] = 1
    media_type: str | None = None
    backend_preference: str = "any"
    """``prefer_self_hosted``, ``prefer_relay`` or ``any``; another value is answered with
    ``SCAIECHO_BAD_BACKEND_PREFERENCE`` (the code the batch route uses)."""
    diarize: bool = False
    interim_results: bool = True


class CloseFrame(msgspec.Struct, frozen=True, tag="close", tag_field="type"):
    """End of audio: flush what is pending, send ``closed``, close normally."""


ClientFrame = OpenFrame | CloseFrame
_client_decoder = msgspec.json.Decoder(ClientFrame)


def decode_client_frame(text: str | bytes) -> ClientFrame:
    """Parse one client text frame (raises ``msgspec.ValidationError`` / ``DecodeError``)."""
    frame: ClientFrame = _client_decoder.decode(text)
    return frame


class Delta(msgspec.Struct, kw_only=True, frozen=True, omit_defaults=True, tag="delta", tag_field="type"):
    """A transcript record: interim (``is_final`` false) or final for one utterance.

    ``start``/``end`` are seconds of audio since the stream began; ``confidence``
    is 0..1 from the model's token log-probabilities.
    """

    text: str
    is_final: bool
    start: float
    end: float
    confidence: float
    speaker_label: str | None = None


class ReadyFrame(msgspec.Struct, kw_only=True, frozen=True, tag="ready", tag_field="type"):
    """Sent once the open frame is accepted: which backend kind serves the stream."""

    backend_used: Literal["A", "B"]
    backend: str
    sample_rate: int = 16000
    interim_results: bool = True


class ClosedFrame(msgspec.Struct, kw_only=True, frozen=True, tag="closed", tag_field="type"):
    """Sent after the flush: every delta has been delivered."""

    audio_bytes: int
    audio_seconds: float


class ErrorFrame(msgspec.Struct, kw_only=True, frozen=True, tag="error", tag_field="type"):
    code: str
    message: str


ServerFrame = Delta | ReadyFrame | ClosedFrame | ErrorFrame
_encoder = msgspec.json.Encoder()


def encode_frame(frame: ServerFrame) -> str:
    return _encoder.encode(frame).decode()
