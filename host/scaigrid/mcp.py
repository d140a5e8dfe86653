"""The host's MCP endpoint: tools modules register, served over MCP "streamable HTTP" at ``/mcp``.

JSON-RPC 2.0 over POST with JSON responses (or one SSE event per response for
clients that accept only ``text/event-stream``): ``initialize`` (protocol
version negotiation, ``Mcp-Session-Id``), ``ping``, ``tools/list`` (filtered by
the caller's permissions) and ``tools/call``. DELETE ends a session; GET (a
server-to-client stream) is not offered, as the spec allows. Identity comes
from the ``principal`` dependency; the registry from ``platform.mcp``.
"""

from __future__ import annotations

import inspect
import json
import logging
import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import jsonschema
import msgspec
from litestar import Request, Response, delete, get, post

from scaigrid.errors import ScaigridError, StartupError
from scaigrid.records import McpTool

__all__ = ["PROTOCOL_VERSIONS", "McpRegistry", "mcp_routes"]

log = logging.getLogger("scaigrid.mcp")

PROTOCOL_VERSIONS: tuple[str, ...] = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")
"""Handshake protocol revisions this server speaks, newest first."""
_STRUCTURED_SINCE = "2025-06-18"  # structuredContent in tool results
_FALLBACK_VERSION = "2025-03-26"  # what a request without MCP-Protocol-Version header means (spec)
SESSION_HEADER = "Mcp-Session-Id"
VERSION_HEADER = "MCP-Protocol-Version"
MAX_BODY_BYTES = 4 * 1024 * 1024

PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS, INTERNAL_ERROR = (
    -32700,
    -32600,
    -32601,
    -32602,
    -32603,
)
_TOOL_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")


@dataclass
class _Session:
    version: str
    identity: tuple[str, ...]
    last_seen: float


def _identity(principal: Any) -> tuple[str, ...]:
    """Who a session belongs to, so a leaked session id is useless to another caller."""
    return tuple(str(getattr(principal, attr, "")) for attr in ("tenant_id", "user_id"))


