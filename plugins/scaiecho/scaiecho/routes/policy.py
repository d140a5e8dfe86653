"""``GET /tenant-policy`` (lazily created from tier defaults) and ``PATCH /tenant-policy``."""

from __future__ import annotations

import re

import msgspec
from litestar import get, patch
from scaigrid.auth import Principal, requires

from scaiecho import errors
from scaiecho.policy import PolicyView
from scaiecho.state import Module

__all__ = ["policy_routes"]

ADMIN = requires("scaiecho:admin")
_ALLOWED = re.compile(r"^(A|B|AB|BA)$")


class PolicyBody(msgspec.Struct, kw_only=True):
    data: PolicyView


class PolicyPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    allowed_backends: str | None = None
    """``^(A|B|AB|BA)$``: the kinds allowed, in order."""
    default_backend: str | None = None
    """``A`` or ``B``; must be in the allowed set."""
    default_model: str | None = None
    """Self-hosted model for this tenant: ``tiny.en``, ``base`` or ``hf``."""


@get("/tenant-policy", guards=[ADMIN], summary="Read the tenant's resolved backend policy")
async def get_policy(module: Module, principal: Principal) -> PolicyBody:
    service = module.state.policy
    return PolicyBody(data=await service.view(principal.tenant_id))


@patch("/tenant-policy", guards=[ADMIN], summary="Update allowed backends, default backend or model")
async def patch_policy(data: PolicyPatch, module: Module, principal: Principal) -> PolicyBody:
    if data.allowed_backends is not None and not _ALLOWED.match(data.allowed_backends):
        raise errors.tenant_policy_invalid(
            f"allowed_backends must match ^(A|B|AB|BA)$, not {data.allowed_backends!r}"
        )
    if data.default_backend is not None and data.default_backend not in ("A", "B"):
        raise errors.tenant_policy_invalid(f"default_backend must be A or B, not {data.default_backend!r}")
    service = module.state.policy
    view = await service.update(
        principal.tenant_id,
        allowed_backends=data.allowed_backends,
        default_backend=data.default_backend,
        default_model=data.default_model,
    )
    return PolicyBody(data=view)


policy_routes = [get_policy, patch_policy]
