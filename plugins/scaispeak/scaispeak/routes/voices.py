"""``GET /voices``, ``GET /voices/{voice_id}`` and ``POST /voices/{voice_id}/preview``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import get, post
from litestar.params import Parameter
from scaigrid.auth import Principal, requires

from scaispeak.errors import bad_request, text_too_long
from scaispeak.records import ResponseFormat, Speech, Voice
from scaispeak.state import Module

__all__ = ["voice_routes"]

READ = requires("scaispeak:voice.read")


class VoiceList(msgspec.Struct, kw_only=True):
    data: list[Voice]


class VoiceBody(msgspec.Struct, kw_only=True):
    data: Voice


class SpeechBody(msgspec.Struct, kw_only=True):
    data: Speech


class PreviewRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    text: Annotated[str, msgspec.Meta(min_length=1)]
    response_format: ResponseFormat = "mp3"


@get("/voices", guards=[READ], summary="List voices visible to the caller (global + own tenant + own user)")
async def list_voices(
    module: Module,
    principal: Principal,
    language: Annotated[str | None, Parameter(pattern="^[a-z]{2}$")] = None,
    scope_filter: Annotated[Literal["global", "tenant", "user"] | None, Parameter(query="scope")] = None,
    gender: Literal["female", "male", "neutral", "unspecified"] | None = None,
    embedding_status: Literal["pending", "processing", "ready", "failed", "evicted"] | None = None,
    q: Annotated[str | None, Parameter(max_length=200)] = None,
    limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
) -> VoiceList:
    found = await module.state.voices.list_visible(
        principal,
        language=language,
        scope=scope_filter,
        gender=gender,
        embedding_status=embedding_status,
        q=q,
        limit=limit,
    )
    return VoiceList(data=found)


@get("/voices/{voice_id:str}", guards=[READ], summary="One voice (404 when not visible)")
async def get_voice(voice_id: str, module: Module, principal: Principal) -> VoiceBody:
    _, voice = await module.state.voices.get_visible(principal, voice_id)
    return VoiceBody(data=voice)


@post("/voices/{voice_id:str}/preview", guards=[READ], status_code=200, summary="A short preview clip")
async def preview_voice(
    voice_id: str, data: PreviewRequest, module: Module, principal: Principal
) -> SpeechBody:
    limit = module.settings.preview_max_chars
    if not data.text.strip():
        raise bad_request("text must not be blank", field="text")
    if len(data.text) > limit:
        raise text_too_long(limit, len(data.text))
    row, _ = await module.state.voices.get_visible(principal, voice_id)
    rendered = await module.state.synthesizer.render(
        row, data.text, tenant_id=principal.tenant_id, user_id=principal.user_id, fmt=data.response_format
    )
    return SpeechBody(data=rendered.speech)


voice_routes: list[Any] = [list_voices, get_voice, preview_voice]
