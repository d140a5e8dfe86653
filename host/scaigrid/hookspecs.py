"""The plugin contract: every hook a ScaiGrid module may implement, in the order the host calls them.

One plugin object (a Python module or an instance) is one ScaiGrid module. The
host calls each hook **per module**, through pluggy, always with keyword
arguments; an implementation declares only the arguments it needs::

    from scaigrid import hookimpl, ModuleInfo

    @hookimpl
    def scaigrid_module():
        return ModuleInfo(id="hello", version="1.0.0", prefix="/v1/modules/hello")

Implementations of the lifecycle and start-up hooks may be ``async def``; the
host awaits what they return. Unknown ``scaigrid_*`` names are rejected at
start-up (``PluginManager.check_pending``), so a typo fails loudly. Set
``SCAIGRID_TRACE_MODULES=1`` to log every hook call with its duration.

The order, once per process (app or worker):

1. identity: ``scaigrid_module``, ``scaigrid_settings``, ``scaigrid_hookspecs``;
2. state: ``scaigrid_setup`` (the platform exists; nothing is connected yet);
3. contributions, checked together (a duplicate name or a bad record stops
   start-up naming the module): ``scaigrid_envelopes``, ``scaigrid_backends``,
   ``scaigrid_services``, ``scaigrid_jobs``, ``scaigrid_mcp_tools``,
   ``scaigrid_routes``, ``scaigrid_migrations``, ``scaigrid_readiness``;
4. start: ``scaigrid_install`` / ``scaigrid_upgrade`` (when the host installs),
   ``scaigrid_startup``;
5. while running, on an operator's request: ``scaigrid_tenant_enable``,
   ``scaigrid_tenant_disable``, ``scaigrid_uninstall``;
6. stop: ``scaigrid_shutdown``, ``scaigrid_teardown``.

Arguments the host passes:

``module``
    The :class:`~scaigrid.context.ModuleContext` of the module being called: its
    ``id``, ``info``, typed ``settings``, its ``state`` (what ``scaigrid_setup``
    returned) and the shared ``platform`` (database, blobs, jobs, backends,
    services, node registry). A module annotates it with its own types,
    ``ModuleContext[HelloSettings, HelloState]``.
``register``
    A callback taking one typed record (see :mod:`scaigrid.records`); call it once
    per record. The host checks names across all modules and fails start-up with
    one error naming both providers of a duplicate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pluggy

from scaigrid.context import ModuleContext
from scaigrid.records import (
    BackendSpec,
    EnvelopeSpec,
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

__all__ = ["HOST_HOOKS", "PROJECT", "hookimpl", "hookspec"]


# -- 1. identity ---------------------------------------------------------------------------


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

    Example::

        class Specs:
            @hookspec
            def scaigrid_hello_greetings(register): ...

        @hookimpl
        def scaigrid_hookspecs():
            return Specs
    """


# -- 2. state ------------------------------------------------------------------------------


@hookspec
def scaigrid_setup(module: ModuleContext) -> object | None:
    """Build the module's state: everything it holds for the life of this process.

    Called once per process, after the platform exists and before every hook
    below. What it returns becomes ``module.state`` (typed by the module as the
    second parameter of its ``ModuleContext``); services, routes, jobs and MCP
    tools reach their stores and caches through it, never through a global.
    Keep it cheap and free of I/O (connect and load in ``scaigrid_startup`` or
    lazily); it runs in workers and CLI commands too.

    :return: the state object, or ``None`` for a module without state.

    Example::

        @dataclass
        class HelloState:
            greeter: Greeter

        @hookimpl
        def scaigrid_setup(module: ModuleContext[HelloSettings, None]) -> HelloState:
            return HelloState(greeter=Greeter(module.platform.db, module.settings.greeting))
    """


# -- 3. contributions ----------------------------------------------------------------------


@hookspec
def scaigrid_envelopes(register: Callable[[EnvelopeSpec], None], module: ModuleContext) -> None:
    """Register the error envelopes this module's routes use (the host ships only ``"scaigrid"``).

    ``ModuleInfo.envelope`` (and a route's ``opt={"scaigrid_envelope": name}``)
    names one of them; every error raised on the module's routes, the host's
    own validation errors included, is rendered by it. An unknown name stops
    start-up. Names are the module's own: two modules may both register
    ``"openai"``.

    Example::

        def render(err: ScaigridError) -> dict[str, object]:
            return {"detail": err.message, "code": err.code}

        @hookimpl
        def scaigrid_envelopes(register):
            register(EnvelopeSpec(name="detail", render=render, validation_status=422))
    """


