"""Project administration: which host API keys may run pipelines for which project.

Tenant admins (``audio_engine:admin``) manage their own tenant; a SuperAdmin names the
tenant with ``?tenant_id=``. Bodies use ScaiGrid's ``{"data": ...}`` success envelope.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, delete, get, post
from litestar.params import Parameter
from scaigrid.auth import Principal, requires
from scaigrid.platform import Platform

from audio_engine import rows
from audio_engine.errors import Code, error
from audio_engine.validation import validate_project_name

__all__ = ["ADMIN_PERMISSION", "admin_routes"]

ADMIN_PERMISSION = "audio_engine:admin"
TenantQuery = Annotated[str | None, Parameter(query="tenant_id", required=False)]


class ProjectCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: str
    description: str = ""


class KeyGrant(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    api_key_id: str
    """The id of a host API key of the same tenant (``POST /v1/keys`` returns it)."""


def _tenant(principal: Principal, tenant_id: str | None) -> str:
    if tenant_id is None or tenant_id == principal.tenant_id:
        return principal.tenant_id
    if not principal.is_superadmin:
        raise error(403, Code.FORBIDDEN, "only a SuperAdmin may manage another tenant's projects")
    return tenant_id


class ProjectsController(Controller):
    """``/admin/projects`` under the module prefix."""

    path = "/admin/projects"
    guards = [requires(ADMIN_PERMISSION)]
    tags = ["audio_engine: admin"]

    @post("/", status_code=201)
    async def create(
        self, platform: Platform, principal: Principal, data: ProjectCreate, tenant_id: TenantQuery = None
    ) -> dict[str, Any]:
        name = validate_project_name(data.name)
        project = await rows.create_project(
            platform.db, _tenant(principal, tenant_id), name, data.description, actor=principal.actor
        )
        return {"data": msgspec.to_builtins(project)}

    @get("/")
    async def list_projects(
        self, platform: Platform, principal: Principal, tenant_id: TenantQuery = None
    ) -> dict[str, Any]:
        projects = await rows.list_projects(platform.db, _tenant(principal, tenant_id))
        return {"data": msgspec.to_builtins(projects)}

    @delete("/{name:str}", status_code=200)
    async def remove(
        self, platform: Platform, principal: Principal, name: str, tenant_id: TenantQuery = None
    ) -> dict[str, Any]:
        await rows.delete_project(platform.db, _tenant(principal, tenant_id), name, actor=principal.actor)
        return {"data": {"deleted": name}}

    @post("/{name:str}/keys", status_code=200)
    async def grant(
        self,
        platform: Platform,
        principal: Principal,
        name: str,
        data: KeyGrant,
        tenant_id: TenantQuery = None,
    ) -> dict[str, Any]:
        await rows.grant_key(
            platform.db, _tenant(principal, tenant_id), name, data.api_key_id, actor=principal.actor
        )
        return {"data": {"project_name": name, "api_key_id": data.api_key_id}}

    @delete("/{name:str}/keys/{api_key_id:str}", status_code=200)
    async def revoke(
        self,
        platform: Platform,
        principal: Principal,
        name: str,
        api_key_id: str,
        tenant_id: TenantQuery = None,
    ) -> dict[str, Any]:
        await rows.revoke_key(
            platform.db, _tenant(principal, tenant_id), name, api_key_id, actor=principal.actor
        )
        return {"data": {"project_name": name, "api_key_id": api_key_id, "revoked": True}}


@get("/admin/tasks/{task_id:str}", guards=[requires(ADMIN_PERMISSION)], tags=["audio_engine: admin"])
async def get_task(
    platform: Platform, principal: Principal, task_id: str, tenant_id: TenantQuery = None
) -> dict[str, Any]:
    """A task's bookkeeping: status, error, components, datasets and their files (blob keys)."""
    return {"data": await rows.get_task(platform.db, _tenant(principal, tenant_id), task_id)}


admin_routes: list[Any] = [ProjectsController, get_task]
