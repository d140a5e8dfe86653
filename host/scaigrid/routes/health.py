"""Liveness and readiness, for the host and for each module."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from litestar import MediaType, Response, get

from scaigrid.context import ModuleContext
from scaigrid.platform import Platform
from scaigrid.records import ReadinessCheck

__all__ = ["health_routes", "module_health_routes", "run_checks"]

CHECK_TIMEOUT = 5.0


@get("/healthz", media_type=MediaType.JSON, tags=["health"], opt={"scaigrid_public": True})
async def healthz() -> dict[str, str]:
    """Liveness: no I/O, never authenticated."""
    return {"status": "ok"}


async def run_checks(checks: Sequence[ReadinessCheck]) -> dict[str, str]:
    """Run checks concurrently with a timeout; map name → "ok" or the failure."""

    async def one(check: ReadinessCheck) -> tuple[str, str]:
        try:
            await asyncio.wait_for(check.check(), CHECK_TIMEOUT)
        except Exception as exc:
            return check.name, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return check.name, "ok"

    return dict(await asyncio.gather(*(one(c) for c in checks)))


def _module_checks(platform: Platform, ctx: ModuleContext) -> list[ReadinessCheck]:
    """The checks the module returned at start-up (its readiness hook is not called per probe)."""
    return platform.readiness.get(ctx.id, [])


async def _db_check(platform: Platform) -> None:
    import sqlalchemy as sa

    async with platform.db.connect() as conn:
        await conn.execute(sa.text("SELECT 1"))


@get("/readyz", media_type=MediaType.JSON, tags=["health"], opt={"scaigrid_public": True})
async def readyz(platform: Platform) -> Response[dict[str, Any]]:
    """Readiness: the database plus every loaded module's readiness checks; names the failing one."""
    host = await run_checks([ReadinessCheck(name="database", check=lambda: _db_check(platform))])
    modules: dict[str, Any] = {}
    failing: list[str] = [f"host.{k}" for k, v in host.items() if v != "ok"]
    for module_id, ctx in platform.modules.modules.items():
        try:
            results = await run_checks(_module_checks(platform, ctx))
        except Exception as exc:
            results = {"readiness_hook": f"{type(exc).__name__}: {exc}"}
        state = await platform.lifecycle.state(module_id)
        ready = state == "ready" and all(v == "ok" for v in results.values())
        modules[module_id] = {"ready": ready, "state": state or "not_installed", "checks": results}
        if not ready:
            failing.append(module_id)
    for name, failure in platform.modules.failures.items():
        modules[name] = {"ready": False, "state": "failed", "error": failure.error}
        failing.append(name)
    ok = not failing
    body = {"status": "ready" if ok else "not_ready", "host": host, "modules": modules, "failing": failing}
    return Response(body, status_code=200 if ok else 503)


health_routes = [healthz, readyz]


def module_health_routes(ctx: ModuleContext, existing: Sequence[Any]) -> list[Any]:
    """``{prefix}/healthz`` and ``{prefix}/readyz`` for a module that does not define its own."""
    taken = {p for h in existing for p in getattr(h, "paths", ())}

    @get("/healthz", media_type=MediaType.JSON, opt={"scaigrid_public": True}, name=f"{ctx.id}.healthz")
    async def module_healthz() -> dict[str, str]:
        return {"status": "ok", "module": ctx.id}

    @get("/readyz", media_type=MediaType.JSON, opt={"scaigrid_public": True}, name=f"{ctx.id}.readyz")
    async def module_readyz(platform: Platform) -> Response[dict[str, Any]]:
        state = await platform.lifecycle.state(ctx.id)
        checks = await run_checks(_module_checks(platform, ctx))
        ok = state == "ready" and all(v == "ok" for v in checks.values())
        body = {
            "status": "ready" if ok else "not_ready",
            "module": ctx.id,
            "version": ctx.info.version,
            "phase": state or "not_installed",
            "checks": checks,
        }
        return Response(body, status_code=200 if ok else 503)

    return [h for h, path in ((module_healthz, "/healthz"), (module_readyz, "/readyz")) if path not in taken]
