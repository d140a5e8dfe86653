"""The embedded node registry: this process is the only node, warm items kept in memory."""

from __future__ import annotations

import time

import msgspec

from scaigrid.nodes.base import TIMEOUT, NodeInfo, NodeOutcome, NodeRegistry

__all__ = ["MemoryNodeRegistry"]


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
