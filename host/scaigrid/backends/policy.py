"""Tenant backend policy: which backend kinds (A = self-hosted, B = relay) a tenant may use per module.

One row per (tenant, module scope) in ``backend_policies``, created lazily from
the module's defaults on first read. :func:`resolve_backend_order` is the one
place that turns a policy plus a request's ``backend_preference`` into an
ordered list of kinds, and :func:`choose_backend` picks the first usable
backend in that order; every module calls these two instead of re-deciding.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, NamedTuple, Protocol

import msgspec
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from scaigrid.backends.registry import BackendRegistry
from scaigrid.db import Database, utcnow
from scaigrid.errors import BadRequest, NotFound, ScaigridError
from scaigrid.tables import metadata

__all__ = [
    "ALLOWED_BACKENDS",
    "PREFERENCES",
    "BackendChoice",
    "PolicyDefaults",
    "PolicyStore",
    "TenantPolicy",
    "backend_policies",
    "choose_backend",
    "resolve_backend_order",
    "validate_policy",
]

ALLOWED_BACKENDS: tuple[str, ...] = ("A", "B", "AB", "BA")
_ALLOWED_RE = re.compile(r"^(A|B|AB|BA)$")
PREFERENCES: tuple[str, ...] = ("prefer_self_hosted", "prefer_relay", "any")

backend_policies = sa.Table(
    "backend_policies",
    metadata,
    sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("scope", sa.String(64), primary_key=True),
    sa.Column("allowed_backends", sa.String(2), nullable=False),
    sa.Column("default_backend", sa.String(1), nullable=False),
    sa.Column("tier", sa.String(32), nullable=False, server_default="standard"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("allowed_backends IN ('A', 'B', 'AB', 'BA')", name="ck_backend_policies_allowed"),
    sa.CheckConstraint("default_backend IN ('A', 'B')", name="ck_backend_policies_default"),
)
"""Mirrors alembic revision ``host_0003``."""


class TenantPolicy(msgspec.Struct, kw_only=True, frozen=True):
    tenant_id: str
    scope: str
    """The module id the policy applies to."""
    allowed_backends: str
    """``A``, ``B``, ``AB`` or ``BA``: the kinds allowed, in the tenant's order."""
    default_backend: str
    tier: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def allowed(self) -> tuple[str, ...]:
        return tuple(self.allowed_backends)


class PolicyDefaults(msgspec.Struct, kw_only=True, frozen=True):
    """What a new tenant's row starts as; each module passes its own."""

    allowed_backends: str = "AB"
    default_backend: str = "A"
    tier: str = "standard"

    def __post_init__(self) -> None:
        validate_policy(self.allowed_backends, self.default_backend, code="TENANT_POLICY_DEFAULTS_INVALID")


class _HasPolicy(Protocol):
    @property
    def allowed_backends(self) -> str: ...

    @property
    def default_backend(self) -> str: ...


def validate_policy(
    allowed_backends: str, default_backend: str, *, code: str = "TENANT_POLICY_INVALID"
) -> None:
    """Raise ``BadRequest(code)`` unless ``allowed_backends`` is A/B/AB/BA and the default is in it."""
    if not isinstance(allowed_backends, str) or not _ALLOWED_RE.match(allowed_backends):
        raise BadRequest(
            f"allowed_backends must be one of {', '.join(ALLOWED_BACKENDS)}, not {allowed_backends!r}",
            code=code,
            details={"field": "allowed_backends", "allowed": list(ALLOWED_BACKENDS)},
        )
    if default_backend not in ("A", "B") or default_backend not in allowed_backends:
        raise BadRequest(
            f"default_backend must be one of the allowed backends {allowed_backends!r}, "
            f"not {default_backend!r}",
            code=code,
            details={"field": "default_backend", "allowed": list(allowed_backends)},
        )


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes even for timezone=True columns; we only ever write UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _row_to_policy(row: sa.Row[Any]) -> TenantPolicy:
    return TenantPolicy(
        tenant_id=row.tenant_id,
        scope=row.scope,
        allowed_backends=row.allowed_backends,
        default_backend=row.default_backend,
        tier=row.tier,
        created_at=_aware(row.created_at),
        updated_at=_aware(row.updated_at),
    )