@hookspec
def scaigrid_backends(register: Callable[[BackendSpec], None], module: ModuleContext) -> None:
    """Register model backends: one ``BackendSpec`` per backend.

    Backend names are unique per capability across all modules. The factory is
    called lazily, once per process, with the platform.

    Example::

        @hookimpl
        def scaigrid_backends(register, module):
            register(BackendSpec(capability="tts", name="hello-beep", kind="A",
                                 factory=lambda platform: BeepVoice(module.settings)))
    """


@hookspec
def scaigrid_services(register: Callable[[ServiceSpec], None], module: ModuleContext) -> None:
    """Register Python services other modules may call through ``platform.services``.

    Give each service the ``Protocol`` it satisfies: the host checks the
    provider against it at start-up, and a caller's
    ``services.get(name, Protocol)`` gets a typed object. scaiecho registers
    ``"scaiecho.transcription"``; scryon calls it instead of loading its own model.

    Example::

        @hookimpl
        def scaigrid_services(register, module):
            register(ServiceSpec(name="hello.greeter", provider=module.state.greeter,
                                 protocol=GreeterService))
    """


@hookspec
def scaigrid_jobs(register: Callable[[JobHandler], None], module: ModuleContext) -> None:
    """Register durable job handlers.

    Kinds are namespaced by the host as ``"<module id>.<kind>"``; workers load
    the same handlers, so ``handler`` must not close over request state (it
    receives a :class:`~scaigrid.jobs.JobContext` whose ``platform`` is that
    process's).

    Example::

        @hookimpl
        def scaigrid_jobs(register, module):
            async def shout(job):
                return {"text": job.payload["text"].upper()}
            register(JobHandler(kind="shout", handler=shout))
    """


@hookspec
def scaigrid_mcp_tools(register: Callable[[McpTool], None], module: ModuleContext) -> None:
    """Register tools for the host's MCP endpoint (``/mcp``). Tool names are unique.

    Example::

        @hookimpl
        def scaigrid_mcp_tools(register, module):
            async def greet(principal, arguments):
                return {"text": module.state.greeter.greet(arguments["name"])}
            register(McpTool(name="hello.greet", description="Greet someone",
                             input_schema={"type": "object", "properties": {"name": {"type": "string"}}},
                             handler=greet, permission="hello:read"))
    """


@hookspec
def scaigrid_routes(module: ModuleContext) -> Sequence[object]:  # type: ignore[empty-body]
    """Return the module's Litestar route handlers, controllers or routers.

    The host mounts them under ``ModuleInfo.prefix`` in one ``Router`` whose guard
    answers a coded error when the module is disabled for the caller's tenant or
    not installed. Handlers receive ``module``, ``platform`` and ``principal``
    as dependencies.

    :return: a sequence of handlers (``@get``-decorated functions, ``Controller``
        classes, ``Router`` objects, WebSocket listeners).

    Example::

        @get("/hello", guards=[requires("hello:read")])
        async def hello(module: ModuleContext[HelloSettings, HelloState]) -> dict[str, str]:
            return {"data": module.state.greeter.greet("you")}

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

    Example::

        @hookimpl
        def scaigrid_migrations():
            return MigrationsInfo(version_location=str(Path(__file__).parent / "migrations"),
                                  branch_label="hello")
    """


@hookspec
def scaigrid_readiness(module: ModuleContext) -> Sequence[ReadinessCheck] | None:
    """Return the checks ``/readyz`` runs for this module (each raises when not ready).

    Asked once, at start-up (a bad return stops start-up there, not on a probe);
    ``/readyz`` then runs the checks it got.

    Example::

        @hookimpl
        def scaigrid_readiness(module):
            async def table():
                async with module.platform.db.connect() as conn:
                    await conn.execute(sa.text("SELECT 1 FROM hello_greetings LIMIT 1"))
            return [ReadinessCheck(name="table", check=table)]
    """


