"""Module lifecycle: install, upgrade, uninstall, and per-tenant enable/disable.

State lives in the host tables ``modules`` and ``tenant_modules``. Each step is
idempotent and audited; a failed step leaves the module ``failed`` with its
error, and running the step again recovers.

States: ``installing`` → ``ready`` | ``failed``; ``uninstalling`` → ``uninstalled`` | ``failed``.
A module with no row is "not installed". A tenant with no ``tenant_modules`` row
has the module enabled (operators opt tenants out, not in).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import TYPE_CHECKING, Any, Literal

import msgspec
import sqlalchemy as sa

from scaigrid import tables
from scaigrid.db import utcnow
from scaigrid.errors import Conflict, NotFound, ScaigridError
from scaigrid.modules import maybe_await
from scaigrid.records import MigrationsInfo

if TYPE_CHECKING:
    from scaigrid.platform import Platform

__all__ = ["Lifecycle", "ModuleState", "ModuleStatus", "TenantFailure"]

log = logging.getLogger("scaigrid.lifecycle")

ModuleState = Literal["not_installed", "installing", "ready", "failed", "uninstalling", "uninstalled"]


class TenantFailure(msgspec.Struct, kw_only=True):
    """A tenant whose last enable/disable of a module failed; re-running the step recovers."""

    tenant_id: str
    error: str
    updated_at: dt.datetime | None = None


class ModuleStatus(msgspec.Struct, kw_only=True):
    """One module as ``GET /v1/modules`` reports it."""

    id: str
    version: str | None
    installed_version: str | None
    state: ModuleState
    loaded: bool
    prefix: str | None = None
    description: str = ""
    error: str | None = None
    distribution: str | None = None
    permissions: list[str] = []
    disabled_tenants: list[str] = []
    failed_tenants: list[TenantFailure] = []
    """Tenants whose last enable or disable step failed (the hook raised), with the error."""
    updated_at: dt.datetime | None = None


class Lifecycle:
    """Drives modules through their states; used by the CLI, the admin routes and embedded start."""

    _CACHE_SECONDS = 2.0

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self._state_cache: dict[str, tuple[float, str | None]] = {}
        self._tenant_cache: dict[tuple[str, str], tuple[float, bool]] = {}
        self._has_migrations: dict[str, bool] = {}

    # -- queries ------------------------------------------------------------

    async def statuses(self) -> list[ModuleStatus]:
        registry = self.platform.modules
        async with self.platform.db.connect() as conn:
            rows = {r.id: r for r in (await conn.execute(sa.select(tables.modules))).all()}
            disabled: dict[str, list[str]] = {}
            failed: dict[str, list[TenantFailure]] = {}
            tm = tables.tenant_modules
            stmt = sa.select(tm).where(sa.or_(tm.c.enabled.is_(False), tm.c.state == "failed"))
            for r in (await conn.execute(stmt)).all():
                if not r.enabled:
                    disabled.setdefault(r.module_id, []).append(r.tenant_id)
                if r.state == "failed":
                    failed.setdefault(r.module_id, []).append(
                        TenantFailure(
                            tenant_id=r.tenant_id, error=r.last_error or "", updated_at=r.updated_at
                        )
                    )
        out: list[ModuleStatus] = []
        for mid in sorted(set(rows) | set(registry.modules) | set(registry.failures)):
            row = rows.get(mid)
            ctx = registry.modules.get(mid)
            failure = registry.failures.get(mid)
            state: ModuleState = row.state if row is not None else "not_installed"
            if failure is not None:
                state = "failed"
            out.append(
                ModuleStatus(
                    id=mid,
                    version=ctx.info.version if ctx else None,
                    installed_version=row.installed_version if row is not None else None,
                    state=state,
                    loaded=ctx is not None,
                    prefix=ctx.info.prefix if ctx else None,
                    description=ctx.info.description if ctx else "",
                    error=failure.error if failure else (row.last_error if row is not None else None),
                    distribution=(ctx.distribution if ctx else failure.distribution if failure else None),
                    permissions=list(ctx.info.permissions) if ctx else [],
                    disabled_tenants=sorted(disabled.get(mid, [])),
                    failed_tenants=sorted(failed.get(mid, []), key=lambda f: f.tenant_id),
                    updated_at=row.updated_at if row is not None else None,
                )
            )
        return out

    async def status(self, module_id: str) -> ModuleStatus:
        for status in await self.statuses():
            if status.id == module_id:
                return status
        raise NotFound(f"module {module_id!r} is not known to this host", code="MODULE_NOT_FOUND")

    async def state(self, module_id: str) -> str | None:
        """Installed state (cached for a moment: it is read on every module request)."""
        now = time.monotonic()
        cached = self._state_cache.get(module_id)
        if cached and now - cached[0] < self._CACHE_SECONDS:
            return cached[1]
        async with self.platform.db.connect() as conn:
            stmt = sa.select(tables.modules.c.state).where(tables.modules.c.id == module_id)
            value = (await conn.execute(stmt)).scalar()
        self._state_cache[module_id] = (now, value)
        return value

    async def tenant_enabled(self, module_id: str, tenant_id: str) -> bool:
        now = time.monotonic()
        key = (module_id, tenant_id)
        cached = self._tenant_cache.get(key)
        if cached and now - cached[0] < self._CACHE_SECONDS:
            return cached[1]
        tm = tables.tenant_modules
        async with self.platform.db.connect() as conn:
            stmt = sa.select(tm.c.enabled).where(tm.c.module_id == module_id, tm.c.tenant_id == tenant_id)
            value = (await conn.execute(stmt)).scalar()
        enabled = True if value is None else bool(value)
        self._tenant_cache[key] = (now, enabled)
        return enabled

    def _forget(self, module_id: str) -> None:
        self._state_cache.pop(module_id, None)
        for key in [k for k in self._tenant_cache if k[0] == module_id]:
            self._tenant_cache.pop(key, None)

    # -- module steps -------------------------------------------------------

    def _context(self, module_id: str) -> Any:
        ctx = self.platform.modules.get(module_id)
        if ctx is None:
            failure = self.platform.modules.failures.get(module_id)
            if failure is not None:
                raise Conflict(
                    f"module {module_id!r} failed to load: {failure.error}", code="MODULE_LOAD_FAILED"
                )
            raise NotFound(f"module {module_id!r} is not loaded on this host", code="MODULE_NOT_FOUND")
        return ctx

    def register_migrations(self, module_id: str) -> bool:
        """Tell the database where the module's branch lives; ``False`` if it has none (asked once)."""
        if module_id in self._has_migrations:
            return self._has_migrations[module_id]
        info = self.platform.modules.call(module_id, "scaigrid_migrations")
        if info is None:
            self._has_migrations[module_id] = False
            return False
        if not isinstance(info, MigrationsInfo):
            raise TypeError(f"scaigrid_migrations of {module_id} must return MigrationsInfo")
        if info.branch_label != module_id:
            raise ValueError(
                f"module {module_id}: migrations branch label {info.branch_label!r} must equal the module id"
            )
        self.platform.db.add_branch(module_id, info.version_location)
        self._has_migrations[module_id] = True
        return True

    async def _set(self, module_id: str, **values: Any) -> None:
        m = tables.modules
        now = utcnow()
        async with self.platform.db.begin() as conn:
            exists = (await conn.execute(sa.select(m.c.id).where(m.c.id == module_id))).first()
            if exists:
                await conn.execute(m.update().where(m.c.id == module_id).values(updated_at=now, **values))
            else:
                await conn.execute(m.insert().values(id=module_id, created_at=now, updated_at=now, **values))
        self._forget(module_id)

    async def _row(self, module_id: str) -> Any:
        async with self.platform.db.connect() as conn:
            return (
                await conn.execute(sa.select(tables.modules).where(tables.modules.c.id == module_id))
            ).first()

    async def _step(self, module_id: str, action: str, actor: str, work: Any, **details: Any) -> None:
        """Run one lifecycle step: failures mark the module failed and are audited, then re-raised."""
        try:
            await work()
        except Exception as exc:
            message = f"{type(exc).__name__}: {exc}"
            log.exception("module %s: %s failed", module_id, action)
            await self._set(module_id, state="failed", last_error=f"{action} failed: {message}")
            await self.platform.db.audit(
                None,
                actor=actor,
                action=f"module.{action}.failed",
                module_id=module_id,
                details={"error": message, **details},
            )
            if isinstance(exc, ScaigridError):
                raise
            raise ScaigridError(
                500, "MODULE_LIFECYCLE_FAILED", f"{action} of module {module_id!r} failed: {message}"
            ) from exc
        await self.platform.db.audit(
            None, actor=actor, action=f"module.{action}", module_id=module_id, details=details
        )

    async def install(self, module_id: str, *, actor: str = "system") -> ModuleStatus:
        """Migrate the module's branch to head, then run its install hook. Re-running is safe."""
        ctx = self._context(module_id)
        row = await self._row(module_id)
        if row is not None and row.state == "ready":
            if row.installed_version != ctx.info.version:
                return await self.upgrade(module_id, actor=actor)
            return await self.status(module_id)

        async def work() -> None:
            await self._set(module_id, state="installing", last_error=None)
            if self.register_migrations(module_id):
                await self.platform.db.upgrade(module_id)
            await maybe_await(self.platform.modules.call(module_id, "scaigrid_install", module=ctx))
            await self._set(module_id, state="ready", installed_version=ctx.info.version, last_error=None)

        await self._step(module_id, "install", actor, work, version=ctx.info.version)
        return await self.status(module_id)

    async def upgrade(self, module_id: str, *, actor: str = "system") -> ModuleStatus:
        """Migrate to head, then call the upgrade hook with from/to versions (no-op when current)."""
        ctx = self._context(module_id)
        row = await self._row(module_id)
        if row is None or row.state in ("uninstalled", "not_installed") or row.installed_version is None:
            return await self.install(module_id, actor=actor)
        from_version = row.installed_version
        to_version = ctx.info.version
        if row.state == "ready" and from_version == to_version:
            return await self.status(module_id)

        async def work() -> None:
            await self._set(module_id, state="installing", last_error=None)
            if self.register_migrations(module_id):
                await self.platform.db.upgrade(module_id)
            await maybe_await(
                self.platform.modules.call(
                    module_id,
                    "scaigrid_upgrade",
                    module=ctx,
                    from_version=from_version,
                    to_version=to_version,
                )
            )
            await self._set(module_id, state="ready", installed_version=to_version, last_error=None)

        await self._step(module_id, "upgrade", actor, work, from_version=from_version, to_version=to_version)
        return await self.status(module_id)

    async def uninstall(self, module_id: str, *, actor: str = "system") -> ModuleStatus:
        """Run the uninstall hook (erases tenant data), then downgrade the branch to base."""
        ctx = self._context(module_id)
        row = await self._row(module_id)
        if row is not None and row.state == "uninstalled":
            return await self.status(module_id)

        async def work() -> None:
            await self._set(module_id, state="uninstalling", last_error=None)
            await maybe_await(self.platform.modules.call(module_id, "scaigrid_uninstall", module=ctx))
            if self.register_migrations(module_id):
                await self.platform.db.downgrade_to_base(module_id)
            async with self.platform.db.begin() as conn:
                tm = tables.tenant_modules
                await conn.execute(tm.delete().where(tm.c.module_id == module_id))
            await self._set(module_id, state="uninstalled", installed_version=None, last_error=None)

        await self._step(module_id, "uninstall", actor, work)
        return await self.status(module_id)

    async def ensure_installed(self, *, actor: str = "system") -> None:
        """Embedded start: install or upgrade every loaded module; a failure never stops the host."""
        for module_id in list(self.platform.modules.modules):
            row = await self._row(module_id)
            if row is not None and row.state == "uninstalled":
                continue  # an operator uninstalled it on purpose
            try:
                await self.install(module_id, actor=actor)
            except ScaigridError as exc:
                log.error("module %s could not be installed: %s", module_id, exc.message)

    # -- tenant steps -------------------------------------------------------

    async def _set_tenant_row(
        self, module_id: str, tenant_id: str, *, enabled: bool, state: str, last_error: str | None = None
    ) -> None:
        tm = tables.tenant_modules
        async with self.platform.db.begin() as conn:
            await conn.execute(tm.delete().where(tm.c.module_id == module_id, tm.c.tenant_id == tenant_id))
            await conn.execute(
                tm.insert().values(
                    module_id=module_id,
                    tenant_id=tenant_id,
                    enabled=enabled,
                    state=state,
                    last_error=last_error,
                    updated_at=utcnow(),
                )
            )
        self._forget(module_id)

    async def set_tenant(self, module_id: str, tenant_id: str, *, enabled: bool, actor: str) -> ModuleStatus:
        """Enable or disable a module for one tenant; takes effect on the next request (HTTP and WS)."""
        ctx = self._context(module_id)
        async with self.platform.db.connect() as conn:
            tenant = (
                await conn.execute(sa.select(tables.tenants.c.id).where(tables.tenants.c.id == tenant_id))
            ).first()
        if tenant is None:
            raise NotFound(f"tenant {tenant_id!r} not found", code="TENANT_NOT_FOUND")
        hook = "scaigrid_tenant_enable" if enabled else "scaigrid_tenant_disable"
        action = "tenant_enable" if enabled else "tenant_disable"

        if not enabled:
            # Refuse the tenant first: the disable hook runs while the guard already answers 403.
            await self._set_tenant_row(module_id, tenant_id, enabled=False, state="disabled")
        try:
            await maybe_await(self.platform.modules.call(module_id, hook, module=ctx, tenant_id=tenant_id))
        except Exception as exc:
            message = f"{action} failed: {type(exc).__name__}: {exc}"
            log.exception("module %s: %s for tenant %s failed", module_id, action, tenant_id)
            # A failed enable leaves the tenant as it was (off if it was off); a failed disable
            # stays refused. Either way the failure is recorded and shown by GET /v1/modules.
            current = await self.tenant_enabled(module_id, tenant_id) if enabled else False
            await self._set_tenant_row(
                module_id, tenant_id, enabled=current, state="failed", last_error=message
            )
            await self.platform.db.audit(
                None,
                actor=actor,
                action=f"module.{action}.failed",
                module_id=module_id,
                tenant_id=tenant_id,
                details={"error": message},
            )
            if isinstance(exc, ScaigridError):
                raise
            raise ScaigridError(
                500,
                "MODULE_TENANT_STEP_FAILED",
                f"module {module_id}: {message}",
                details={"module_id": module_id, "tenant_id": tenant_id, "action": action},
            ) from exc
        await self._set_tenant_row(
            module_id, tenant_id, enabled=enabled, state="enabled" if enabled else "disabled"
        )
        await self.platform.db.audit(
            None, actor=actor, action=f"module.{action}", module_id=module_id, tenant_id=tenant_id, details={}
        )
        return await self.status(module_id)
