"""The MCP endpoint, driven by the official ``mcp`` client over real HTTP on loopback."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import httpx
import httpx2
import pytest
import uvicorn
from litestar import Litestar, Request
from litestar.di import Provide
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from scaigrid.errors import ScaigridError, StartupError
from scaigrid.mcp import McpRegistry, mcp_routes
from scaigrid.records import McpTool

pytestmark = pytest.mark.anyio


@dataclass(frozen=True)
class FakePrincipal:
    tenant_id: str
    user_id: str
    permissions: frozenset[str]

    def has(self, permission: str) -> bool:
        return "*" in self.permissions or permission in self.permissions


TOKENS = {
    "member": FakePrincipal("t1", "u1", frozenset({"scaiecho:transcribe"})),
    "admin": FakePrincipal("t1", "u2", frozenset({"*"})),
    "other": FakePrincipal("t2", "u9", frozenset()),
}


async def add(principal: Any, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"sum": arguments["a"] + arguments["b"], "tenant": principal.tenant_id}


async def purge(principal: Any, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"purged": arguments.get("what", "all")}


async def busy(principal: Any, arguments: dict[str, Any]) -> dict[str, Any]:
    raise ScaigridError(409, "SCAIECHO_BUSY", "the transcriber is busy", details={"retry_after": 3})


async def crash(principal: Any, arguments: dict[str, Any]) -> dict[str, Any]:
    raise RuntimeError("secret internal detail")


NUMBERS = {
    "type": "object",
    "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
    "required": ["a", "b"],
    "additionalProperties": False,
}


def build_registry() -> McpRegistry:
    registry = McpRegistry(server_name="scaigrid-test", server_version="9.9.9")
    tools = [
        McpTool(name="calc.add", description="Add two numbers.", input_schema=NUMBERS, handler=add),
        McpTool(
            name="admin.purge",
            description="Erase data.",
            input_schema={"type": "object", "properties": {"what": {"type": "string"}}},
            handler=purge,
            permission="admin:purge",
        ),
        McpTool(
            name="scaiecho.busy",
            description="Always busy.",
            input_schema={"type": "object"},
            handler=busy,
            permission="scaiecho:transcribe",
        ),
        McpTool(name="crash", description="Fails.", input_schema={"type": "object"}, handler=crash),
    ]
    for tool in tools:
        registry.register(tool, "testmod")
    return registry


async def provide_principal(request: Request[Any, Any, Any]) -> FakePrincipal | None:
    token = request.headers.get("authorization", "").removeprefix("Bearer ")
    return TOKENS.get(token)


@pytest.fixture(scope="module")
def mcp_server() -> Iterator[tuple[str, McpRegistry]]:
    """A tiny Litestar app mounting the MCP routes, served by uvicorn on a free loopback port."""
    registry = build_registry()
    platform = SimpleNamespace(mcp=registry)
    app = Litestar(
        route_handlers=mcp_routes,
        dependencies={
            "principal": Provide(provide_principal),
            "platform": Provide(lambda: platform, sync_to_thread=False),
        },
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/mcp", registry
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@asynccontextmanager
async def session_as(url: str, token: str) -> AsyncIterator[ClientSession]:
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        yield session


# -- through the official client --------------------------------------------------------------


async def test_initialize_list_and_call_with_the_sdk_client(mcp_server: tuple[str, McpRegistry]) -> None:
    url, registry = mcp_server
    async with session_as(url, "member") as session:
        init = await session.initialize()
        assert init.protocol_version == "2025-11-25"
        assert init.server_info.name == "scaigrid-test" and init.server_info.version == "9.9.9"
        assert init.capabilities.tools is not None
        await session.send_ping()

        listed = await session.list_tools()
        assert [t.name for t in listed.tools] == ["calc.add", "crash", "scaiecho.busy"]  # no admin.purge
        assert listed.tools[0].input_schema == NUMBERS

        result = await session.call_tool("calc.add", {"a": 2, "b": 3.5})
        assert not result.is_error
        assert result.structured_content == {"sum": 5.5, "tenant": "t1"}
        assert json.loads(result.content[0].text) == {"sum": 5.5, "tenant": "t1"}  # type: ignore[union-attr]
        assert registry.session_count >= 1


async def test_tool_errors_are_results_with_is_error(mcp_server: tuple[str, McpRegistry]) -> None:
    url, _ = mcp_server
    async with session_as(url, "member") as session:
        await session.initialize()
        await session.list_tools()
        coded = await session.call_tool("scaiecho.busy", {})
        assert coded.is_error
        body = json.loads(coded.content[0].text)  # type: ignore[union-attr]
        assert body == {
            "error": {
                "code": "SCAIECHO_BUSY",
                "message": "the transcriber is busy",
                "details": {"retry_after": 3},
            }
        }

        crashed = await session.call_tool("crash", {})
        text = crashed.content[0].text  # type: ignore[union-attr]
        assert crashed.is_error and "INTERNAL_ERROR" in text and "secret internal detail" not in text

        invalid = await session.call_tool("calc.add", {"a": "two"})
        assert invalid.is_error and "INVALID_ARGUMENTS" in invalid.content[0].text  # type: ignore[union-attr]


async def test_unknown_and_forbidden_tools_are_json_rpc_errors(mcp_server: tuple[str, McpRegistry]) -> None:
    url, _ = mcp_server
    async with session_as(url, "member") as session:
        await session.initialize()
        for name in ("no.such.tool", "admin.purge"):  # forbidden looks exactly like unknown
            with pytest.raises(Exception, match=f"unknown tool: {name}"):
                await session.call_tool(name, {})
    async with session_as(url, "admin") as session:
        await session.initialize()
        assert "admin.purge" in [t.name for t in (await session.list_tools()).tools]
        result = await session.call_tool("admin.purge", {"what": "cache"})
        assert result.structured_content == {"purged": "cache"}


# -- the wire, directly --------------------------------------------------------------------------


def _init_body(version: str = "2025-06-18", msg_id: int = 1) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": msg_id,
        "method": "initialize",
        "params": {
            "protocolVersion": version,
            "capabilities": {},
            "clientInfo": {"name": "raw", "version": "0"},
        },
    }


JSON_AND_SSE = {"Accept": "application/json, text/event-stream"}


def _headers(token: str = "member", **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **JSON_AND_SSE, **extra}


async def test_version_negotiation_and_session_rules(mcp_server: tuple[str, McpRegistry]) -> None:
    url, _ = mcp_server
    async with httpx.AsyncClient(timeout=10) as http:
        old = await http.post(url, json=_init_body("2024-11-05"), headers=_headers())
        assert old.status_code == 200 and old.json()["result"]["protocolVersion"] == "2024-11-05"
        future = await http.post(url, json=_init_body("2099-01-01"), headers=_headers())
        assert future.json()["result"]["protocolVersion"] == "2025-11-25"
        session = old.headers["mcp-session-id"]
        in_session = _headers(**{"Mcp-Session-Id": session})

        # An old-protocol session gets no structuredContent.
        params = {"name": "calc.add", "arguments": {"a": 1, "b": 1}}
        call = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": params}
        answer = (await http.post(url, json=call, headers=in_session)).json()
        assert "structuredContent" not in answer["result"] and answer["id"] == 2

        missing = await http.post(url, json=call, headers=_headers())
        assert missing.status_code == 400
        unknown = await http.post(url, json=call, headers=_headers(**{"Mcp-Session-Id": "nope"}))
        assert unknown.status_code == 404
        stolen = await http.post(url, json=call, headers=_headers("other", **{"Mcp-Session-Id": session}))
        assert stolen.status_code == 404  # a session belongs to the principal that opened it
        wrong_version = {**in_session, "MCP-Protocol-Version": "1999-01-01"}
        assert (await http.post(url, json=call, headers=wrong_version)).status_code == 400

        notification = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        accepted = await http.post(url, json=notification, headers=in_session)
        assert accepted.status_code == 202 and accepted.content == b""

        unknown_method = {"jsonrpc": "2.0", "id": 3, "method": "resources/list"}
        error = (await http.post(url, json=unknown_method, headers=in_session)).json()
        assert error["error"]["code"] == -32601

        ping4, ping5 = ({"jsonrpc": "2.0", "id": i, "method": "ping"} for i in (4, 5))
        answers = (await http.post(url, json=[ping4, notification, ping5], headers=in_session)).json()
        assert [a["id"] for a in answers] == [4, 5]

        ended = await http.delete(url, headers=in_session)
        assert ended.status_code == 204
        after = await http.post(url, json=call, headers=in_session)
        assert after.status_code == 404


async def test_http_level_refusals(mcp_server: tuple[str, McpRegistry]) -> None:
    url, _ = mcp_server
    async with httpx.AsyncClient(timeout=10) as http:
        anonymous = await http.post(url, json=_init_body(), headers=JSON_AND_SSE)
        assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
        garbage = await http.post(url, content=b"{not json", headers=_headers())
        assert garbage.status_code == 400 and garbage.json()["error"]["code"] == -32700
        html_only = await http.post(url, json=_init_body(), headers=_headers(Accept="text/html"))
        assert html_only.status_code == 406
        cross_site = await http.post(url, json=_init_body(), headers=_headers(Origin="http://evil.example"))
        assert cross_site.status_code == 403
        stream = await http.get(url, headers=_headers())
        assert stream.status_code == 405 and "POST" in stream.headers["allow"]


async def test_sse_only_clients_get_one_event_per_response(mcp_server: tuple[str, McpRegistry]) -> None:
    url, _ = mcp_server
    async with httpx.AsyncClient(timeout=10) as http:
        headers = _headers(Accept="text/event-stream")
        response = await http.post(url, json=_init_body(), headers=headers)
        assert response.headers["content-type"].startswith("text/event-stream")
        event, data = response.text.strip().split("\n")
        assert event == "event: message"
        assert json.loads(data.removeprefix("data: "))["result"]["serverInfo"]["name"] == "scaigrid-test"


# -- registration ---------------------------------------------------------------------------------


def tool(name: str, schema: dict[str, Any] | None = None) -> McpTool:
    return McpTool(name=name, description="", input_schema=schema or {"type": "object"}, handler=add)


def test_registration_rejects_duplicates_and_bad_tools() -> None:
    registry = McpRegistry()
    registry.register(tool("a.b"), "m1")
    with pytest.raises(StartupError) as err:
        registry.register(tool("a.b"), "m2")
    assert "m1" in str(err.value) and "m2" in str(err.value)
    with pytest.raises(StartupError, match="names are"):
        registry.register(tool("has space"), "m")
    with pytest.raises(StartupError, match="object"):
        registry.register(tool("x", {"type": "string"}), "m")
    with pytest.raises(StartupError, match="invalid input_schema"):
        registry.register(tool("y", {"type": "object", "properties": {"a": {"type": "nonsense"}}}), "m")
    assert registry.names() == ["a.b"]
    assert [t.name for t in registry.tools_for(TOKENS["other"])] == ["a.b"]