# -- 4. start ------------------------------------------------------------------------------


@hookspec
def scaigrid_install(module: ModuleContext) -> None:
    """Run after the module's migrations reached head on first install.

    Must be idempotent: a failed install is retried by running install again.
    May be ``async``.

    Example::

        @hookimpl
        async def scaigrid_install(module):
            await module.state.greeter.create_default_greetings()
    """


@hookspec
def scaigrid_upgrade(module: ModuleContext, from_version: str, to_version: str) -> None:
    """Run after migrations when the installed version differs from the code's version.

    :param from_version: the version recorded at the last successful install/upgrade.
    :param to_version: ``ModuleInfo.version`` of the code now running.

    Example::

        @hookimpl
        async def scaigrid_upgrade(module, from_version, to_version):
            if from_version.startswith("1."):
                await module.state.greeter.backfill_languages()
    """


@hookspec
def scaigrid_startup(module: ModuleContext) -> None:
    """Called once when the app (or a worker) starts, after install. May be async.

    Validate what can only be checked against running services, start pools,
    subscribe to node events. A raise marks the module failed; the host keeps serving.

    Example::

        @hookimpl
        async def scaigrid_startup(module):
            module.platform.nodes.add_handler("hello.evict", module.state.greeter.evict)
    """


# -- 5. on an operator's request -----------------------------------------------------------


@hookspec
def scaigrid_tenant_enable(module: ModuleContext, tenant_id: str) -> None:
    """Prepare the module for one tenant (called when the tenant enables it).

    The tenant is marked enabled only after this returns; a raise records the
    step as failed for that tenant (``GET /v1/modules`` shows it) and the tenant
    stays as it was. Must be idempotent.

    Example::

        @hookimpl
        async def scaigrid_tenant_enable(module, tenant_id):
            await module.state.greeter.seed_tenant(tenant_id)
    """


@hookspec
def scaigrid_tenant_disable(module: ModuleContext, tenant_id: str) -> None:
    """Release one tenant: the module stops answering that tenant.

    The host's guard refuses the tenant's requests before this runs; a raise
    records the step as failed (the tenant stays refused). Erase or keep that
    tenant's data as the module documents. Must be idempotent.

    Example::

        @hookimpl
        async def scaigrid_tenant_disable(module, tenant_id):
            await module.state.greeter.forget_tenant(tenant_id)
    """


@hookspec
def scaigrid_uninstall(module: ModuleContext) -> None:
    """Erase every tenant's data the module owns (rows, blobs, warm state).

    Called before the host downgrades the module's alembic branch to base. Must
    be idempotent.

    Example::

        @hookimpl
        async def scaigrid_uninstall(module):
            await module.platform.blobs.delete_prefix("hello/")
    """


# -- 6. stop -------------------------------------------------------------------------------


@hookspec
def scaigrid_shutdown(module: ModuleContext) -> None:
    """Called once when the app (or a worker) stops, while the platform still runs. May be async.

    Example::

        @hookimpl
        async def scaigrid_shutdown(module):
            await module.state.sessions.close_all()
    """


@hookspec
def scaigrid_teardown(module: ModuleContext) -> None:
    """Release what ``scaigrid_setup`` built, after the platform's services stopped. May be async.

    The host clears ``module.state`` afterwards.

    Example::

        @hookimpl
        def scaigrid_teardown(module):
            module.state.pool.shutdown(wait=False)
    """


HOST_HOOKS: tuple[str, ...] = (
    "scaigrid_module",
    "scaigrid_settings",
    "scaigrid_hookspecs",
    "scaigrid_setup",
    "scaigrid_envelopes",
    "scaigrid_backends",
    "scaigrid_services",
    "scaigrid_jobs",
    "scaigrid_mcp_tools",
    "scaigrid_routes",
    "scaigrid_migrations",
    "scaigrid_readiness",
    "scaigrid_install",
    "scaigrid_upgrade",
    "scaigrid_startup",
    "scaigrid_tenant_enable",
    "scaigrid_tenant_disable",
    "scaigrid_uninstall",
    "scaigrid_shutdown",
    "scaigrid_teardown",
)
"""Names of every host hook, in the order the host calls them (and the docs list them)."""
