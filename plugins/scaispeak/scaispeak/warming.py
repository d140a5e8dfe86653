"""Voice warming over the host's node registry: which serving processes have a voice's engine
loaded, ``PrepareVoice`` (warm) to candidate nodes and ``EvictVoice`` to every warm one.

Embedded deployments have one node (in memory); scaled ones share the registry through Redis
and each node answers for itself. Erasure evicts from every warm node.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import msgspec
import sqlalchemy as sa
from scaigrid.errors import Conflict
from scaigrid.nodes import NodeOutcome
from scaigrid.platform import Platform

from scaispeak.errors import voice_not_found
from scaispeak.tables import voices

__all__ = ["CAPABILITY", "NODE_KIND", "VoiceWarmer", "WarmState"]

NODE_KIND = "scaispeak.voice"
CAPABILITY = "tts"


class WarmState(msgspec.Struct, kw_only=True):
    voice_id: str
    warm_node_ids: list[str]
    candidate_node_ids: list[str]
    stale_node_ids: list[str]
    """Nodes the registry lists as warm that are no longer live candidates."""


class VoiceWarmer:
    def __init__(self, platform: Platform) -> None:
        self._platform = platform
        self.warm: dict[str, str] = {}
        """voice id → the engine loaded for it in this process."""

    async def handle(self, action: str, voice_id: str) -> str | None:
        """This node's warm/evict handler (registered at start-up)."""
        if action == "evict":
            self.warm.pop(voice_id, None)
            return None
        async with self._platform.db.connect() as conn:
            row = (await conn.execute(sa.select(voices).where(voices.c.id == voice_id))).first()
        if row is None or row.deleted_at is not None:
            raise voice_not_found()
        if row.embedding_status != "ready" or not row.engine:
            raise not_ready(row.embedding_status)
        started = time.perf_counter()
        await self._platform.backends.get("tts", row.engine)  # loads the engine once per process
        self.warm[voice_id] = row.engine
        return f"{NODE_KIND}:{voice_id}:{row.engine}:{round((time.perf_counter() - started) * 1000)}ms"

    async def status(self, voice_id: str) -> WarmState:
        nodes = self._platform.nodes
        candidates = [n.node_id for n in await nodes.nodes(CAPABILITY)]
        warm_on = await nodes.warm_nodes(NODE_KIND, voice_id)
        return WarmState(
            voice_id=voice_id,
            warm_node_ids=[n for n in warm_on if n in candidates],
            candidate_node_ids=candidates,
            stale_node_ids=[n for n in warm_on if n not in candidates],
        )

    async def fan_out(
        self, voice_id: str, action: str, node_ids: Sequence[str] | None = None
    ) -> list[NodeOutcome]:
        outcomes: list[NodeOutcome] = await self._platform.nodes.fan_out(
            NODE_KIND, voice_id, action, node_ids, self.handle, capability=CAPABILITY
        )
        return outcomes


def not_ready(status: str) -> Conflict:
    return Conflict(
        f"the voice is {status!r}; only ready voices can be warmed",
        code="SCAISPEAK_VOICE_NOT_READY_FOR_WARMING",
        details={"embedding_status": status},
    )


def outcome_view(outcome: NodeOutcome) -> dict[str, Any]:
    data: dict[str, Any] = msgspec.to_builtins(outcome)
    return data
