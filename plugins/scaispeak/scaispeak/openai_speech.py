"""OpenAI-compatible ``POST /v1/audio/speech`` under ScaiSpeak's prefix, streamed as it is synthesized.

Clients of OpenAI's text-to-speech API (the official ``openai`` library with
``base_url=<host>/v1/modules/scaispeak/v1`` and a ScaiGrid key) get audio from our voices.
``voice`` is a voice id, or one of OpenAI's voice names mapped onto the presets
(:data:`OPENAI_VOICES`). The text is synthesized phrase by phrase and each phrase is
encoded by one streaming encoder (``scaigrid.audio.stream_encode``) and sent as soon as it is
ready for ``pcm`` (raw s16le), ``wav`` (a header of unknown length, then PCM), ``mp3``, ``opus``
(Ogg) and ``aac`` (ADTS); ``flac`` needs the whole clip in one container, so it is encoded once
at the end. Errors use OpenAI's error object.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

import msgspec
import numpy as np
from litestar import Response, post
from litestar.response import Stream
from scaigrid.audio import encode
from scaigrid.audio.encode import MEDIA_TYPES
from scaigrid.audio.stream_encode import STREAMABLE, StreamEncoder
from scaigrid.auth import Principal, requires
from scaigrid.errors import BadRequest

from scaispeak.phrases import split_phrases
from scaispeak.state import Module

__all__ = ["OPENAI_VOICES", "SpeechRequest", "create_speech"]

OPENAI_VOICES: dict[str, str] = {
    **{name: "preset-piper-joe" for name in ("alloy", "ash", "ballad", "echo", "fable", "onyx", "verse")},
    **{name: "preset-espeak-en-us-f3" for name in ("coral", "nova", "sage", "shimmer")},
}
"""OpenAI's voice names, so clients written for them work unchanged (male-sounding ones → Joe)."""


class SpeechRequest(msgspec.Struct, kw_only=True):
    """OpenAI's body; unknown fields are ignored, as OpenAI's API does."""

    model: Annotated[str, msgspec.Meta(min_length=1)]
    input: Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]
    voice: Annotated[str, msgspec.Meta(min_length=1)]
    response_format: Literal["mp3", "opus", "aac", "flac", "wav", "pcm"] = "mp3"
    speed: Annotated[float, msgspec.Meta(ge=0.25, le=4.0)] = 1.0
    instructions: str | None = None


@post(
    "/v1/audio/speech",
    guards=[requires("scaispeak:synthesize")],
    status_code=200,
    opt={"scaigrid_envelope": "openai"},
    summary="OpenAI-compatible speech",
    description=(
        "OpenAI's `POST /v1/audio/speech`: `model` (any; the voice decides the engine), `input`, "
        "`voice` (a ScaiSpeak voice id or an OpenAI voice name), `response_format`, `speed` "
        "(0.25-4.0, clamped to the engines' 0.5-2.0), `instructions` (ignored by preset voices). "
        "pcm (s16le mono at the voice's rate, named in `x-scaispeak-sample-rate`), wav and mp3 stream "
        "phrase by phrase."
    ),
)
async def create_speech(data: SpeechRequest, module: Module, principal: Principal) -> Response[Any]:
    state = module.state
    voice_id = OPENAI_VOICES.get(data.voice, data.voice)
    row, _ = await state.voices.get_visible(principal, voice_id)
    phrases = split_phrases(data.input)
    if not phrases:
        raise BadRequest("input must not be blank", code="SCAISPEAK_BAD_REQUEST", extra={"param": "input"})
    speed = min(2.0, max(0.5, data.speed))
    fmt = data.response_format
    synth = state.synthesizer
    # The first phrase is synthesized before answering, so a policy or backend failure is a coded
    # error (OpenAI's object), not a broken stream.
    first = await synth.pcm(
        row, phrases[0], tenant_id=principal.tenant_id, user_id=principal.user_id, speed=speed
    )
    headers = {"x-scaispeak-backend": "A" if first.kind == "A" else "B", "x-scaispeak-voice": row.id}

    async def rest() -> AsyncIterator[np.ndarray]:
        for phrase in phrases[1:]:
            voiced = await synth.pcm(
                row, phrase, tenant_id=principal.tenant_id, user_id=principal.user_id, speed=speed
            )
            yield voiced.pcm

    if fmt not in STREAMABLE:  # flac: one container for the whole clip
        pieces = [first.pcm] + [p async for p in rest()]
        audio = await module.platform.run_cpu(encode, np.concatenate(pieces), first.sample_rate, fmt)
        return Response(audio, media_type=MEDIA_TYPES[fmt], headers=headers)
    encoder = StreamEncoder(fmt, first.sample_rate)

    async def stream() -> AsyncIterator[bytes]:
        yield await module.platform.run_cpu(encoder.feed, first.pcm)
        async for pcm in rest():
            chunk = await module.platform.run_cpu(encoder.feed, pcm)
            if chunk:
                yield chunk
        yield await module.platform.run_cpu(encoder.close)

    media = "audio/pcm" if fmt == "pcm" else MEDIA_TYPES[fmt]
    headers["x-scaispeak-sample-rate"] = str(encoder.sample_rate)
    return Stream(stream(), media_type=media, headers=headers)