class McpRegistry:
    """Registered tools plus the live MCP sessions of this process."""

    def __init__(
        self,
        *,
        server_name: str = "scaigrid",
        server_version: str = "0.1.0",
        instructions: str | None = None,
        session_ttl_seconds: float = 3600.0,
        max_sessions: int = 10_000,
    ) -> None:
        self.server_name = server_name
        self.server_version = server_version
        self.instructions = instructions
        self.session_ttl_seconds = session_ttl_seconds
        self.max_sessions = max_sessions
        self._tools: dict[str, McpTool] = {}
        self._providers: dict[str, str] = {}
        self._validators: dict[str, jsonschema.protocols.Validator] = {}
        self._sessions: OrderedDict[str, _Session] = OrderedDict()
        self._lock = threading.Lock()

    # -- tools -------------------------------------------------------------------------------

    def register(self, tool: McpTool, provider_module: str) -> None:
        """Add a tool; a duplicate name or an invalid input schema fails start-up."""
        if not _TOOL_NAME.match(tool.name):
            raise StartupError(
                f"module {provider_module!r} registers MCP tool {tool.name!r}: names are 1-128 "
                "characters of letters, digits, '_', '-' and '.'"
            )
        if tool.name in self._tools:
            raise StartupError(
                f"MCP tool {tool.name!r} is provided by both module {self._providers[tool.name]!r} "
                f"and module {provider_module!r}; rename one of them"
            )
        schema = tool.input_schema
        if schema.get("type") != "object":
            raise StartupError(
                f"MCP tool {tool.name!r} (module {provider_module!r}): input_schema must be type object"
            )
        validator_cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
        try:
            validator_cls.check_schema(schema)
        except jsonschema.SchemaError as exc:
            raise StartupError(
                f"MCP tool {tool.name!r} (module {provider_module!r}) has an invalid input_schema: "
                f"{exc.message}"
            ) from exc
        if not callable(tool.handler):
            raise StartupError(
                f"MCP tool {tool.name!r} (module {provider_module!r}): handler is not callable"
            )
        self._tools[tool.name] = tool
        self._providers[tool.name] = provider_module
        self._validators[tool.name] = validator_cls(schema)

    def names(self) -> list[str]:
        return sorted(self._tools)

    def tools_for(self, principal: Any) -> list[McpTool]:
        """Tools the principal may see and call (no permission = any authenticated caller)."""
        return [
            tool
            for name, tool in sorted(self._tools.items())
            if tool.permission is None or principal.has(tool.permission)
        ]

    # -- sessions ----------------------------------------------------------------------------

    def open_session(self, version: str, principal: Any) -> str:
        session_id = secrets.token_urlsafe(24)
        with self._lock:
            self._expire_locked()
            while len(self._sessions) >= self.max_sessions:
                self._sessions.popitem(last=False)
            self._sessions[session_id] = _Session(version, _identity(principal), time.monotonic())
        return session_id

    def session(self, session_id: str, principal: Any) -> _Session | None:
        with self._lock:
            self._expire_locked()
            session = self._sessions.get(session_id)
            if session is None or session.identity != _identity(principal):
                return None
            session.last_seen = time.monotonic()
            self._sessions.move_to_end(session_id)
            return session

    def close_session(self, session_id: str, principal: Any) -> bool:
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None or session.identity != _identity(principal):
                return False
            del self._sessions[session_id]
            return True

    def _expire_locked(self) -> None:
        cutoff = time.monotonic() - self.session_ttl_seconds
        while self._sessions:
            oldest_id, oldest = next(iter(self._sessions.items()))
            if oldest.last_seen >= cutoff:
                break
            del self._sessions[oldest_id]

    @property
    def session_count(self) -> int:
        with self._lock:
            return len(self._sessions)

    # -- JSON-RPC ----------------------------------------------------------------------------

    async def dispatch(self, message: Any, principal: Any, version: str) -> dict[str, Any] | None:
        """Answer one JSON-RPC message (``initialize`` is handled by the route); None for notifications."""
        if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
            return _error(None, INVALID_REQUEST, "not a JSON-RPC 2.0 message")
        msg_id = message.get("id")
        method = message.get("method")
        if method is None:
            return None  # a response to a server request; we never send any
        if not isinstance(method, str):
            return _error(msg_id, INVALID_REQUEST, "method must be a string")
        if "id" not in message:
            return None  # notifications (initialized, cancelled, ...) need no answer
        params = message.get("params") or {}
        if not isinstance(params, dict):
            return _error(msg_id, INVALID_PARAMS, "params must be an object")
        if method == "ping":
            return _result(msg_id, {})
        if method == "tools/list":
            tools = [_describe(tool) for tool in self.tools_for(principal)]
            return _result(msg_id, {"tools": tools})
        if method == "tools/call":
            return await self._call(msg_id, params, principal, version)
        if method == "initialize":
            return _error(msg_id, INVALID_REQUEST, "the session is already initialized")
        return _error(msg_id, METHOD_NOT_FOUND, f"method not found: {method}")

    def initialize(self, message: dict[str, Any], principal: Any) -> tuple[dict[str, Any], str]:
        """Negotiate the version and open a session; returns the response and the session id."""
        params = message.get("params") or {}
        requested = params.get("protocolVersion") if isinstance(params, dict) else None
        version = requested if requested in PROTOCOL_VERSIONS else PROTOCOL_VERSIONS[0]
        session_id = self.open_session(version, principal)
        result: dict[str, Any] = {
            "protocolVersion": version,
            "capabilities": {"tools": {"listChanged": False}},
            "serverInfo": {"name": self.server_name, "version": self.server_version},
        }
        if self.instructions:
            result["instructions"] = self.instructions
        return _result(message.get("id"), result), session_id

    async def _call(
        self, msg_id: Any, params: dict[str, Any], principal: Any, version: str
    ) -> dict[str, Any]:
        name = params.get("name")
        tool = self._tools.get(name) if isinstance(name, str) else None
        if tool is None or (tool.permission is not None and not principal.has(tool.permission)):
            # A tool the caller may not use is indistinguishable from one that does not exist.
            return _error(msg_id, INVALID_PARAMS, f"unknown tool: {name}")
        arguments = params.get("arguments") or {}
        if not isinstance(arguments, dict):
            return _error(msg_id, INVALID_PARAMS, "arguments must be an object")
        problems = sorted(self._validators[tool.name].iter_errors(arguments), key=lambda e: list(e.path))
        if problems:
            # Invalid input is a tool error, not a protocol error, so the model can correct itself.
            detail = "; ".join(f"{'/'.join(map(str, e.path)) or '(root)'}: {e.message}" for e in problems[:5])
            return _result(msg_id, _tool_error("INVALID_ARGUMENTS", f"invalid arguments: {detail}"))
        try:
            value: Any = tool.handler(principal, arguments)
            if inspect.isawaitable(value):
                value = await value
            content = json.loads(msgspec.json.encode(value))
        except ScaigridError as exc:
            return _result(msg_id, _tool_error(exc.code, exc.message, exc.details))
        except Exception:
            log.exception("MCP tool %s (module %s) failed", tool.name, self._providers[tool.name])
            return _result(msg_id, _tool_error("INTERNAL_ERROR", f"tool {tool.name} failed unexpectedly"))
        result: dict[str, Any] = {
            "content": [{"type": "text", "text": json.dumps(content, ensure_ascii=False)}],
            "isError": False,
        }
        if isinstance(content, dict) and _at_least(version, _STRUCTURED_SINCE):
            result["structuredContent"] = content
        return _result(msg_id, result)


def _at_least(version: str, minimum: str) -> bool:
    order = PROTOCOL_VERSIONS[::-1]
    return version in order and order.index(version) >= order.index(minimum)


def _describe(tool: McpTool) -> dict[str, Any]:
    return {"name": tool.name, "description": tool.description, "inputSchema": tool.input_schema}


