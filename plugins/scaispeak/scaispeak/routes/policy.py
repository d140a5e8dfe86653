"""``GET /admin/policy`` (any caller who can synthesize) and ``PUT /admin/policy`` (scaispeak:admin)."""

from __future__ import annotations

from typing import Any

from litestar import get, put
from scaigrid.auth import Principal, requires

from scaispeak.records import PolicyUpdate
from scaispeak.state import Module

__all__ = ["policy_routes"]


@get("/admin/policy", guards=[requires("scaispeak:synthesize")], summary="The tenant's backend policy")
async def get_policy(module: Module, principal: Principal) -> dict[str, Any]:
    return {"data": await module.state.policy.view(principal.tenant_id)}


@put("/admin/policy", guards=[requires("scaispeak:admin")], summary="Update the tenant's backend policy")
async def put_policy(data: PolicyUpdate, module: Module, principal: Principal) -> dict[str, Any]:
    view = await module.state.policy.update(principal.tenant_id, data.allowed_backends, data.default_backend)
    return {"data": view}


policy_routes: list[Any] = [get_policy, put_policy]