class PolicyStore:
    """Reads and updates ``backend_policies``; every query is keyed by tenant."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def _select(self, conn: AsyncConnection, tenant_id: str, scope: str) -> TenantPolicy | None:
        t = backend_policies
        row = (await conn.execute(sa.select(t).where(t.c.tenant_id == tenant_id, t.c.scope == scope))).first()
        return _row_to_policy(row) if row is not None else None

    async def get(
        self, tenant_id: str, scope: str, *, defaults: PolicyDefaults | None = None
    ) -> TenantPolicy:
        """The tenant's policy for ``scope``; the first read creates it from ``defaults``."""
        async with self._db.begin() as conn:
            found = await self._select(conn, tenant_id, scope)
        if found is not None:
            return found
        defaults = defaults or PolicyDefaults()
        now = utcnow()
        values = {
            "tenant_id": tenant_id,
            "scope": scope,
            "allowed_backends": defaults.allowed_backends,
            "default_backend": defaults.default_backend,
            "tier": defaults.tier,
            "created_at": now,
            "updated_at": now,
        }
        try:
            async with self._db.begin() as conn:
                await conn.execute(backend_policies.insert().values(**values))
        except IntegrityError:
            pass  # a concurrent first read created the row (or the tenant is unknown: checked below)
        async with self._db.begin() as conn:
            found = await self._select(conn, tenant_id, scope)
        if found is None:
            raise NotFound(f"tenant {tenant_id!r} does not exist", code="TENANT_NOT_FOUND")
        return found

    async def update(
        self,
        tenant_id: str,
        scope: str,
        allowed_backends: str | None = None,
        default_backend: str | None = None,
        *,
        tier: str | None = None,
        defaults: PolicyDefaults | None = None,
        code: str = "TENANT_POLICY_INVALID",
    ) -> TenantPolicy:
        """Change a policy; raises ``BadRequest(code)`` on an invalid combination.

        When only ``allowed_backends`` changes and the current default falls out of
        it, the default becomes the first allowed kind (``"BA"`` → ``"B"``).
        """
        current = await self.get(tenant_id, scope, defaults=defaults)
        allowed = current.allowed_backends if allowed_backends is None else allowed_backends
        if default_backend is None:
            default = current.default_backend
            if isinstance(allowed, str) and default not in allowed:
                default = allowed[:1]
        else:
            default = default_backend
        validate_policy(allowed, default, code=code)
        values: dict[str, Any] = {
            "allowed_backends": allowed,
            "default_backend": default,
            "updated_at": utcnow(),
        }
        if tier is not None:
            values["tier"] = tier
        t = backend_policies
        async with self._db.begin() as conn:
            await conn.execute(
                sa.update(t).where(t.c.tenant_id == tenant_id, t.c.scope == scope).values(**values)
            )
            updated = await self._select(conn, tenant_id, scope)
        assert updated is not None  # the row exists: get() created it and only delete() removes it
        return updated

    async def delete(self, *, scope: str, tenant_id: str | None = None) -> int:
        """Remove one tenant's row for ``scope``, or every tenant's (module uninstall)."""
        t = backend_policies
        stmt = sa.delete(t).where(t.c.scope == scope)
        if tenant_id is not None:
            stmt = stmt.where(t.c.tenant_id == tenant_id)
        async with self._db.begin() as conn:
            result = await conn.execute(stmt)
        return int(result.rowcount or 0)


def resolve_backend_order(
    policy: _HasPolicy, preference: str, *, code: str = "BAD_BACKEND_PREFERENCE"
) -> list[str]:
    """The kinds to try, in order: only allowed kinds, ordered by the caller's preference.

    ``prefer_self_hosted`` puts A first, ``prefer_relay`` puts B first, ``any``
    starts with the policy's ``default_backend`` and follows the allowed order.
    A kind the policy does not allow is never returned, whatever the preference.
    """
    allowed = list(policy.allowed_backends)
    if preference == "prefer_self_hosted":
        first = "A"
    elif preference == "prefer_relay":
        first = "B"
    elif preference == "any":
        first = policy.default_backend
    else:
        raise BadRequest(
            f"backend_preference must be one of {', '.join(PREFERENCES)}, not {preference!r}",
            code=code,
            details={"allowed": list(PREFERENCES)},
        )
    return sorted(allowed, key=lambda kind: (kind != first, allowed.index(kind)))


class BackendChoice(NamedTuple):
    kind: str
    name: str


AvailableCheck = Callable[[str, str], bool | Awaitable[bool]]
"""``check(kind, name)``: whether that backend can serve now (relay configured, model present, ...)."""


async def choose_backend(
    registry: BackendRegistry,
    capability: str,
    order: Sequence[str],
    available_check: AvailableCheck | None = None,
    *,
    candidates: Mapping[str, Sequence[str]] | None = None,
    no_backend_code: str = "NO_USABLE_BACKEND",
    unavailable_code: str = "BACKEND_UNAVAILABLE",
) -> BackendChoice:
    """The first usable backend following ``order`` (from :func:`resolve_backend_order`).

    ``candidates`` maps a kind to the backend names to consider, in order
    (default: every registered name of that kind). Raises
    ``ScaigridError(403, no_backend_code)`` when ``order`` is empty (the policy
    allows nothing) and ``ScaigridError(503, unavailable_code)`` when no
    candidate is registered and usable.
    """
    if not order:
        raise ScaigridError(
            403,
            no_backend_code,
            f"the tenant's backend policy allows no {capability} backend",
            details={"capability": capability},
        )
    tried: list[str] = []
    for kind in order:
        names = list(candidates.get(kind, ())) if candidates is not None else registry.names(capability, kind)
        for name in names:
            if name not in registry.names(capability, kind):
                continue
            tried.append(f"{kind}:{name}")
            if available_check is None:
                return BackendChoice(kind, name)
            ok = available_check(kind, name)
            if inspect.isawaitable(ok):
                ok = await ok
            if ok:
                return BackendChoice(kind, name)
    raise ScaigridError(
        503,
        unavailable_code,
        f"no usable {capability} backend for kinds {''.join(order)}"
        + (f" (tried {', '.join(tried)})" if tried else " (none registered)"),
        details={"capability": capability, "order": list(order), "tried": tried},
    )