def _result(msg_id: Any, result: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": msg_id, "result": result}


def _error(msg_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}}


def _tool_error(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details:
        body["details"] = details
    return {"content": [{"type": "text", "text": json.dumps({"error": body})}], "isError": True}


# -- HTTP transport ------------------------------------------------------------------------


def _http_error(
    status: int, code: int, message: str, headers: dict[str, str] | None = None
) -> Response[bytes]:
    return Response(
        content=json.dumps(_error(None, code, message)).encode(),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def _accepts(request: Request[Any, Any, Any]) -> tuple[bool, bool]:
    accept = request.headers.get("accept", "").lower()
    media = {part.split(";", 1)[0].strip() for part in accept.split(",")} if accept else {"*/*"}
    any_type = "*/*" in media
    return any_type or "application/json" in media, any_type or "text/event-stream" in media


def _origin_ok(request: Request[Any, Any, Any]) -> bool:
    """Reject cross-site browser calls (DNS rebinding): an Origin must name this host."""
    origin = request.headers.get("origin")
    if not origin:
        return True
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1].rstrip("/") == host


def _registry(platform: Any) -> McpRegistry:
    registry: McpRegistry = platform.mcp
    return registry


def _encode(answers: list[dict[str, Any]], batch: bool, as_sse: bool) -> tuple[bytes, str]:
    if as_sse:
        events = "".join(f"event: message\ndata: {json.dumps(a)}\n\n" for a in answers)
        return events.encode(), "text/event-stream"
    body = answers if batch else answers[0]
    return json.dumps(body).encode(), "application/json"


@post("/mcp", include_in_schema=False, status_code=200)
async def mcp_post(request: Request[Any, Any, Any], principal: Any, platform: Any) -> Response[bytes]:
    """One POST carries one JSON-RPC message (or a batch); requests are answered in the body."""
    if principal is None:
        return _http_error(401, INVALID_REQUEST, "authentication required", {"WWW-Authenticate": "Bearer"})
    if not _origin_ok(request):
        return _http_error(403, INVALID_REQUEST, "origin not allowed")
    wants_json, wants_sse = _accepts(request)
    if not (wants_json or wants_sse):
        return _http_error(406, INVALID_REQUEST, "accept application/json or text/event-stream")
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        return _http_error(413, INVALID_REQUEST, "message too large")
    try:
        payload = json.loads(raw)
    except ValueError:
        return _http_error(400, PARSE_ERROR, "parse error: body is not JSON")
    batch = isinstance(payload, list)
    messages: list[Any] = payload if batch else [payload]
    if not messages:
        return _http_error(400, INVALID_REQUEST, "empty batch")
    registry = _registry(platform)

    init = [m for m in messages if isinstance(m, dict) and m.get("method") == "initialize"]
    if init:
        if len(messages) != 1 or "id" not in init[0]:
            return _http_error(400, INVALID_REQUEST, "initialize must be sent alone, as a request")
        answer, session_id = registry.initialize(init[0], principal)
        body, media = _encode([answer], False, not wants_json)
        return Response(content=body, media_type=media, headers={SESSION_HEADER: session_id})

    given_session = request.headers.get(SESSION_HEADER)
    if not given_session:
        return _http_error(400, INVALID_REQUEST, f"missing {SESSION_HEADER} header; send initialize first")
    session = registry.session(given_session, principal)
    if session is None:
        return _http_error(404, INVALID_REQUEST, "session not found; initialize a new one")
    header_version = request.headers.get(VERSION_HEADER)
    if header_version is not None and header_version not in PROTOCOL_VERSIONS:
        return _http_error(400, INVALID_REQUEST, f"unsupported {VERSION_HEADER}: {header_version}")
    version: str = header_version or session.version or _FALLBACK_VERSION

    answers = [a for a in [await registry.dispatch(m, principal, version) for m in messages] if a is not None]
    if not answers:
        return Response(content=b"", status_code=202)
    body, media = _encode(answers, batch, not wants_json)
    return Response(content=body, media_type=media)


@get("/mcp", include_in_schema=False)
async def mcp_get() -> Response[bytes]:
    """No server-initiated stream: the host never sends requests or notifications unprompted."""
    return _http_error(405, INVALID_REQUEST, "method not allowed", {"Allow": "POST, DELETE"})


@delete("/mcp", include_in_schema=False, status_code=200)
async def mcp_delete(request: Request[Any, Any, Any], principal: Any, platform: Any) -> Response[bytes]:
    """End a session (the client is done)."""
    if principal is None:
        return _http_error(401, INVALID_REQUEST, "authentication required", {"WWW-Authenticate": "Bearer"})
    session_id = request.headers.get(SESSION_HEADER, "")
    if not _registry(platform).close_session(session_id, principal):
        return _http_error(404, INVALID_REQUEST, "session not found")
    return Response(content=b"", status_code=204)


mcp_routes: list[Any] = [mcp_post, mcp_get, mcp_delete]
"""Mount these on the app (the host's ``create_app`` does); they need ``principal`` and ``platform``."""
