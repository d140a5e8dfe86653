"""Tenant policy for scaiecho: the host's shared A/B policy (scope ``scaiecho``) plus the tenant's model.

Every request resolves its backend here, through the host's
:func:`~scaigrid.backends.policy.resolve_backend_order`, so batch, streaming,
MCP and the services other modules call all decide the same way.
"""

from __future__ import annotations

import datetime as dt

import msgspec
import sqlalchemy as sa
from scaigrid.backends.policy import PolicyDefaults, TenantPolicy, resolve_backend_order
from scaigrid.db import utcnow
from scaigrid.errors import ScaigridError
from scaigrid.platform import Platform

from scaiecho import errors
from scaiecho.contracts import BackendChoice
from scaiecho.settings import ScaiechoSettings
from scaiecho.stt import catalog
from scaiecho.tables import tenant_settings

__all__ = ["MODULE_ID", "PolicyView", "TenantPolicyService"]

MODULE_ID = "scaiecho"
_MODELS = tuple(catalog.MODEL_BACKENDS)


class PolicyView(msgspec.Struct, kw_only=True):
    """``GET /tenant-policy``: the resolved policy as clients see it."""

    tenant_id: str
    allowed_backends: str
    default_backend: str
    tier: str
    default_model: str
    available_models: list[str]
    relay_configured: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class TenantPolicyService:
    """Reads/updates a tenant's scaiecho policy and resolves a request's backend from it."""

    def __init__(self, platform: Platform, settings: ScaiechoSettings) -> None:
        self.platform = platform
        self.settings = settings

    @property
    def defaults(self) -> PolicyDefaults:
        return PolicyDefaults(
            allowed_backends=self.settings.default_allowed_backends,
            default_backend=self.settings.default_backend,
        )

    async def policy(self, tenant_id: str) -> TenantPolicy:
        """The tenant's A/B policy, created from the tier defaults on first read."""
        policy: TenantPolicy = await self.platform.policies.get(tenant_id, MODULE_ID, defaults=self.defaults)
        return policy

    async def tenant_model(self, tenant_id: str) -> str:
        t = tenant_settings
        async with self.platform.db.connect() as conn:
            row = (await conn.execute(sa.select(t.c.default_model).where(t.c.tenant_id == tenant_id))).first()
        return str(row[0]) if row is not None and row[0] else self.settings.default_model

    async def view(self, tenant_id: str) -> PolicyView:
        policy = await self.policy(tenant_id)
        return PolicyView(
            tenant_id=tenant_id,
            allowed_backends=policy.allowed_backends,
            default_backend=policy.default_backend,
            tier=policy.tier,
            default_model=await self.tenant_model(tenant_id),
            available_models=[m for m in _MODELS if catalog.model_available(m, self.settings)],
            relay_configured=catalog.relay_configured(self.settings, self.platform),
            created_at=policy.created_at,
            updated_at=policy.updated_at,
        )

    async def update(
        self,
        tenant_id: str,
        *,
        allowed_backends: str | None,
        default_backend: str | None,
        default_model: str | None,
    ) -> PolicyView:
        if default_model is not None and default_model not in _MODELS:
            raise errors.tenant_policy_invalid(
                f"default_model must be one of {', '.join(_MODELS)}, not {default_model!r}"
            )
        if allowed_backends is not None or default_backend is not None:
            await self.platform.policies.update(
                tenant_id,
                MODULE_ID,
                allowed_backends,
                default_backend,
                defaults=self.defaults,
                code="SCAIECHO_TENANT_POLICY_INVALID",
            )
        if default_model is not None:
            await self.policy(tenant_id)  # 404 for an unknown tenant before writing
            t = tenant_settings
            async with self.platform.db.begin() as conn:
                updated = await conn.execute(
                    sa.update(t)
                    .where(t.c.tenant_id == tenant_id)
                    .values(default_model=default_model, updated_at=utcnow())
                )
                if not updated.rowcount:
                    await conn.execute(
                        t.insert().values(
                            tenant_id=tenant_id, default_model=default_model, updated_at=utcnow()
                        )
                    )
        return await self.view(tenant_id)

    async def delete_tenant(self, tenant_id: str | None = None) -> None:
        """Forget one tenant's (or every tenant's) scaiecho policy rows."""
        t = tenant_settings
        stmt = sa.delete(t) if tenant_id is None else sa.delete(t).where(t.c.tenant_id == tenant_id)
        async with self.platform.db.begin() as conn:
            await conn.execute(stmt)
        await self.platform.policies.delete(scope=MODULE_ID, tenant_id=tenant_id)

    # -- resolution ------------------------------------------------------------------------

    def model_for(self, tenant_model: str, language: str | None) -> str:
        """The tenant's model, or the multilingual one when the tenant's model's backend does not
        declare the request's language (its ``BackendSpec.languages`` flag)."""
        backends = self.platform.backends
        name = catalog.MODEL_BACKENDS[tenant_model]
        if name in backends.names("stt") and not backends.handles("stt", name, language):
            return self.settings.multilingual_model
        return tenant_model

    async def choices(
        self, tenant_id: str, preference: str, language: str | None = None
    ) -> list[BackendChoice]:
        """Every usable backend for this tenant and preference, best first.

        Raises ``SCAIECHO_BAD_BACKEND_PREFERENCE`` (400), ``SCAIECHO_NO_USABLE_BACKEND``
        (500: the policy leaves no kind with a registered backend) or
        ``SCAIECHO_BACKEND_UNAVAILABLE`` (502: backends exist but none can serve now).
        """
        if preference not in ("prefer_self_hosted", "prefer_relay", "any"):
            raise errors.bad_backend_preference(preference)
        policy = await self.policy(tenant_id)
        order = resolve_backend_order(policy, preference, code="SCAIECHO_BAD_BACKEND_PREFERENCE")
        model = self.model_for(await self.tenant_model(tenant_id), language)
        registry = self.platform.backends
        candidates = {"A": [catalog.MODEL_BACKENDS[model]], "B": [catalog.RELAY]}
        registered: list[BackendChoice] = [
            BackendChoice(kind=kind, name=name)  # type: ignore[arg-type]
            for kind in order
            for name in candidates.get(kind, [])
            if name in registry.names("stt", kind)
        ]
        if not registered:
            raise errors.no_usable_backend(
                f"the tenant policy allows {''.join(order) or 'nothing'}; no such STT backend is registered"
            )
        usable = [c for c in registered if self._usable(c, model)]
        if not usable:
            tried = ", ".join(f"{c.kind}:{c.name}" for c in registered)
            raise errors.backend_unavailable(
                f"no allowed STT backend can serve now (tried {tried})",
                details={"order": list(order), "tried": [c.name for c in registered]},
            )
        return usable

    def _usable(self, choice: BackendChoice, model: str) -> bool:
        if choice.kind == "B":
            return True  # registered only when configured; reachability shows on the call
        return catalog.model_available(model, self.settings)

    async def resolve(self, tenant_id: str, preference: str, language: str | None = None) -> BackendChoice:
        return (await self.choices(tenant_id, preference, language))[0]


def recode_backend_error(err: ScaigridError) -> ScaigridError:
    """Host backend failures (load failed, call failed) as scaiecho's ``SCAIECHO_BACKEND_UNAVAILABLE``."""
    if err.code in ("BACKEND_LOAD_FAILED", "BACKEND_FAILED", "BACKEND_UNAVAILABLE"):
        return errors.backend_unavailable(err.message, details=err.details or None)
    return err
