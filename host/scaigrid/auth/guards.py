"""Route guards: each route declares the permission it needs; no handler checks by hand.

On WebSocket routes a failed guard accepts the socket, sends an ``error`` frame and
closes with ``4000 + status`` (4401, 4403): closing before accept would reach the
client as a bare HTTP 403 handshake refusal and lose the code.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.exceptions import WebSocketException
from litestar.handlers.base import BaseRouteHandler

from scaigrid.auth.principal import Principal
from scaigrid.errors import Forbidden, ScaigridError, Unauthorized

__all__ = ["authenticated", "current_principal", "fail_connection", "requires", "superadmin"]

Guard = Any


async def current_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    platform = connection.app.state.platform
    principal: Principal | None = await platform.auth.principal(connection)
    return principal


async def fail_connection(connection: ASGIConnection[Any, Any, Any, Any], err: ScaigridError) -> None:
    """Raise ``err`` the way the transport needs: HTTP error, or WS error frame + close code."""
    if connection.scope["type"] != ScopeType.WEBSOCKET:
        raise err
    ws: Any = connection
    if ws.connection_state == "init":
        await ws.accept()
    await ws.send_json({"type": "error", "code": err.code, "message": err.message})
    raise WebSocketException(detail=err.message, code=err.ws_close_code)


async def _require(connection: ASGIConnection[Any, Any, Any, Any], permissions: tuple[str, ...]) -> None:
    try:
        principal = await current_principal(connection)
    except Unauthorized as err:
        await fail_connection(connection, err)
        return
    if principal is None:
        await fail_connection(connection, Unauthorized("authentication required", code="UNAUTHENTICATED"))
        return
    missing = [p for p in permissions if not principal.has(p)]
    if missing:
        await fail_connection(
            connection,
            Forbidden(f"missing permission {', '.join(missing)}", code="PERMISSION_DENIED"),
        )


def requires(*permissions: str) -> Guard:
    """Guard: the caller is authenticated and holds every listed permission."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        await _require(connection, permissions)

    guard.__qualname__ = f"requires({', '.join(permissions)})"
    return guard


async def authenticated(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: any authenticated caller."""
    await _require(connection, ())


async def superadmin(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: SuperAdmin only."""
    await _require(connection, ())
    principal = await current_principal(connection)
    if principal is not None and not principal.is_superadmin:
        await fail_connection(connection, Forbidden("SuperAdmin only", code="SUPERADMIN_REQUIRED"))
