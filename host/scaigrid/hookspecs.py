"""The plugin contract: every hook a ScaiGrid module may implement.

One plugin object (a Python module or an instance) is one ScaiGrid module. The
host calls each hook **per module**, always with keyword arguments; an
implementation declares only the arguments it needs::

    from scaigrid import hookimpl, ModuleInfo

    @hookimpl
    def scaigrid_module():
        return ModuleInfo(id="hello", version="1.0.0", prefix="/v1/modules/hello")

Implementations of the lifecycle and start-up hooks may be ``async def``; the
host awaits what they return. Unknown ``scaigrid_*`` names are rejected at
start-up (``PluginManager.check_pending``), so a typo fails loudly.

Arguments the host passes:

``module``
    The :class:`~scaigrid.context.ModuleContext` of the module being called: its
    ``id``, ``info``, typed ``settings`` and, once the app is started, the shared
    ``platform`` (database, blobs, jobs, backends, services, node registry).
``register``
    A callback taking one typed record (see :mod:`scaigrid.records`); call it once
    per record. The host checks names across all modules and fails start-up with
    one error naming both providers of a duplicate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pluggy

from scaigrid.records import (
    BackendSpec,
    JobHandler,
    McpTool,
    MigrationsInfo,
    ModuleInfo,
    ModuleSettings,
    ReadinessCheck,
    ServiceSpec,
)

PROJECT = "scaigrid"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

__all__ = ["PROJECT", "hookimpl", "hookspec"]


@hookspec
def scaigrid_module() -> ModuleInfo:  # type: ignore[empty-body]
    """Identify the module. **Required**; every other hook is optional.

    :return: a :class:`ModuleInfo` with a unique ``id`` and URL ``prefix``.

    Example::

        @hookimpl
        def scaigrid_module():
            return ModuleInfo(id="hello", version="1.2.0", prefix="/v1/modules/hello",
                              permissions=("hello:read",), member_permissions=("hello:read",))
    """


@hookspec
def scaigrid_settings() -> ModuleSettings | None:
    """Declare the module's settings type and environment prefix.

    The host reads and validates them at start-up (a bad value stops start-up
    naming the variable) and exposes the instance as ``module.settings``.

    Example::

        class HelloSettings(msgspec.Struct):
            greeting: str = "hi"

        @hookimpl
        def scaigrid_settings():
            return ModuleSettings(type=HelloSettings, prefix="HELLO_")
    """


@hookspec
def scaigrid_hookspecs() -> object | None:
    """Return a namespace of extra ``scaigrid_*`` hook specifications this module defines.

    Lets a module offer its own extension point to other plugins (audio_engine's
    ``scaigrid_audio_engine_components``). Specs are added before unknown hooks are
    checked, so implementations of them in any plugin are accepted.
    """


@hookspec
def scaigrid_routes(module: Any) -> Sequence[Any]:  # type: ignore[empty-body]
    """Return the module's Litestar route handlers, controllers or routers.

    The host mounts them under ``ModuleInfo.prefix`` in one ``Router`` whose guard
    answers a coded error when the module is disabled for the caller's tenant or
    not installed.

    :param module: the module's context.
    :return: a sequence of handlers (``@get``-decorated functions, ``Controller``
        classes, ``Router`` objects, WebSocket listeners).

    Example::

        @get("/hello")
        async def hello() -> dict[str, str]:
            return {"data": "hi"}

        @hookimpl
        def scaigrid_routes(module):
            return [hello]
    """


@hookspec
def scaigrid_migrations() -> MigrationsInfo | None:
    """Point at the module's alembic branch.

    :return: :class:`MigrationsInfo` with the ``versions`` directory and the branch
        label (must equal the module id). The branch's root revision has
        ``down_revision = None`` and ``branch_labels = ("<id>",)``.
    """


@hookspec
def scaigrid_install(module: Any) -> None:
    """Run after the module's migrations reached head on first install.

    Must be idempotent: a failed install is retried by running install again.
    May be ``async``.
    """


@hookspec
def scaigrid_upgrade(module: Any, from_version: str, to_version: str) -> None:
    """Run after migrations when the installed version differs from the code's version.

    :param from_version: the version recorded at the last successful install/upgrade.
    :param to_version: ``ModuleInfo.version`` of the code now running.
    """


@hookspec
def scaigrid_uninstall(module: Any) -> None:
    """Erase every tenant's data the module owns (rows, blobs, warm state).

    Called before the host downgrades the module's alembic branch to base. Must
    be idempotent.
    """


@hookspec
def scaigrid_tenant_enable(module: Any, tenant_id: str) -> None:
    """Prepare the module for one tenant (called when the tenant enables it)."""


@hookspec
def scaigrid_tenant_disable(module: Any, tenant_id: str) -> None:
    """Release one tenant: the module stops answering that tenant (the host's guard
    already refuses its requests). Erase or keep that tenant's data as the module
    documents."""


@hookspec
def scaigrid_backends(register: Callable[[BackendSpec], None], module: Any) -> None:
    """Register model backends: ``register(BackendSpec(capability="stt", name=..., kind="A", factory=...))``.

    Backend names are unique per capability across all modules.
    """


@hookspec
def scaigrid_jobs(register: Callable[[JobHandler], None], module: Any) -> None:
    """Register durable job handlers: ``register(JobHandler(kind="transcribe", handler=run))``.

    Kinds are namespaced by the host as ``"<module id>.<kind>"``; workers load
    the same handlers, so ``handler`` must not close over request state.
    """


@hookspec
def scaigrid_readiness(module: Any) -> Sequence[ReadinessCheck] | None:
    """Return the checks ``/readyz`` runs for this module (each raises when not ready)."""


@hookspec
def scaigrid_mcp_tools(register: Callable[[McpTool], None], module: Any) -> None:
    """Register tools for the host's MCP endpoint (``/mcp``). Tool names are unique."""


@hookspec
def scaigrid_services(register: Callable[[ServiceSpec], None], module: Any) -> None:
    """Register Python services other modules may call through ``platform.services``.

    Example: scaiecho registers ``"scaiecho.transcription"``; scryon calls it
    instead of loading its own model.
    """


@hookspec
def scaigrid_startup(module: Any) -> None:
    """Called once when the app (or a worker) starts, after the platform exists. May be async."""


@hookspec
def scaigrid_shutdown(module: Any) -> None:
    """Called once when the app (or a worker) stops. May be async."""


HOST_HOOKS: tuple[str, ...] = tuple(name for name in dir() if name.startswith("scaigrid_"))
"""Names of every host hook, in the order the docs list them."""
