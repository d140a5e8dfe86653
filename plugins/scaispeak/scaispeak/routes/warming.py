"""``GET/POST /voices/{voice_id}/warm`` and ``POST /voices/{voice_id}/evict``."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import get, post
from scaigrid.auth import Principal, requires

from scaispeak.state import Module
from scaispeak.warming import not_ready, outcome_view

__all__ = ["warming_routes"]


class WarmRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    node_ids: list[str] = msgspec.field(default_factory=list)
    """Empty = every candidate node."""


@get(
    "/voices/{voice_id:str}/warm", guards=[requires("scaispeak:voice.read")], summary="Where a voice is warm"
)
async def warm_status(voice_id: str, module: Module, principal: Principal) -> dict[str, Any]:
    await module.state.voices.get_visible(principal, voice_id)
    return {"data": await module.state.warmer.status(voice_id)}


@post(
    "/voices/{voice_id:str}/warm", guards=[requires("scaispeak:voice.write")], status_code=200, summary="Warm"
)
async def warm_voice(
    voice_id: str, module: Module, principal: Principal, data: WarmRequest | None = None
) -> dict[str, Any]:
    row, _ = await module.state.voices.get_visible(principal, voice_id)
    if row.embedding_status != "ready":
        raise not_ready(row.embedding_status)
    outcomes = await module.state.warmer.fan_out(voice_id, "warm", (data.node_ids if data else None) or None)
    return {"data": {"voice_id": voice_id, "outcomes": [outcome_view(o) for o in outcomes]}}


@post(
    "/voices/{voice_id:str}/evict",
    guards=[requires("scaispeak:voice.write")],
    status_code=200,
    summary="Evict",
)
async def evict_voice(voice_id: str, module: Module, principal: Principal) -> dict[str, Any]:
    await module.state.voices.get_visible(principal, voice_id)
    outcomes = await module.state.warmer.fan_out(voice_id, "evict")
    return {"data": {"voice_id": voice_id, "outcomes": [outcome_view(o) for o in outcomes]}}


warming_routes: list[Any] = [warm_status, warm_voice, evict_voice]
