"""Lifecycle routes mounted inside every module's router: ``{prefix}/admin/lifecycle/...`` (SuperAdmin).

ScaiSpeak's reference names these paths; every module gets them, so an operator
drives any module the same way. Uninstall there needs the module id repeated and
a confirmation token (``GET .../admin/lifecycle/uninstall-token``) so a stray
call cannot erase a module's data.

A module mounted at ``/v1/modules/{id}`` also answers the host's admin paths
(``/v1/modules/{id}/install`` ...) itself: its router's static prefix wins over
the admin controller's ``{module_id}`` parameter, and routing does not backtrack.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

import msgspec
from litestar import get, post

from scaigrid.auth import Principal, superadmin
from scaigrid.context import ModuleContext
from scaigrid.envelopes import ok
from scaigrid.errors import BadRequest
from scaigrid.platform import Platform

__all__ = ["module_lifecycle_routes", "uninstall_token"]


class UninstallRequest(msgspec.Struct, kw_only=True):
    confirmation_token: str
    expected_module_id: str


def uninstall_token(platform: Platform, module_id: str) -> str:
    digest = hmac.new(platform.secret.encode(), f"uninstall:{module_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def module_lifecycle_routes(ctx: ModuleContext) -> list[Any]:
    v1 = "/" + ctx.info.prefix.strip("/") == f"/v1/modules/{ctx.id}"

    def paths(reference: str, alias: str) -> list[str]:
        return [reference, alias] if v1 else [reference]

    def route(method: Any, path: str | list[str], name: str) -> Callable[[Any], Any]:
        decorator: Callable[[Any], Any] = method(
            path,
            guards=[superadmin],
            opt={"scaigrid_lifecycle": True},
            name=f"{ctx.id}.{name}",
            **({"status_code": 200} if method is post else {}),
        )
        return decorator

    async def respond(value: Any) -> dict[str, Any]:
        return ok(msgspec.to_builtins(await value))

    @route(post, paths("/admin/lifecycle/install", "/install"), "install")
    async def install(platform: Platform, principal: Principal) -> dict[str, Any]:
        return await respond(platform.lifecycle.install(ctx.id, actor=principal.actor))

    @route(post, paths("/admin/lifecycle/upgrade", "/upgrade"), "upgrade")
    async def upgrade(platform: Platform, principal: Principal) -> dict[str, Any]:
        return await respond(platform.lifecycle.upgrade(ctx.id, actor=principal.actor))

    @route(get, "/admin/lifecycle/uninstall-token", "uninstall_token")
    async def token(platform: Platform) -> dict[str, Any]:
        return ok({"module_id": ctx.id, "confirmation_token": uninstall_token(platform, ctx.id)})

    @route(post, "/admin/lifecycle/uninstall", "uninstall")
    async def uninstall(platform: Platform, principal: Principal, data: UninstallRequest) -> dict[str, Any]:
        expected = uninstall_token(platform, ctx.id)
        if data.expected_module_id != ctx.id or not hmac.compare_digest(data.confirmation_token, expected):
            raise BadRequest(
                "confirmation_token or expected_module_id does not match this module",
                code=f"{ctx.id.upper()}_UNINSTALL_TOKEN_MISMATCH",
            )
        return await respond(platform.lifecycle.uninstall(ctx.id, actor=principal.actor))

    @route(
        post,
        paths(
            "/admin/lifecycle/tenant/{tenant_id:str}/{action:str}", "/tenants/{tenant_id:str}/{action:str}"
        ),
        "tenant",
    )
    async def tenant(platform: Platform, principal: Principal, tenant_id: str, action: str) -> dict[str, Any]:
        if action not in ("enable", "disable"):
            raise BadRequest("action must be enable or disable", code="BAD_ACTION")
        enabled = action == "enable"
        return await respond(
            platform.lifecycle.set_tenant(ctx.id, tenant_id, enabled=enabled, actor=principal.actor)
        )

    routes: list[Any] = [install, upgrade, token, uninstall, tenant]
    if v1:

        @route(get, "/", "status")
        async def status(platform: Platform) -> dict[str, Any]:
            return await respond(platform.lifecycle.status(ctx.id))

        @route(post, "/uninstall", "v1_uninstall")
        async def uninstall_now(platform: Platform, principal: Principal) -> dict[str, Any]:
            """The host's ``POST /v1/modules/{id}/uninstall`` (no confirmation body, like the CLI)."""
            return await respond(platform.lifecycle.uninstall(ctx.id, actor=principal.actor))

        routes += [status, uninstall_now]
    return routes
