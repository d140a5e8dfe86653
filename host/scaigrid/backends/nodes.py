"""Node registry: which processes host which models, what each keeps warm, and warm/evict fan-out.

Every process that serves backends registers itself as a node (id,
capabilities, warm items per kind such as ``{"speaker": ["spk_1"]}``) and keeps
a heartbeat. Embedded deployments have one node and use
:class:`MemoryNodeRegistry`; scaled ones share state through Redis
(:class:`RedisNodeRegistry`). :func:`create_node_registry` picks from settings.
"""

from __future__ import annotations

import time
from typing import Any

import msgspec

from scaigrid.backends.nodes_base import (
    SKIPPED_NOT_CANDIDATE,
    TIMEOUT,
    NodeInfo,
    NodeOutcome,
    NodeRegistry,
    WarmAction,
    WarmHandler,
)
from scaigrid.backends.nodes_redis import RedisNodeRegistry

__all__ = [
    "SKIPPED_NOT_CANDIDATE",
    "TIMEOUT",
    "MemoryNodeRegistry",
    "NodeInfo",
    "NodeOutcome",
    "NodeRegistry",
    "RedisNodeRegistry",
    "WarmAction",
    "WarmHandler",
    "create_node_registry",
]


class MemoryNodeRegistry(NodeRegistry):
    """The embedded registry: this process is the only node."""

    def __init__(self, *, request_timeout: float = 10.0) -> None:
        super().__init__(request_timeout=request_timeout)
        self._warm: dict[str, dict[str, set[str]]] = {}  # node -> kind -> items

    async def register(self, node: NodeInfo) -> None:
        node.heartbeat_at = time.time()
        self.local = node

    async def heartbeat(self) -> None:
        if self.local is not None:
            self.local.heartbeat_at = time.time()

    async def nodes(self, capability: str | None = None) -> list[NodeInfo]:
        node = self.local
        if node is None or (capability is not None and capability not in node.capabilities):
            return []
        warm = self._warm.get(node.node_id, {})
        return [msgspec.structs.replace(node, warm={k: sorted(v) for k, v in warm.items() if v})]

    async def mark_warm(self, node_id: str, kind: str, item_id: str) -> None:
        self._warm.setdefault(node_id, {}).setdefault(kind, set()).add(item_id)

    async def mark_evicted(self, node_id: str, kind: str, item_id: str) -> None:
        self._warm.get(node_id, {}).get(kind, set()).discard(item_id)

    async def warm_nodes(self, kind: str, item_id: str) -> list[str]:
        live = {n.node_id for n in await self.nodes()}
        return sorted(n for n, kinds in self._warm.items() if n in live and item_id in kinds.get(kind, ()))

    async def _remote(self, node_id: str, kind: str, item_id: str, action: str, wait: float) -> NodeOutcome:
        # Unreachable in practice: only the local node is ever live here.
        return NodeOutcome(node_id=node_id, ok=False, error=TIMEOUT)

    async def close(self) -> None:
        self.local = None


def create_node_registry(settings: Any, *, prefix: str | None = None) -> NodeRegistry:
    """Redis-backed when ``settings.redis_url`` is set (scaled), in-memory otherwise.

    Redis keys live under ``<settings.redis_prefix>:nodes:`` unless ``prefix`` is given.
    """
    if getattr(settings, "redis_url", ""):
        base = getattr(settings, "redis_prefix", "scaigrid")
        return RedisNodeRegistry(settings.redis_url, prefix=prefix or f"{base}:nodes:")
    return MemoryNodeRegistry()
