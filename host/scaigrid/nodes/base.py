"""The node registry contract and its records; shared by the memory and Redis registries.

:meth:`NodeRegistry.fan_out` asks nodes to warm or evict one item: the local
node runs its handler directly, remote nodes get the request through the
implementation's ``_remote`` (Redis pub/sub) and answer with their outcome.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from typing import Literal

import msgspec

from scaigrid.errors import BadRequest, ScaigridError, ServiceUnavailable

__all__ = [
    "SKIPPED_NOT_CANDIDATE",
    "TIMEOUT",
    "NodeInfo",
    "NodeOutcome",
    "NodeRegistry",
    "WarmAction",
    "WarmHandler",
]

log = logging.getLogger("scaigrid.nodes")

WarmAction = Literal["warm", "evict"]
WarmHandler = Callable[[str, str], Awaitable[str | None]]
"""``handler(action, item_id) -> cache_key | None``; raising means the action failed on that node."""

SKIPPED_NOT_CANDIDATE = "skipped_not_candidate"
TIMEOUT = "timeout"


class NodeInfo(msgspec.Struct, kw_only=True):
    """One serving process. Times are Unix seconds; ``warm`` is filled in by the registry."""

    node_id: str
    capabilities: list[str] = msgspec.field(default_factory=list)
    warm: dict[str, list[str]] = msgspec.field(default_factory=dict)
    started_at: float = msgspec.field(default_factory=time.time)
    heartbeat_at: float = 0.0
    host: str = msgspec.field(default_factory=socket.gethostname)
    pid: int = msgspec.field(default_factory=os.getpid)


class NodeOutcome(msgspec.Struct, kw_only=True):
    """What one node did with a warm/evict request.

    ``error`` is ``"timeout"`` when the node did not answer in time and
    ``"skipped_not_candidate"`` for requested ids that are not live nodes with the capability.
    """

    node_id: str
    ok: bool
    error: str | None = None
    load_ms: float | None = None
    cache_key: str | None = None


class NodeRegistry(ABC):
    """The shared contract of both registries; subclasses store nodes and reach remote ones."""

    def __init__(self, *, request_timeout: float = 10.0) -> None:
        self.request_timeout = request_timeout
        self.local: NodeInfo | None = None
        self._handlers: dict[str, WarmHandler] = {}

    @property
    def node_id(self) -> str:
        if self.local is None:
            raise ServiceUnavailable("this process has not registered as a node", code="NODE_NOT_REGISTERED")
        return self.local.node_id

    def add_handler(self, kind: str, handler: WarmHandler) -> None:
        """Serve warm/evict requests for ``kind`` on this node (one handler per kind)."""
        if kind in self._handlers and self._handlers[kind] is not handler:
            raise ValueError(f"a warm handler for {kind!r} is already registered on this node")
        self._handlers[kind] = handler

    # -- storage (per implementation) ------------------------------------------------------

    @abstractmethod
    async def register(self, node: NodeInfo) -> None:
        """Announce this process as ``node`` (and start heartbeats/listening where that applies)."""

    @abstractmethod
    async def heartbeat(self) -> None:
        """Refresh this node's liveness."""

    @abstractmethod
    async def nodes(self, capability: str | None = None) -> list[NodeInfo]:
        """Live nodes (with their warm items), optionally only those with ``capability``."""

    @abstractmethod
    async def mark_warm(self, node_id: str, kind: str, item_id: str) -> None: ...

    @abstractmethod
    async def mark_evicted(self, node_id: str, kind: str, item_id: str) -> None: ...

    @abstractmethod
    async def warm_nodes(self, kind: str, item_id: str) -> list[str]:
        """Ids of live nodes that hold ``item_id`` warm."""

    @abstractmethod
    async def _remote(self, node_id: str, kind: str, item_id: str, action: str, wait: float) -> NodeOutcome:
        """Ask another node to run its handler; a silent node yields ``error="timeout"``."""

    @abstractmethod
    async def close(self) -> None:
        """Stop background work and withdraw this node."""

    # -- fan-out ---------------------------------------------------------------------------

    async def fan_out(
        self,
        kind: str,
        item_id: str,
        action: str,
        node_ids: Sequence[str] | None = None,
        handler: WarmHandler | None = None,
        *,
        capability: str | None = None,
        timeout_seconds: float | None = None,
    ) -> list[NodeOutcome]:
        """Warm or evict ``item_id`` on ``node_ids`` (default: every live node with ``capability``).

        ``handler`` replaces this node's registered handler for the local run;
        remote nodes always use their own. Outcomes come back in request order;
        requested ids that are not live candidates get ``skipped_not_candidate``.
        """
        if action not in ("warm", "evict"):
            raise BadRequest(f"action must be warm or evict, not {action!r}", code="BAD_WARM_ACTION")
        local_id = self.node_id
        live = [n.node_id for n in await self.nodes(capability)]
        requested = list(dict.fromkeys(node_ids)) if node_ids is not None else live
        wait = self.request_timeout if timeout_seconds is None else timeout_seconds

        async def one(node_id: str) -> NodeOutcome:
            if node_id not in live:
                return NodeOutcome(node_id=node_id, ok=False, error=SKIPPED_NOT_CANDIDATE)
            if node_id == local_id:
                return await self.run_local(kind, item_id, action, handler)
            return await self._remote(node_id, kind, item_id, action, wait)

        return list(await asyncio.gather(*(one(node_id) for node_id in requested)))

    async def run_local(
        self, kind: str, item_id: str, action: str, handler: WarmHandler | None = None
    ) -> NodeOutcome:
        """Run the handler for ``kind`` here, record the warm state, and report the outcome."""
        node_id = self.node_id
        handler = handler or self._handlers.get(kind)
        if handler is None:
            return NodeOutcome(node_id=node_id, ok=False, error=f"no {kind!r} handler on this node")
        started = time.perf_counter()
        try:
            cache_key = await handler(action, item_id)
        except ScaigridError as exc:
            return NodeOutcome(node_id=node_id, ok=False, error=f"{exc.code}: {exc.message}")
        except Exception as exc:
            log.exception("%s of %s %s failed on node %s", action, kind, item_id, node_id)
            return NodeOutcome(node_id=node_id, ok=False, error=f"{type(exc).__name__}: {exc}")
        elapsed_ms = round((time.perf_counter() - started) * 1000, 3)
        if action == "warm":
            await self.mark_warm(node_id, kind, item_id)
        else:
            await self.mark_evicted(node_id, kind, item_id)
        return NodeOutcome(node_id=node_id, ok=True, load_ms=elapsed_ms, cache_key=cache_key)
