"""Node registry: memory (embedded) and Redis (scaled, two nodes in one process) with warm/evict fan-out."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable
from types import SimpleNamespace

import msgspec
import pytest
import redis.asyncio as aioredis
from scaigrid.errors import BadRequest, NotFound, ScaigridError
from scaigrid.nodes import (
    MemoryNodeRegistry,
    NodeInfo,
    NodeRegistry,
    RedisNodeRegistry,
    WarmHandler,
    create_node_registry,
)

pytestmark = pytest.mark.anyio

REDIS_URL = os.environ.get("SCAIGRID_REDIS_URL") or "redis://127.0.0.1:6379/0"


def recording_handler(log: list[tuple[str, str]], tag: str) -> WarmHandler:
    async def handler(action: str, item_id: str) -> str | None:
        log.append((action, item_id))
        if item_id == "broken":
            raise NotFound("no such speaker profile", code="SCAIECHO_SPEAKER_NOT_FOUND")
        return f"{tag}:{item_id}" if action == "warm" else None

    return handler


# -- memory -------------------------------------------------------------------------------------


async def test_memory_registry_runs_the_local_handler_and_tracks_warm_items() -> None:
    registry = MemoryNodeRegistry()
    with pytest.raises(ScaigridError) as err:
        await registry.fan_out("speaker", "spk1", "warm")
    assert err.value.code == "NODE_NOT_REGISTERED"

    calls: list[tuple[str, str]] = []
    registry.add_handler("speaker", recording_handler(calls, "local"))
    await registry.register(NodeInfo(node_id="n1", capabilities=["speaker_embedding", "stt"]))
    (node,) = await registry.nodes("stt")
    assert node.node_id == "n1" and node.heartbeat_at > 0 and node.warm == {}
    assert await registry.nodes("tts") == []

    (outcome,) = await registry.fan_out("speaker", "spk1", "warm", capability="speaker_embedding")
    assert outcome.ok and outcome.cache_key == "local:spk1" and outcome.load_ms is not None
    assert calls == [("warm", "spk1")]
    assert await registry.warm_nodes("speaker", "spk1") == ["n1"]
    assert (await registry.nodes())[0].warm == {"speaker": ["spk1"]}

    outcomes = await registry.fan_out("speaker", "spk1", "evict", node_ids=["n1", "ghost", "n1"])
    assert [(o.node_id, o.ok, o.error) for o in outcomes] == [
        ("n1", True, None),
        ("ghost", False, "skipped_not_candidate"),
    ]
    assert await registry.warm_nodes("speaker", "spk1") == []

    (failed,) = await registry.fan_out("speaker", "broken", "warm")
    assert (
        not failed.ok and failed.error is not None and failed.error.startswith("SCAIECHO_SPEAKER_NOT_FOUND")
    )
    assert await registry.warm_nodes("speaker", "broken") == []

    (missing,) = await registry.fan_out("voice", "v1", "warm")
    assert not missing.ok and "no 'voice' handler" in (missing.error or "")
    with pytest.raises(BadRequest):
        await registry.fan_out("speaker", "spk1", "refresh")
    await registry.close()


async def test_an_explicit_handler_overrides_the_registered_one_locally() -> None:
    registry = MemoryNodeRegistry()
    await registry.register(NodeInfo(node_id="solo", capabilities=["tts"]))

    async def warm_voice(action: str, item_id: str) -> str:
        return f"voice-cache/{item_id}"

    (outcome,) = await registry.fan_out("voice", "joe", "warm", handler=warm_voice)
    assert outcome.ok and outcome.cache_key == "voice-cache/joe"


def test_settings_pick_the_implementation() -> None:
    assert isinstance(create_node_registry(SimpleNamespace(redis_url="")), MemoryNodeRegistry)
    scaled = create_node_registry(SimpleNamespace(redis_url=REDIS_URL, redis_prefix="sgx"))
    assert isinstance(scaled, RedisNodeRegistry) and scaled.prefix == "sgx:nodes:"


# -- redis ----------------------------------------------------------------------------------------


@pytest.fixture
async def redis_nodes() -> AsyncIterator[Callable[..., RedisNodeRegistry]]:
    """A factory of Redis registries sharing one unique key prefix; everything is removed afterwards."""
    prefix = f"sgtest-nodes-{uuid.uuid4().hex[:10]}:"
    made: list[RedisNodeRegistry] = []

    def make(**kwargs: object) -> RedisNodeRegistry:
        registry = RedisNodeRegistry(REDIS_URL, prefix=prefix, **kwargs)  # type: ignore[arg-type]
        made.append(registry)
        return registry

    yield make
    for registry in made:
        await registry.close()
    client = aioredis.Redis.from_url(REDIS_URL)
    keys = [key async for key in client.scan_iter(match=prefix + "*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def _node(
    make: Callable[..., RedisNodeRegistry], node_id: str, capabilities: list[str]
) -> NodeRegistry:
    registry = make()
    await registry.register(NodeInfo(node_id=node_id, capabilities=capabilities))
    return registry


@pytest.mark.scaled
async def test_two_redis_nodes_fan_out_over_pubsub(redis_nodes: Callable[..., RedisNodeRegistry]) -> None:
    a_calls: list[tuple[str, str]] = []
    b_calls: list[tuple[str, str]] = []
    a = await _node(redis_nodes, "node-a", ["speaker_embedding", "stt"])
    b = await _node(redis_nodes, "node-b", ["speaker_embedding"])
    c = await _node(redis_nodes, "node-c", ["stt"])
    a.add_handler("speaker", recording_handler(a_calls, "a"))
    b.add_handler("speaker", recording_handler(b_calls, "b"))

    assert {n.node_id for n in await c.nodes()} == {"node-a", "node-b", "node-c"}
    assert {n.node_id for n in await c.nodes("speaker_embedding")} == {"node-a", "node-b"}

    outcomes = await a.fan_out("speaker", "spk1", "warm", capability="speaker_embedding")
    assert {(o.node_id, o.ok, o.cache_key) for o in outcomes} == {
        ("node-a", True, "a:spk1"),
        ("node-b", True, "b:spk1"),
    }
    assert a_calls == [("warm", "spk1")] and b_calls == [("warm", "spk1")]  # each node ran its own handler
    assert await c.warm_nodes("speaker", "spk1") == ["node-a", "node-b"]
    warm = {n.node_id: n.warm for n in await c.nodes("speaker_embedding")}
    assert warm == {"node-a": {"speaker": ["spk1"]}, "node-b": {"speaker": ["spk1"]}}

    # Ask explicitly: c lacks the capability, ghost is not a node; b fails with a coded error.
    outcomes = await a.fan_out(
        "speaker", "broken", "warm", node_ids=["node-b", "node-c", "ghost"], capability="speaker_embedding"
    )
    assert [(o.node_id, o.ok) for o in outcomes] == [("node-b", False), ("node-c", False), ("ghost", False)]
    assert (outcomes[0].error or "").startswith("SCAIECHO_SPEAKER_NOT_FOUND")
    assert [o.error for o in outcomes[1:]] == ["skipped_not_candidate", "skipped_not_candidate"]

    # Any node may start a fan-out; b evicts on a remotely and on itself locally.
    outcomes = await b.fan_out("speaker", "spk1", "evict", node_ids=["node-a", "node-b"])
    assert all(o.ok for o in outcomes) and a_calls[-1] == ("evict", "spk1")
    assert await a.warm_nodes("speaker", "spk1") == []


@pytest.mark.scaled
async def test_a_node_that_does_not_answer_times_out(redis_nodes: Callable[..., RedisNodeRegistry]) -> None:
    a = await _node(redis_nodes, "node-a", ["speaker_embedding"])
    stuck = await _node(redis_nodes, "node-stuck", ["speaker_embedding"])
    never = asyncio.Event()

    async def hang(action: str, item_id: str) -> str:
        await never.wait()
        return "unreachable"

    stuck.add_handler("speaker", hang)
    a.add_handler("speaker", recording_handler([], "a"))
    # A record that is alive but whose process no longer listens (crashed between heartbeats).
    zombie = NodeInfo(node_id="node-zombie", capabilities=["speaker_embedding"])
    assert isinstance(a, RedisNodeRegistry)
    await a.redis.set(a._node_key("node-zombie"), msgspec.json.encode(zombie), px=60_000)
    await a.redis.sadd(a._k("ids"), "node-zombie")

    outcomes = await a.fan_out("speaker", "spk9", "warm", capability="speaker_embedding", timeout_seconds=0.5)
    by_node = {o.node_id: o for o in outcomes}
    assert by_node["node-a"].ok
    assert (by_node["node-stuck"].ok, by_node["node-stuck"].error) == (False, "timeout")
    assert (by_node["node-zombie"].ok, by_node["node-zombie"].error) == (False, "timeout")
    assert await a.warm_nodes("speaker", "spk9") == ["node-a"]


@pytest.mark.scaled
async def test_heartbeats_are_ttld_and_dead_or_closed_nodes_disappear(
    redis_nodes: Callable[..., RedisNodeRegistry],
) -> None:
    a = await _node(redis_nodes, "node-a", ["stt"])
    b = await _node(redis_nodes, "node-b", ["stt"])
    assert isinstance(a, RedisNodeRegistry) and isinstance(b, RedisNodeRegistry)
    ttl_ms = await a.redis.pttl(a._node_key("node-a"))
    assert 0 < ttl_ms <= a.ttl_seconds * 1000
    before = (await a.nodes())[0].heartbeat_at
    await a.heartbeat()
    assert {n.node_id: n.heartbeat_at for n in await a.nodes()}["node-a"] >= before

    await b.mark_warm("node-b", "voice", "joe")
    assert await a.warm_nodes("voice", "joe") == ["node-b"]
    await a.redis.delete(a._node_key("node-b"))  # what TTL expiry does when heartbeats stop
    assert [n.node_id for n in await a.nodes()] == ["node-a"]
    assert await a.warm_nodes("voice", "joe") == []
    assert not await a.redis.sismember(a._k("ids"), "node-b")

    await a.mark_warm("node-a", "voice", "joe")
    await a.close()
    observer = redis_nodes()
    assert await observer.nodes() == [] and await observer.warm_nodes("voice", "joe") == []
