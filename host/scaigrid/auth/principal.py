"""Who is calling: the principal every guard and handler sees."""

from __future__ import annotations

from typing import Literal

import msgspec

__all__ = ["ROLES", "Principal", "Role"]

Role = Literal["superadmin", "tenant_admin", "member"]
ROLES: tuple[Role, ...] = ("superadmin", "tenant_admin", "member")


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """An authenticated caller, bound to one tenant and one user.

    ``permissions`` are strings like ``"scaiecho:transcribe"``; ``"*"`` grants
    everything (SuperAdmin) and ``"<module>:*"`` everything in one module.
    """

    tenant_id: str
    user_id: str
    role: Role = "member"
    permissions: frozenset[str] = frozenset()
    auth_kind: Literal["api_key", "jwt"] = "api_key"
    api_key_id: str | None = None
    email: str | None = None

    @property
    def roles(self) -> frozenset[str]:
        return frozenset({self.role})

    @property
    def is_superadmin(self) -> bool:
        return self.role == "superadmin"

    @property
    def is_tenant_admin(self) -> bool:
        return self.role in ("superadmin", "tenant_admin")

    def has(self, permission: str) -> bool:
        if "*" in self.permissions or permission in self.permissions:
            return True
        module = permission.split(":", 1)[0]
        return f"{module}:*" in self.permissions

    @property
    def actor(self) -> str:
        """How this principal appears in audit rows."""
        via = f"key:{self.api_key_id}" if self.api_key_id else self.auth_kind
        return f"{self.tenant_id}/{self.user_id} ({via})"
