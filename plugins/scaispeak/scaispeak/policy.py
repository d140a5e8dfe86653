"""The tenant's A/B policy for ScaiSpeak: the host's shared policy (scope ``scaispeak``)."""

from __future__ import annotations

from collections.abc import Sequence

from scaigrid.backends.policy import PolicyDefaults, TenantPolicy, resolve_backend_order
from scaigrid.platform import Platform

from scaispeak.errors import tenant_policy_invalid
from scaispeak.records import PolicyView
from scaispeak.settings import ScaispeakSettings

__all__ = ["MODULE_ID", "ScaispeakPolicy"]

MODULE_ID = "scaispeak"
_CODE = "SCAISPEAK_TENANT_POLICY_INVALID"


class ScaispeakPolicy:
    def __init__(self, platform: Platform, settings: ScaispeakSettings) -> None:
        self._platform = platform
        self._defaults = PolicyDefaults(
            allowed_backends=settings.default_allowed_backends, default_backend=settings.default_backend
        )

    async def policy(self, tenant_id: str) -> TenantPolicy:
        return await self._platform.policies.get(tenant_id, MODULE_ID, defaults=self._defaults)

    async def order(self, tenant_id: str, preference: str) -> list[str]:
        """Allowed kinds in the order this request tries them."""
        return resolve_backend_order(await self.policy(tenant_id), preference, code="SCAISPEAK_BAD_REQUEST")

    async def view(self, tenant_id: str) -> PolicyView:
        p = await self.policy(tenant_id)
        return PolicyView(
            tenant_id=tenant_id,
            allowed_backends=list(p.allowed_backends),
            default_backend=p.default_backend,
            updated_at=p.updated_at,
        )

    async def update(self, tenant_id: str, allowed: str | Sequence[str], default: str | None) -> PolicyView:
        shorthand = allowed if isinstance(allowed, str) else "".join(allowed)
        if shorthand not in ("A", "B", "AB", "BA"):
            raise tenant_policy_invalid(
                f"allowed_backends must be A, B, AB, BA or a list of them, not {allowed!r}"
            )
        if default is not None and default not in shorthand:
            raise tenant_policy_invalid(
                f"default_backend {default!r} is not in allowed_backends {shorthand!r}"
            )
        await self._platform.policies.update(
            tenant_id, MODULE_ID, shorthand, default, defaults=self._defaults, code=_CODE
        )
        return await self.view(tenant_id)

    async def forget(self, tenant_id: str | None) -> None:
        await self._platform.policies.delete(scope=MODULE_ID, tenant_id=tenant_id)
