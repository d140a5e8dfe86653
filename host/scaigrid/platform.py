"""The shared services every module sees: one object built per process from settings.

The same code path serves both deployments; which implementation sits behind
each service (SQLite or PostgreSQL, local or S3 blobs, in-process or Redis jobs,
memory or Redis node registry) is decided by the settings alone.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import os
import socket
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from scaigrid.auth.authenticator import Authenticator
from scaigrid.auth.bootstrap import bootstrap_superadmin
from scaigrid.auth.principal import Role
from scaigrid.backends import BackendRegistry
from scaigrid.backends.builtin import HOST_PROVIDER, builtin_specs
from scaigrid.backends.policy import PolicyStore
from scaigrid.blobs import BlobStore, create_blob_store
from scaigrid.context import ModuleContext
from scaigrid.db import HOST_BRANCH, Database
from scaigrid.envelopes import EnvelopeRegistry
from scaigrid.errors import StartupError
from scaigrid.jobs import JobQueue, create_job_queue
from scaigrid.lifecycle import Lifecycle
from scaigrid.mcp import McpRegistry
from scaigrid.modules import ModuleRegistry, maybe_await
from scaigrid.nodes import NodeInfo, NodeRegistry, create_node_registry
from scaigrid.records import BackendSpec, EnvelopeSpec, JobHandler, McpTool, ReadinessCheck, ServiceSpec
from scaigrid.secret import host_secret
from scaigrid.services import ServiceRegistry
from scaigrid.settings import Settings

__all__ = ["Platform"]

log = logging.getLogger("scaigrid.platform")
T = TypeVar("T")


class Platform:
    """Database, blobs, jobs, backends, policies, nodes, services, MCP tools, identity, lifecycle."""

    def __init__(self, settings: Settings, modules: ModuleRegistry) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        settings.data_path.mkdir(parents=True, exist_ok=True)
        self.settings = settings
        self.modules = modules
        self.secret = host_secret(settings)
        self.node_id = f"{socket.gethostname()}-{os.getpid()}"
        self.db = Database(settings.resolved_database_url)
        self.blobs: BlobStore = create_blob_store(settings, secret=self.secret)
        self.jobs: JobQueue = create_job_queue(settings, self.db)
        self.backends = BackendRegistry(settings, platform=self)
        self.policies = PolicyStore(self.db)
        self.nodes: NodeRegistry = create_node_registry(settings)
        self.services = ServiceRegistry()
        self.envelopes = EnvelopeRegistry()
        self.readiness: dict[str, list[ReadinessCheck]] = {}
        self.mcp = McpRegistry()
        self.job_handlers: dict[str, JobHandler] = {}
        self.auth = Authenticator(self.db, settings, self.role_permissions)
        self.lifecycle = Lifecycle(self)
        self._cpu = ThreadPoolExecutor(settings.cpu_workers, thread_name_prefix="scaigrid-cpu")
        self.started = False
        self.superadmin_key: str | None = None
        self._started_parts: list[str] = []
        self._torn_down = False
        for ctx in modules.modules.values():
            ctx.attach(self)
        self._setup_modules()
        self._collect_contributions()
        self._collect_readiness()

    # -- helpers modules use -------------------------------------------------

    async def run_cpu(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking, CPU-heavy work in the bounded pool, off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._cpu, functools.partial(fn, *args, **kwargs))

    def role_permissions(self, role: Role) -> Iterable[str]:
        """What a role grants when a key or token names no explicit permissions."""
        if role == "superadmin":
            return ("*",)
        perms: set[str] = {"tenant:admin"} if role == "tenant_admin" else set()
        for ctx in self.modules.modules.values():
            perms.update(ctx.info.permissions if role == "tenant_admin" else ctx.info.member_permissions)
        return perms

    @property
    def data_path(self) -> Path:
        return self.settings.data_path

    # -- module state ------------------------------------------------------------

    def _setup_modules(self) -> None:
        """``scaigrid_setup`` once per module: its result becomes ``module.state``."""
        for module_id, ctx in list(self.modules.modules.items()):
            try:
                state = self.modules.call(module_id, "scaigrid_setup", module=ctx)
                if inspect.isawaitable(state):
                    if inspect.iscoroutine(state):
                        state.close()  # never awaited on purpose: set-up does no I/O
                    raise TypeError("scaigrid_setup must be a plain function (no I/O at set-up)")
                ctx.set_state(state)
            except StartupError:
                raise
            except Exception as exc:
                self.modules.fail(module_id, exc)

    def _collect_readiness(self) -> None:
        """Ask each module for its readiness checks once, so a bad return fails at start-up."""
        results = self.modules.collect("scaigrid_readiness", lambda ctx: {"module": ctx})
        for module_id, checks in results.items():
            checks = list(checks or [])
            bad = [type(c).__name__ for c in checks if not isinstance(c, ReadinessCheck)]
            if bad:
                self.modules.fail(
                    module_id, f"scaigrid_readiness returned {', '.join(bad)}, not ReadinessCheck"
                )
                continue
            self.readiness[module_id] = checks

    # -- contributions ---------------------------------------------------------

    def _collect_contributions(self) -> None:
        """Ask every module for backends, jobs, services and MCP tools; conflicts stop start-up."""
        registry = self.modules
        for spec in builtin_specs():  # the host's own, before any module's: names are checked across all
            self.backends.register(spec, HOST_PROVIDER)

        def registrar(module_id: str, kind: str) -> Callable[[Any], None]:
            def register(record: Any) -> None:
                if kind == "backends" and isinstance(record, BackendSpec):
                    self.backends.register(record, module_id)
                elif kind == "jobs" and isinstance(record, JobHandler):
                    name = f"{module_id}.{record.kind}"
                    if name in self.job_handlers:
                        raise StartupError(f"job kind {name!r} registered twice by module {module_id}")
                    self.job_handlers[name] = record
                elif kind == "services" and isinstance(record, ServiceSpec):
                    self.services.register(record, module_id)
                elif kind == "mcp" and isinstance(record, McpTool):
                    self.mcp.register(record, module_id)
                elif kind == "envelopes" and isinstance(record, EnvelopeSpec):
                    self.envelopes.register(record, module_id)
                else:
                    raise TypeError(f"module {module_id} registered {type(record).__name__} as {kind}")

            return register

        for hook, kind in (
            ("scaigrid_envelopes", "envelopes"),
            ("scaigrid_backends", "backends"),
            ("scaigrid_jobs", "jobs"),
            ("scaigrid_services", "services"),
            ("scaigrid_mcp_tools", "mcp"),
        ):
            registry.collect(hook, functools.partial(self._hook_kwargs, registrar, kind))
        for module_id, ctx in registry.modules.items():
            self.envelopes.check(module_id, ctx.info.envelope, "ModuleInfo.envelope")

    @staticmethod
    def _hook_kwargs(
        registrar: Callable[[str, str], Callable[[Any], None]], kind: str, ctx: ModuleContext[Any, Any]
    ) -> dict[str, Any]:
        return {"register": registrar(ctx.id, kind), "module": ctx}

    # -- start/stop -------------------------------------------------------------

    async def start(
        self,
        *,
        migrate: bool = True,
        install_modules: bool = False,
        worker: bool = False,
        minimal: bool = False,
    ) -> None:
        """Connect services, migrate the host branch, optionally install modules, run start-up hooks.

        ``minimal`` (CLI commands) stops after the database, migrations and blob store.
        """
        if migrate:
            await self.db.upgrade(HOST_BRANCH)
        for module_id in list(self.modules.modules):
            try:
                self.lifecycle.register_migrations(module_id)
            except Exception as exc:
                self.modules.fail(module_id, exc)
        if self.settings.bootstrap_superadmin and migrate and not minimal:
            self.superadmin_key = await bootstrap_superadmin(self.db, self.settings.data_path)
        await self.blobs.start()
        self._started_parts.append("blobs")
        if minimal:
            return
        await self.backends.start()
        await self.nodes.register(
            NodeInfo(node_id=self.node_id, capabilities=sorted(self.backends.capabilities()))
        )
        self._started_parts += ["backends", "nodes"]
        self.jobs.platform = self
        self.jobs.set_handlers(self.job_handlers)
        if install_modules:
            await self.lifecycle.ensure_installed()
        for module_id, ctx in list(self.modules.modules.items()):
            try:
                await maybe_await(self.modules.call(module_id, "scaigrid_startup", module=ctx))
            except Exception as exc:
                self.modules.fail(module_id, exc)
        self._started_parts.append("modules")
        # Embedded: the in-process executor always runs. Scaled: API processes enqueue and reap;
        # workers (and serve with jobs_in_process) consume the Redis queue.
        consume = worker or (self.settings.scaled and self.settings.jobs_in_process)
        await self.jobs.start(worker=consume)
        self._started_parts.append("jobs")
        self.started = True

    async def _teardown_modules(self) -> None:
        for module_id, ctx in list(self.modules.modules.items()):
            try:
                await maybe_await(self.modules.call(module_id, "scaigrid_teardown", module=ctx))
            except Exception:
                log.exception("module %s failed during teardown", module_id)

    async def stop(self) -> None:
        parts = self._started_parts
        if "modules" in parts:
            for module_id, ctx in list(self.modules.modules.items()):
                try:
                    await maybe_await(self.modules.call(module_id, "scaigrid_shutdown", module=ctx))
                except Exception:
                    log.exception("module %s failed during shutdown", module_id)
        if "jobs" in parts:
            await self.jobs.close()
        if "backends" in parts:
            await self.backends.close()
        if "nodes" in parts:
            await self.nodes.close()
        if "blobs" in parts:
            await self.blobs.close()
        await self.db.dispose()
        self._cpu.shutdown(wait=False, cancel_futures=True)
        if not self._torn_down:
            self._torn_down = True
            await self._teardown_modules()
        self._started_parts = []
        self.started = False
