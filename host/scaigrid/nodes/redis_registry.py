"""The scaled node registry: node records with TTL'd heartbeats, warm sets and pub/sub fan-out in Redis.

Keys (all under ``prefix``): ``node:<id>`` holds the node record and expires
unless heartbeats refresh it; ``ids`` indexes node ids; ``warm:<id>`` is the set
of ``kind|item`` a node holds warm (expiring with the node); ``item:<kind>|<item>``
is the set of node ids holding that item. Each node listens on ``rpc:<id>`` for
warm/evict requests and answers on the requester's channel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from typing import Any

import msgspec
import redis.asyncio as aioredis

from scaigrid.nodes.base import TIMEOUT, NodeInfo, NodeOutcome, NodeRegistry

__all__ = ["RedisNodeRegistry"]

log = logging.getLogger("scaigrid.nodes")

_SEP = "|"


def _strs(values: Any) -> set[str]:
    """Redis set members as text, whether or not the client decodes responses."""
    return {v.decode() if isinstance(v, bytes) else str(v) for v in values}


class _Message(msgspec.Struct, kw_only=True):
    """One pub/sub frame: a request to run a handler, or the answer to one."""

    type: str  # "request" | "response"
    id: str
    reply_to: str = ""
    kind: str = ""
    item_id: str = ""
    action: str = ""
    outcome: NodeOutcome | None = None


class RedisNodeRegistry(NodeRegistry):
    """Nodes shared through Redis. ``client`` may be a URL or an existing ``redis.asyncio.Redis``."""

    def __init__(
        self,
        client: str | aioredis.Redis,
        *,
        prefix: str = "scaigrid:nodes:",
        ttl_seconds: float = 30.0,
        heartbeat_seconds: float | None = None,
        request_timeout: float = 10.0,
    ) -> None:
        super().__init__(request_timeout=request_timeout)
        self._owns_client = isinstance(client, str)
        self.redis: aioredis.Redis = (
            aioredis.Redis.from_url(client, decode_responses=True) if isinstance(client, str) else client
        )
        self.prefix = prefix
        self.ttl_seconds = ttl_seconds
        self.heartbeat_seconds = heartbeat_seconds or ttl_seconds / 3
        self._pubsub: Any = None
        self._tasks: list[asyncio.Task[None]] = []
        self._handling: set[asyncio.Task[None]] = set()
        self._pending: dict[str, asyncio.Future[NodeOutcome]] = {}
        self._closed = False

    # -- keys ------------------------------------------------------------------------------

    def _k(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def _node_key(self, node_id: str) -> str:
        return self._k("node", node_id)

    def _warm_key(self, node_id: str) -> str:
        return self._k("warm", node_id)

    def _item_key(self, kind: str, item_id: str) -> str:
        return self._k("item", f"{kind}{_SEP}{item_id}")

    def _channel(self, node_id: str) -> str:
        return self._k("rpc", node_id)

    # -- registration and heartbeat ----------------------------------------------------------

    async def register(self, node: NodeInfo) -> None:
        if self.local is not None:
            await self._withdraw()
        self.local = node
        # Listen before announcing, so no request can reach a node id nobody hears yet.
        self._pubsub = self.redis.pubsub()
        await self._pubsub.subscribe(self._channel(node.node_id))
        while True:
            msg = await self._pubsub.get_message(ignore_subscribe_messages=False, timeout=5.0)
            if msg is not None and msg.get("type") == "subscribe":
                break
        await self.heartbeat()
        await self.redis.sadd(self._k("ids"), node.node_id)
        self._tasks = [
            asyncio.create_task(self._listen(), name=f"scaigrid-node-listen-{node.node_id}"),
            asyncio.create_task(self._beat(), name=f"scaigrid-node-heartbeat-{node.node_id}"),
        ]

    async def heartbeat(self) -> None:
        node = self.local
        if node is None:
            return
        node.heartbeat_at = time.time()
        record = msgspec.json.encode(msgspec.structs.replace(node, warm={}))
        ttl_ms = int(self.ttl_seconds * 1000)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(self._node_key(node.node_id), record, px=ttl_ms)
            pipe.pexpire(self._warm_key(node.node_id), ttl_ms)
            await pipe.execute()

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            try:
                await self.heartbeat()
            except Exception:  # Redis hiccup: the next beat retries before the TTL runs out
                log.exception("node heartbeat failed")

    async def close(self) -> None:
        """Stop listening and heartbeats, withdraw this node's records, release the connection."""
        await self._withdraw()
        if self._owns_client and not self._closed:
            self._closed = True
            await self.redis.aclose()

    async def _withdraw(self) -> None:
        for task in [*self._tasks, *self._handling]:
            task.cancel()
        for task in [*self._tasks, *self._handling]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks, self._handling = [], set()
        for fut in self._pending.values():
            fut.cancel()
        self._pending.clear()
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
            self._pubsub = None
        node, self.local = self.local, None
        if node is not None:
            with contextlib.suppress(Exception):
                members = _strs(await self.redis.smembers(self._warm_key(node.node_id)))
                async with self.redis.pipeline(transaction=False) as pipe:
                    for member in members:
                        kind, _, item = member.partition(_SEP)
                        pipe.srem(self._item_key(kind, item), node.node_id)
                    pipe.delete(self._node_key(node.node_id), self._warm_key(node.node_id))
                    pipe.srem(self._k("ids"), node.node_id)
                    await pipe.execute()

    # -- queries -----------------------------------------------------------------------------

    async def _live_records(self) -> dict[str, NodeInfo]:
        ids = sorted(_strs(await self.redis.smembers(self._k("ids"))))
        if not ids:
            return {}
        raw = await self.redis.mget([self._node_key(i) for i in ids])
        live: dict[str, NodeInfo] = {}
        dead: list[str] = []
        for node_id, value in zip(ids, raw, strict=True):
            if value is None:
                dead.append(node_id)
            else:
                live[node_id] = msgspec.json.decode(value, type=NodeInfo)
        if dead:  # heartbeats stopped: drop them from the index
            await self.redis.srem(self._k("ids"), *dead)
        return live

    async def nodes(self, capability: str | None = None) -> list[NodeInfo]:
        live = await self._live_records()
        chosen = [n for n in live.values() if capability is None or capability in n.capabilities]
        if not chosen:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for node in chosen:
                pipe.smembers(self._warm_key(node.node_id))
            warm_sets = await pipe.execute()
        for node, members in zip(chosen, warm_sets, strict=True):
            warm: dict[str, list[str]] = {}
            for member in sorted(_strs(members)):
                kind, _, item = member.partition(_SEP)
                warm.setdefault(kind, []).append(item)
            node.warm = warm
        return chosen

    async def mark_warm(self, node_id: str, kind: str, item_id: str) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.sadd(self._warm_key(node_id), f"{kind}{_SEP}{item_id}")
            pipe.pexpire(self._warm_key(node_id), int(self.ttl_seconds * 1000))
            pipe.sadd(self._item_key(kind, item_id), node_id)
            await pipe.execute()

    async def mark_evicted(self, node_id: str, kind: str, item_id: str) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.srem(self._warm_key(node_id), f"{kind}{_SEP}{item_id}")
            pipe.srem(self._item_key(kind, item_id), node_id)
            await pipe.execute()

    async def warm_nodes(self, kind: str, item_id: str) -> list[str]:
        holders = _strs(await self.redis.smembers(self._item_key(kind, item_id)))
        if not holders:
            return []
        live = await self._live_records()
        gone = [n for n in holders if n not in live]
        if gone:
            await self.redis.srem(self._item_key(kind, item_id), *gone)
        return sorted(n for n in holders if n in live)

    # -- request/response over pub/sub ---------------------------------------------------------

    async def _remote(self, node_id: str, kind: str, item_id: str, action: str, wait: float) -> NodeOutcome:
        request_id = uuid.uuid4().hex
        future: asyncio.Future[NodeOutcome] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        frame = _Message(
            type="request",
            id=request_id,
            reply_to=self._channel(self.node_id),
            kind=kind,
            item_id=item_id,
            action=action,
        )
        try:
            receivers = await self.redis.publish(self._channel(node_id), msgspec.json.encode(frame))
            if receivers == 0:  # its record is still alive but nobody listens: it cannot answer
                return NodeOutcome(node_id=node_id, ok=False, error=TIMEOUT)
            return await asyncio.wait_for(future, wait)
        except TimeoutError:
            return NodeOutcome(node_id=node_id, ok=False, error=TIMEOUT)
        finally:
            self._pending.pop(request_id, None)

    async def _listen(self) -> None:
        while True:
            try:
                msg = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("node pub/sub listener failed; retrying")
                await asyncio.sleep(1.0)
                continue
            if msg is None or msg.get("type") != "message":
                continue
            try:
                frame = msgspec.json.decode(msg["data"], type=_Message)
            except msgspec.DecodeError:
                log.warning("ignoring a malformed node frame")
                continue
            if frame.type == "response" and frame.outcome is not None:
                future = self._pending.get(frame.id)
                if future is not None and not future.done():
                    future.set_result(frame.outcome)
            elif frame.type == "request":
                task = asyncio.create_task(self._answer(frame))
                self._handling.add(task)
                task.add_done_callback(self._handling.discard)

    async def _answer(self, frame: _Message) -> None:
        outcome = await self.run_local(frame.kind, frame.item_id, frame.action)
        reply = _Message(type="response", id=frame.id, outcome=outcome)
        await self.redis.publish(frame.reply_to, msgspec.json.encode(reply))
