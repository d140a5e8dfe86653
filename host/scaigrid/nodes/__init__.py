"""Node registry: which processes host which models, what each keeps warm, and warm/evict fan-out.

Every process that serves backends registers itself as a node (id,
capabilities, warm items per kind such as ``{"speaker": ["spk_1"]}``) and keeps
a heartbeat. Embedded deployments have one node and use
:class:`MemoryNodeRegistry`; scaled ones share state through Redis
(:class:`RedisNodeRegistry`). :func:`create_node_registry` picks from settings.
"""

from __future__ import annotations

from typing import Any

from scaigrid.nodes.base import (
    SKIPPED_NOT_CANDIDATE,
    TIMEOUT,
    NodeInfo,
    NodeOutcome,
    NodeRegistry,
    WarmAction,
    WarmHandler,
)
from scaigrid.nodes.memory import MemoryNodeRegistry
from scaigrid.nodes.redis_registry import RedisNodeRegistry

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


def create_node_registry(settings: Any, *, prefix: str | None = None) -> NodeRegistry:
    """Redis-backed when ``settings.redis_url`` is set (scaled), in-memory otherwise.

    Redis keys live under ``<settings.redis_prefix>:nodes:`` unless ``prefix`` is given.
    """
    if getattr(settings, "redis_url", ""):
        base = getattr(settings, "redis_prefix", "scaigrid")
        return RedisNodeRegistry(settings.redis_url, prefix=prefix or f"{base}:nodes:")
    return MemoryNodeRegistry()
