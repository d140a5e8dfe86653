"""``POST/GET /admin/blocklist`` and ``DELETE /admin/blocklist/{block_id}`` (scaispeak:admin).

Entries belong to the caller's tenant; a SuperAdmin may name another with ``tenant_id``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import delete, get, post
from litestar.params import Parameter
from scaigrid.auth import Principal, requires

from scaispeak.blocklist import BlockRequest
from scaispeak.state import Module

__all__ = ["blocklist_routes"]

ADMIN = requires("scaispeak:admin")
TenantQuery = Annotated[str | None, Parameter(query="tenant_id", max_length=64)]


def _tenant(principal: Principal, tenant_id: str | None) -> str:
    return tenant_id if tenant_id and principal.is_superadmin else principal.tenant_id


@post("/admin/blocklist", guards=[ADMIN], status_code=201, summary="Block a tenant, a user or a voice")
async def add_block(
    data: BlockRequest, module: Module, principal: Principal, tenant_id: TenantQuery = None
) -> dict[str, Any]:
    entry = await module.state.blocklist.add(_tenant(principal, tenant_id), data, actor=principal.actor)
    return {"data": entry}


@get("/admin/blocklist", guards=[ADMIN], summary="Active blocklist entries, newest first")
async def list_blocks(
    module: Module,
    principal: Principal,
    scope_filter: Annotated[Literal["tenant", "user", "voice"] | None, Parameter(query="scope")] = None,
    tenant_id: TenantQuery = None,
    limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    entries = await module.state.blocklist.active(
        _tenant(principal, tenant_id), scope=scope_filter, limit=limit
    )
    return {"data": entries}


@delete("/admin/blocklist/{block_id:str}", guards=[ADMIN], status_code=204, summary="Unblock")
async def remove_block(
    block_id: str, module: Module, principal: Principal, tenant_id: TenantQuery = None
) -> None:
    await module.state.blocklist.remove(_tenant(principal, tenant_id), block_id, actor=principal.actor)


blocklist_routes: list[Any] = [add_block, list_blocks, remove_block]
