"""``WS /voices/record``: live voice intake, the WebSocket alternative to ``POST /voices``.

1. ``{"type": "start", "display_name", "language_primary", "consent_user_full_name",
   "consent_stated_purpose", "consent_text", "description"?, "gender_hint"?, "age_hint"?,
   "style_tags"?, "language_supported"?, "audio": {"encoding": "pcm_s16le"|"container",
   "sample_rate"? (pcm: 8000-48000, default 16000), "media_type"? (container: audio/webm, ...)}}``
   → ``{"type": "phase", "phase": "reference"}``
2. binary frames of the reference recording, then ``{"type": "phase_complete"}``
   → ``{"type": "phase", "phase": "consent"}``
3. binary frames of the consent recording, then ``{"type": "finalize"}`` → the same checks
   and errors as ``POST /voices`` → ``{"type": "created", "voice", "preflight"}``, close 1000.

Errors: an ``error`` frame, then 4400 (a bad frame, a check that failed, more than
``SCAISPEAK_MAX_UPLOAD_BYTES`` in one phase), 4401/4403 (auth), 4502 (a backend), 4500.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
import numpy as np
import soundfile as sf
from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect
from scaigrid.auth import Principal, requires
from scaigrid.errors import ScaigridError
from scaigrid.uploads import UploadedFile

from scaispeak.intake.service import NewVoice
from scaispeak.state import Module
from scaispeak.streaming.ws import CLOSE_BAD, CLOSE_NORMAL, CLOSE_SERVER, close_code

__all__ = ["record_voice"]

log = logging.getLogger("scaigrid.modules.scaispeak.record")

_TIMEOUT = 60.0


class AudioFormat(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    encoding: Literal["pcm_s16le", "container"] = "pcm_s16le"
    sample_rate: Annotated[int, msgspec.Meta(ge=8000, le=48000)] = 16000
    media_type: str | None = None


class StartFrame(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    type: Literal["start"]
    display_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    language_primary: Annotated[str, msgspec.Meta(pattern="^[a-z]{2}$")]
    consent_user_full_name: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    consent_stated_purpose: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    consent_text: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    description: str | None = None
    gender_hint: Literal["female", "male", "neutral", "unspecified"] = "unspecified"
    age_hint: str | None = None
    style_tags: list[str] = []
    language_supported: list[Annotated[str, msgspec.Meta(pattern="^[a-z]{2}$")]] = []
    audio: AudioFormat = msgspec.field(default_factory=AudioFormat)


class _Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


async def _send(socket: WebSocket[Any, Any, Any], kind: str, **fields: object) -> None:
    await socket.send_text(msgspec.json.encode({"type": kind, **fields}).decode())


async def _close(
    socket: WebSocket[Any, Any, Any], code: int, error: str | None = None, message: str = ""
) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        if error is not None:
            await _send(socket, "error", code=error, message=message)
        await socket.close(code=code, reason=(error or "")[:120])


async def _phase(socket: WebSocket[Any, Any, Any], end: str, limit: int) -> bytes:
    """Binary frames until the ``end`` control frame; the bytes received."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message: Any = await asyncio.wait_for(socket.receive(), _TIMEOUT)
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(detail="client went away")
        if message.get("bytes") is not None:
            size += len(message["bytes"])
            if size > limit:
                raise _Refused("SCAISPEAK_STREAM_FLOOD", f"a recording may be at most {limit} bytes")
            chunks.append(message["bytes"])
            continue
        try:
            kind = msgspec.json.decode(message.get("text") or "{}").get("type")
        except (msgspec.DecodeError, AttributeError):
            kind = None
        if kind != end:
            raise _Refused("SCAISPEAK_BAD_FRAME", f"expected audio frames or {{'type': '{end}'}}")
        return b"".join(chunks)


def _spool(data: bytes, fmt: AudioFormat, directory: Path, name: str) -> UploadedFile:
    path = directory / name
    if fmt.encoding == "pcm_s16le":
        pcm = np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2").astype(np.float32) / 32768.0
        sf.write(path, pcm, fmt.sample_rate, format="WAV", subtype="PCM_16")
        content_type = "audio/wav"
    else:
        path.write_bytes(data)
        content_type = fmt.media_type or "application/octet-stream"
    return UploadedFile(
        field_name=name,
        filename=name,
        content_type=content_type,
        path=path,
        size=path.stat().st_size if data else 0,
        sha256=hashlib.sha256(data).hexdigest(),
    )


@websocket("/voices/record", guards=[requires("scaispeak:voice.write")], name="scaispeak-voices-record")
async def record_voice(socket: WebSocket[Any, Any, Any], principal: Principal, module: Module) -> None:
    await socket.accept()
    try:
        try:
            first: Any = await asyncio.wait_for(socket.receive(), _TIMEOUT)
        except TimeoutError:
            raise _Refused("SCAISPEAK_OPEN_TIMEOUT", "no start frame in time") from None
        if first["type"] == "websocket.disconnect":
            return
        try:
            start = msgspec.json.decode(first.get("text") or b"", type=StartFrame)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise _Refused("SCAISPEAK_BAD_FRAME", f"the first frame must be the start frame: {exc}") from exc
        limit = module.settings.max_upload_bytes
        await _send(socket, "phase", phase="reference")
        reference = await _phase(socket, "phase_complete", limit)
        await _send(socket, "phase", phase="consent")
        consent = await _phase(socket, "finalize", limit)
        fields = NewVoice(
            display_name=start.display_name.strip(),
            language_primary=start.language_primary,
            language_supported=start.language_supported,
            gender_hint=start.gender_hint,
            age_hint=start.age_hint,
            style_tags=start.style_tags,
            description=start.description,
            consent_user_full_name=start.consent_user_full_name.strip(),
            consent_stated_purpose=start.consent_stated_purpose.strip(),
            consent_text=start.consent_text.strip(),
        )
        suffix = "" if start.audio.encoding == "pcm_s16le" else ".bin"
        with tempfile.TemporaryDirectory(prefix="scaispeak-record-") as tmp:
            ref_file = _spool(reference, start.audio, Path(tmp), "reference" + suffix)
            if ref_file.size == 0:
                raise _Refused("SCAISPEAK_BAD_REQUEST", "the reference phase carried no audio")
            consent_file = _spool(consent, start.audio, Path(tmp), "consent" + suffix) if consent else None
            row, preflight = await module.state.intake.create(principal, fields, ref_file, consent_file)
        _, voice = await module.state.voices.get_visible(principal, row["id"])
        await _send(
            socket, "created", voice=msgspec.to_builtins(voice), preflight=msgspec.to_builtins(preflight)
        )
        await _close(socket, CLOSE_NORMAL)
    except _Refused as refused:
        await _close(socket, CLOSE_BAD, refused.code, refused.message)
    except ScaigridError as err:
        extra = {"preflight": err.extra["preflight"]} if "preflight" in err.extra else {}
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await _send(socket, "error", code=err.code, message=err.message, details=err.details, **extra)
        await _close(socket, close_code(err))
    except (WebSocketDisconnect, TimeoutError):
        await _close(socket, CLOSE_NORMAL)
    except Exception as exc:
        log.exception("voice recording failed")
        await _close(socket, CLOSE_SERVER, "SCAISPEAK_STREAM_FAILED", f"internal error: {type(exc).__name__}")
