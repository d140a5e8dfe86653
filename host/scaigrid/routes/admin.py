"""Administration over HTTP: modules and tenants (SuperAdmin), API keys (SuperAdmin or tenant admin)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, delete, get, post
from litestar.params import Parameter

from scaigrid.auth import Principal, requires, superadmin
from scaigrid.auth.identity import create_tenant, ensure_user, list_tenants
from scaigrid.auth.keys import create_key, list_keys, revoke_key
from scaigrid.auth.principal import Role
from scaigrid.envelopes import ok
from scaigrid.errors import Forbidden
from scaigrid.platform import Platform

__all__ = ["admin_routes"]


class TenantCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: str
    id: str | None = None
    tier: str = "standard"


class KeyCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Create an API key; the user is created when missing. ``permissions`` null = the role's."""

    user_id: str
    tenant_id: str | None = None
    role: Role | None = None
    permissions: list[str] | None = None
    name: str = ""
    email: str | None = None


def _builtins(value: Any) -> Any:
    return msgspec.to_builtins(value)


class ModulesController(Controller):
    """``/v1/modules``: list modules and drive their lifecycle (SuperAdmin)."""

    path = "/v1/modules"
    guards = [superadmin]
    tags = ["admin: modules"]

    @get("/")
    async def list_modules(self, platform: Platform) -> dict[str, Any]:
        """Every known module with version, state, error and per-tenant enablement."""
        return ok(_builtins(await platform.lifecycle.statuses()))

    @get("/{module_id:str}")
    async def get_module(self, platform: Platform, module_id: str) -> dict[str, Any]:
        return ok(_builtins(await platform.lifecycle.status(module_id)))

    @post("/{module_id:str}/install", status_code=200)
    async def install(self, platform: Platform, principal: Principal, module_id: str) -> dict[str, Any]:
        return ok(_builtins(await platform.lifecycle.install(module_id, actor=principal.actor)))

    @post("/{module_id:str}/upgrade", status_code=200)
    async def upgrade(self, platform: Platform, principal: Principal, module_id: str) -> dict[str, Any]:
        return ok(_builtins(await platform.lifecycle.upgrade(module_id, actor=principal.actor)))

    @post("/{module_id:str}/uninstall", status_code=200)
    async def uninstall(self, platform: Platform, principal: Principal, module_id: str) -> dict[str, Any]:
        return ok(_builtins(await platform.lifecycle.uninstall(module_id, actor=principal.actor)))

    @post("/{module_id:str}/tenants/{tenant_id:str}/enable", status_code=200)
    async def enable(
        self, platform: Platform, principal: Principal, module_id: str, tenant_id: str
    ) -> dict[str, Any]:
        status = await platform.lifecycle.set_tenant(
            module_id, tenant_id, enabled=True, actor=principal.actor
        )
        return ok(_builtins(status))

    @post("/{module_id:str}/tenants/{tenant_id:str}/disable", status_code=200)
    async def disable(
        self, platform: Platform, principal: Principal, module_id: str, tenant_id: str
    ) -> dict[str, Any]:
        status = await platform.lifecycle.set_tenant(
            module_id, tenant_id, enabled=False, actor=principal.actor
        )
        return ok(_builtins(status))


class TenantsController(Controller):
    """``/v1/tenants`` (SuperAdmin)."""

    path = "/v1/tenants"
    guards = [superadmin]
    tags = ["admin: tenants"]

    @post("/")
    async def create(self, platform: Platform, principal: Principal, data: TenantCreate) -> dict[str, Any]:
        async with platform.db.begin() as conn:
            tenant = await create_tenant(conn, name=data.name, tenant_id=data.id, tier=data.tier)
            await platform.db.audit(
                conn, actor=principal.actor, action="tenant.create", tenant_id=tenant.id, details={}
            )
        return ok(_builtins(tenant))

    @get("/")
    async def list(self, platform: Platform) -> dict[str, Any]:
        async with platform.db.connect() as conn:
            return ok(_builtins(await list_tenants(conn)))


def _scope_tenant(principal: Principal, tenant_id: str | None) -> str:
    """SuperAdmins act on any tenant; tenant admins only on their own."""
    target = tenant_id or principal.tenant_id
    if not principal.is_superadmin and target != principal.tenant_id:
        raise Forbidden("tenant admins manage keys of their own tenant only", code="PERMISSION_DENIED")
    return target


class KeysController(Controller):
    """``/v1/keys``: API keys. SuperAdmins manage every tenant, tenant admins their own."""

    path = "/v1/keys"
    guards = [requires("tenant:admin")]
    tags = ["admin: keys"]

    @post("/")
    async def create(self, platform: Platform, principal: Principal, data: KeyCreate) -> dict[str, Any]:
        tenant_id = _scope_tenant(principal, data.tenant_id)
        if not principal.is_superadmin:
            if data.role == "superadmin":
                raise Forbidden("only a SuperAdmin can create SuperAdmin keys", code="PERMISSION_DENIED")
            granted = set(data.permissions or [])
            if any(not principal.has(p) for p in granted):
                raise Forbidden("cannot grant permissions you do not hold", code="PERMISSION_DENIED")
        async with platform.db.begin() as conn:
            await ensure_user(
                conn, tenant_id=tenant_id, user_id=data.user_id, role=data.role, email=data.email
            )
            created = await create_key(
                conn, tenant_id=tenant_id, user_id=data.user_id, name=data.name, permissions=data.permissions
            )
            await platform.db.audit(
                conn,
                actor=principal.actor,
                action="key.create",
                tenant_id=tenant_id,
                target=created.info.id,
                details={"user_id": data.user_id, "permissions": data.permissions},
            )
        return ok({"key": created.key, **_builtins(created.info)})

    @get("/")
    async def list(
        self,
        platform: Platform,
        principal: Principal,
        tenant_id: Annotated[str | None, Parameter(query="tenant_id")] = None,
    ) -> dict[str, Any]:
        scope = _scope_tenant(principal, tenant_id) if (tenant_id or not principal.is_superadmin) else None
        async with platform.db.connect() as conn:
            return ok(_builtins(await list_keys(conn, tenant_id=scope)))

    @delete("/{key_id:str}", status_code=200)
    async def revoke(self, platform: Platform, principal: Principal, key_id: str) -> dict[str, Any]:
        scope = None if principal.is_superadmin else principal.tenant_id
        async with platform.db.begin() as conn:
            info = await revoke_key(conn, key_id, tenant_id=scope)
            await platform.db.audit(
                conn,
                actor=principal.actor,
                action="key.revoke",
                tenant_id=info.tenant_id,
                target=key_id,
                details={},
            )
        return ok(_builtins(info))


admin_routes = [ModulesController, TenantsController, KeysController]
