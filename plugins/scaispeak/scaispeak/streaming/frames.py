"""The WebSocket vocabulary of ``/stream/speak`` (JSON text frames; audio rides binary frames)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

__all__ = [
    "ClientFrame",
    "CloseFrame",
    "FlushFrame",
    "InterruptFrame",
    "OpenFrame",
    "Output",
    "TextFrame",
    "decode_client_frame",
    "encode_frame",
]


class Output(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    codec: Literal["pcm", "opus", "mp3", "wav"] = "pcm"
    """``pcm``: s16le mono, every binary frame a whole phrase; ``opus``/``mp3``: one continuous
    stream (Ogg pages / mp3 frames) across the session, frames are pieces of it."""


class OpenFrame(msgspec.Struct, tag="open", kw_only=True, forbid_unknown_fields=True):
    voice_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    language_hint: Annotated[str, msgspec.Meta(pattern="^[a-z]{2}$")] | None = None
    speed: Annotated[float, msgspec.Meta(ge=0.5, le=2.0)] = 1.0
    output: Output = msgspec.field(default_factory=Output)
    backend_preference: Literal["prefer_self_hosted", "prefer_relay", "any"] = "any"


class TextFrame(msgspec.Struct, tag="text", kw_only=True, forbid_unknown_fields=True):
    delta: str


class FlushFrame(msgspec.Struct, tag="flush", forbid_unknown_fields=True):
    pass


class InterruptFrame(msgspec.Struct, tag="interrupt", forbid_unknown_fields=True):
    pass


class CloseFrame(msgspec.Struct, tag="close", forbid_unknown_fields=True):
    pass


ClientFrame = OpenFrame | TextFrame | FlushFrame | InterruptFrame | CloseFrame

_decoder: msgspec.json.Decoder[ClientFrame] = msgspec.json.Decoder(ClientFrame)  # type: ignore[arg-type]


def decode_client_frame(text: str) -> ClientFrame:
    frame: ClientFrame = _decoder.decode(text)
    return frame


def encode_frame(kind: str, **fields: object) -> str:
    return msgspec.json.encode({"type": kind, **fields}).decode()
