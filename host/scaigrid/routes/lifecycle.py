"""Lifecycle routes mounted inside every module's router: ``{prefix}/admin/lifecycle/...`` (SuperAdmin).

ScaiSpeak's reference names these paths; every module gets them, so an operator
drives any module the same way. Uninstall needs the module id repeated and a
confirmation token (``GET .../admin/lifecycle/uninstall-token``) so a stray call
cannot erase a module's data.
"""

from __future__ import annotations

import hashlib
import hmac
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
    return hmac.new(platform.secret.encode(), f"uninstall:{module_id}".encode(), hashlib.sha256).hexdigest()[
        :32
    ]


def module_lifecycle_routes(ctx: ModuleContext) -> list[Any]:
    opt = {"scaigrid_lifecycle": True}
    code_prefix = ctx.id.upper()

    @post("/admin/lifecycle/install", guards=[superadmin], opt=opt, status_code=200, name=f"{ctx.id}.install")
    async def install(platform: Platform, principal: Principal) -> dict[str, Any]:
        return ok(msgspec.to_builtins(await platform.lifecycle.install(ctx.id, actor=principal.actor)))

    @post("/admin/lifecycle/upgrade", guards=[superadmin], opt=opt, status_code=200, name=f"{ctx.id}.upgrade")
    async def upgrade(platform: Platform, principal: Principal) -> dict[str, Any]:
        return ok(msgspec.to_builtins(await platform.lifecycle.upgrade(ctx.id, actor=principal.actor)))

    @get("/admin/lifecycle/uninstall-token", guards=[superadmin], opt=opt, name=f"{ctx.id}.uninstall_token")
    async def token(platform: Platform) -> dict[str, Any]:
        return ok({"module_id": ctx.id, "confirmation_token": uninstall_token(platform, ctx.id)})

    @post(
        "/admin/lifecycle/uninstall",
        guards=[superadmin],
        opt=opt,
        status_code=200,
        name=f"{ctx.id}.uninstall",
    )
    async def uninstall(platform: Platform, principal: Principal, data: UninstallRequest) -> dict[str, Any]:
        expected = uninstall_token(platform, ctx.id)
        if data.expected_module_id != ctx.id or not hmac.compare_digest(data.confirmation_token, expected):
            raise BadRequest(
                "confirmation_token or expected_module_id does not match this module",
                code=f"{code_prefix}_UNINSTALL_TOKEN_MISMATCH",
            )
        return ok(msgspec.to_builtins(await platform.lifecycle.uninstall(ctx.id, actor=principal.actor)))

    @post(
        "/admin/lifecycle/tenant/{tenant_id:str}/enable",
        guards=[superadmin],
        opt=opt,
        status_code=200,
        name=f"{ctx.id}.tenant_enable",
    )
    async def enable(platform: Platform, principal: Principal, tenant_id: str) -> dict[str, Any]:
        status = await platform.lifecycle.set_tenant(ctx.id, tenant_id, enabled=True, actor=principal.actor)
        return ok(msgspec.to_builtins(status))

    @post(
        "/admin/lifecycle/tenant/{tenant_id:str}/disable",
        guards=[superadmin],
        opt=opt,
        status_code=200,
        name=f"{ctx.id}.tenant_disable",
    )
    async def disable(platform: Platform, principal: Principal, tenant_id: str) -> dict[str, Any]:
        status = await platform.lifecycle.set_tenant(ctx.id, tenant_id, enabled=False, actor=principal.actor)
        return ok(msgspec.to_builtins(status))

    routes: list[Any] = [install, upgrade, token, uninstall, enable, disable]
    if "/" + ctx.info.prefix.strip("/") == f"/v1/modules/{ctx.id}":
        routes += _v1_modules_aliases(ctx)
    return routes


def _v1_modules_aliases(ctx: ModuleContext) -> list[Any]:
    """``/v1/modules/{id}/...`` admin routes for a module mounted at ``/v1/modules/{id}``.

    The router's static prefix wins over the admin controller's ``{module_id}``
    parameter (routing does not backtrack), so such a module carries the same
    admin routes itself.
    """
    opt = {"scaigrid_lifecycle": True}

    @get("/", guards=[superadmin], opt=opt, name=f"{ctx.id}.status")
    async def status(platform: Platform) -> dict[str, Any]:
        return ok(msgspec.to_builtins(await platform.lifecycle.status(ctx.id)))

    @post("/install", guards=[superadmin], opt=opt, status_code=200, name=f"{ctx.id}.v1_install")
    async def install(platform: Platform, principal: Principal) -> dict[str, Any]:
        return ok(msgspec.to_builtins(await platform.lifecycle.install(ctx.id, actor=principal.actor)))

    @post("/upgrade", guards=[superadmin], opt=opt, status_code=200, name=f"{ctx.id}.v1_upgrade")
    async def upgrade(platform: Platform, principal: Principal) -> dict[str, Any]:
        return ok(msgspec.to_builtins(await platform.lifecycle.upgrade(ctx.id, actor=principal.actor)))

    @post("/uninstall", guards=[superadmin], opt=opt, status_code=200, name=f"{ctx.id}.v1_uninstall")
    async def uninstall(platform: Platform, principal: Principal) -> dict[str, Any]:
        return ok(msgspec.to_builtins(await platform.lifecycle.uninstall(ctx.id, actor=principal.actor)))

    @post(
        "/tenants/{tenant_id:str}/{action:str}",
        guards=[superadmin],
        opt=opt,
        status_code=200,
        name=f"{ctx.id}.v1_tenant",
    )
    async def tenant(platform: Platform, principal: Principal, tenant_id: str, action: str) -> dict[str, Any]:
        if action not in ("enable", "disable"):
            raise BadRequest("action must be enable or disable", code="BAD_ACTION")
        status = await platform.lifecycle.set_tenant(
            ctx.id, tenant_id, enabled=action == "enable", actor=principal.actor
        )
        return ok(msgspec.to_builtins(status))

    return [status, install, upgrade, uninstall, tenant]
