"""``create_app(settings) -> Litestar``: discover modules, build the platform, mount every router."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Router
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin

from scaigrid.auth.guards import current_principal, fail_connection
from scaigrid.auth.principal import Principal
from scaigrid.blobs.routes import blob_routes
from scaigrid.context import ModuleContext
from scaigrid.envelopes import handle_exception
from scaigrid.errors import Forbidden, NotFound, StartupError, Unauthorized
from scaigrid.mcp import mcp_routes
from scaigrid.modules import discover
from scaigrid.platform import Platform
from scaigrid.routes.admin import admin_routes
from scaigrid.routes.health import health_routes, module_health_routes
from scaigrid.routes.lifecycle import module_lifecycle_routes
from scaigrid.settings import Settings, load_settings

__all__ = ["create_app"]

log = logging.getLogger("scaigrid.app")


def _platform_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Platform:
    platform: Platform = connection.app.state.platform
    return platform


async def provide_platform(request: Any) -> Platform:
    return _platform_of(request)


async def provide_principal(request: Any) -> Principal:
    principal = await current_principal(request)
    if principal is None:
        raise Unauthorized("authentication required", code="UNAUTHENTICATED")
    return principal


def module_guard(ctx: ModuleContext) -> Any:
    """Refuse a module's routes while it is not installed, or for tenants that disabled it."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        if handler.opt.get("scaigrid_lifecycle") or handler.opt.get("scaigrid_public"):
            return
        platform = _platform_of(connection)
        if await platform.lifecycle.state(ctx.id) != "ready":
            await fail_connection(
                connection, NotFound(f"module {ctx.id} is not installed", code="MODULE_NOT_INSTALLED")
            )
            return
        try:
            principal = await current_principal(connection)
        except Unauthorized:
            return  # the route's own guard answers with the right code
        if principal is None or principal.is_superadmin:
            return
        if not await platform.lifecycle.tenant_enabled(ctx.id, principal.tenant_id):
            await fail_connection(
                connection,
                Forbidden(f"module {ctx.id} is disabled for this tenant", code="MODULE_DISABLED"),
            )

    return guard


def _module_router(platform: Platform, ctx: ModuleContext) -> Router | None:
    registry = platform.modules
    try:
        handlers = list(registry.call(ctx.id, "scaigrid_routes", module=ctx) or [])
    except StartupError:
        raise
    except Exception as exc:
        registry.fail(ctx.id, exc)
        return None
    for handler in handlers:
        opt = getattr(handler, "opt", None)
        name = opt.get("scaigrid_envelope") if isinstance(opt, dict) else None
        if name:
            platform.envelopes.check(ctx.id, name, f"route {getattr(handler, 'paths', handler)}")
    handlers += module_health_routes(ctx, handlers) + module_lifecycle_routes(ctx)
    prefix = "/" + ctx.info.prefix.strip("/")
    return Router(
        path=prefix,
        route_handlers=handlers,
        guards=[module_guard(ctx)],
        dependencies={"module": Provide(lambda: ctx, sync_to_thread=False, use_cache=True)},
        opt={"scaigrid_module": ctx.id, "scaigrid_envelope": ctx.info.envelope},
        tags=[ctx.id],
    )


def create_app(
    settings: Settings | None = None,
    *,
    plugins: Sequence[object] | None = None,
    install_modules: bool = True,
) -> Litestar:
    """Build the host app.

    ``plugins`` replaces entry-point discovery with exactly these plugin objects
    (tests). ``install_modules`` installs/upgrades every loaded module at start
    (the embedded default); the scaled deployment runs ``scaigrid modules install``.
    """
    settings = settings or load_settings()
    logging.basicConfig(level=settings.log_level)
    registry = discover(settings, plugins=plugins)
    platform = Platform(settings, registry)

    module_routers: list[Router] = []
    for ctx in list(registry.modules.values()):
        router = _module_router(platform, ctx)
        if router is not None:
            module_routers.append(router)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await platform.start(install_modules=install_modules)
        try:
            yield
        finally:
            await platform.stop()

    app = Litestar(
        route_handlers=[*health_routes, *admin_routes, *blob_routes, *mcp_routes, *module_routers],
        dependencies={
            "platform": Provide(provide_platform),
            "principal": Provide(provide_principal),
        },
        exception_handlers={Exception: handle_exception},
        lifespan=[lifespan],
        openapi_config=OpenAPIConfig(
            title="ScaiGrid",
            version="0.1.0",
            description="The ScaiGrid host and every loaded module's API.",
            path="/docs",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
        ),
        request_max_body_size=None,  # uploads are streamed and limited per route (scaigrid.uploads)
        debug=False,
    )
    app.state.platform = platform
    app.state.settings = settings
    return app
