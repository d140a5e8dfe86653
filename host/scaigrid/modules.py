"""Module discovery and the registry of loaded modules.

Built-in and third-party modules load the same way: through the entry-point
group ``scaigrid.modules`` (or, in tests, an explicit list of plugin objects).
A module that fails to import or whose hooks raise is recorded as failed and
skipped; conflicting names stop start-up with one error naming both providers.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import logging
import time
import traceback
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
import pluggy

from scaigrid import hookspecs
from scaigrid.context import ModuleContext
from scaigrid.errors import StartupError
from scaigrid.records import ModuleInfo, ModuleSettings
from scaigrid.settings import Settings, load_struct

__all__ = [
    "BUILTIN_DISTRIBUTIONS",
    "ENTRY_POINT_GROUP",
    "LoadFailure",
    "ModuleRegistry",
    "PluginSource",
    "call_each_plugin",
    "discover",
    "maybe_await",
]

log = logging.getLogger("scaigrid.modules")
_trace_log = logging.getLogger("scaigrid.trace")

ENTRY_POINT_GROUP = "scaigrid.modules"
BUILTIN_DISTRIBUTIONS = frozenset(
    {"scaigrid-scaiecho", "scaigrid-scaispeak", "scaigrid-audio-engine", "scaigrid-scryon"}
)
"""Distributions shipped in this repository: the only ones loaded in safe mode."""


@dataclass(frozen=True)
class PluginSource:
    """Where a plugin comes from: an entry point (lazy) or an object given directly."""

    name: str
    distribution: str | None
    load: Callable[[], object]


@dataclass(frozen=True)
class LoadFailure:
    """A module that could not be loaded; reported by ``GET /v1/modules``."""

    name: str
    distribution: str | None
    error: str


@dataclass
class ModuleRegistry:
    """The plugin manager plus every loaded module's context, keyed by module id."""

    pm: pluggy.PluginManager
    modules: dict[str, ModuleContext] = field(default_factory=dict)
    failures: dict[str, LoadFailure] = field(default_factory=dict)
    plugins: dict[str, object] = field(default_factory=dict)
    trace: bool = False
    """``SCAIGRID_TRACE_MODULES``: log every module hook call with its duration."""

    def get(self, module_id: str) -> ModuleContext | None:
        return self.modules.get(module_id)

    def plugin(self, module_id: str) -> object:
        return self.plugins[module_id]

    def fail(self, module_id: str, error: BaseException | str) -> None:
        """Mark a loaded module failed at start-up and stop calling its hooks."""
        ctx = self.modules.pop(module_id, None)
        plugin = self.plugins.pop(module_id, None)
        if plugin is not None and self.pm.is_registered(plugin):
            self.pm.unregister(plugin)
        message = error if isinstance(error, str) else _describe(error)
        log.error("module %s failed and is skipped: %s", module_id, message)
        self.failures[module_id] = LoadFailure(module_id, ctx.distribution if ctx else None, message)

    def call(self, module_id: str, hook: str, **kwargs: Any) -> Any:
        """Call one hook on one module, through pluggy's call path (wrappers, tracing, monitoring).

        Keyword arguments only, and every argument the hookspec declares must be
        given; the implementation receives the subset it names. Returns the
        module's result, ``None`` when it does not implement the hook. With
        ``SCAIGRID_TRACE_MODULES`` set, each call is logged with its duration
        (for ``async`` implementations, the time until the awaited result).
        """
        plugin = self.plugins[module_id]
        caller = getattr(self.pm.hook, hook)
        missing = [name for name in (caller.spec.argnames if caller.spec else ()) if name not in kwargs]
        if missing:
            raise TypeError(f"host bug: {hook} called without {', '.join(missing)}")
        others = [p for p in self.plugins.values() if p is not plugin]
        subset = self.pm.subset_hook_caller(hook, remove_plugins=others)
        if not self.trace or not subset.get_hookimpls():
            results = subset(**kwargs)
            return results[0] if results else None  # pluggy drops None results
        started = time.perf_counter()
        results = subset(**kwargs)
        result = results[0] if results else None
        if inspect.isawaitable(result):
            return self._traced(module_id, hook, started, result)
        _trace_log.info("%s.%s %.1f ms", module_id, hook, (time.perf_counter() - started) * 1000)
        return result

    @staticmethod
    async def _traced(module_id: str, hook: str, started: float, awaitable: Awaitable[Any]) -> Any:
        try:
            return await awaitable
        finally:
            _trace_log.info("%s.%s %.1f ms", module_id, hook, (time.perf_counter() - started) * 1000)

    def collect(self, hook: str, make_kwargs: Callable[[ModuleContext], dict[str, Any]]) -> dict[str, Any]:
        """Call ``hook`` on every module, isolating failures; returns results by module id."""
        results: dict[str, Any] = {}
        for module_id, ctx in list(self.modules.items()):
            try:
                kwargs = make_kwargs(ctx)
                results[module_id] = self.call(module_id, hook, **kwargs)
            except StartupError:
                raise
            except Exception as exc:
                self.fail(module_id, exc)
        return results


def call_each_plugin(
    pm: pluggy.PluginManager, hook: str, make_kwargs: Callable[[str], dict[str, Any]]
) -> Iterator[tuple[str, Any]]:
    """Call ``hook`` once per implementing plugin, through pluggy, yielding ``(plugin name, result)``.

    ``make_kwargs(plugin_name)`` builds that plugin's arguments: a module's own
    extension point uses it to tell providers apart (audio_engine credits each
    component to the plugin whose ``register`` call added it).
    """
    caller = getattr(pm.hook, hook)
    impls = caller.get_hookimpls()
    everyone = [impl.plugin for impl in impls]
    for impl in impls:
        subset = pm.subset_hook_caller(hook, remove_plugins=[p for p in everyone if p is not impl.plugin])
        results = subset(**make_kwargs(impl.plugin_name))
        yield impl.plugin_name, (results[0] if results else None)


async def maybe_await(value: Any) -> Any:
    """Hook implementations may be sync or async; await what needs awaiting."""
    if inspect.isawaitable(value):
        return await value
    return value


def _describe(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {frames[-1].filename}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


def entry_point_sources(settings: Settings) -> list[PluginSource]:
    """Entry points in ``scaigrid.modules``, filtered by the allow-list and safe mode."""
    sources: list[PluginSource] = []
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist is not None else None
        if settings.safe_mode and dist not in BUILTIN_DISTRIBUTIONS:
            log.warning("safe mode: skipping third-party module %s from %s", ep.name, dist)
            continue
        if settings.modules is not None and ep.name not in settings.modules:
            continue
        sources.append(PluginSource(ep.name, dist, ep.load))
    return sources


def object_sources(plugins: Iterable[object]) -> list[PluginSource]:
    """Explicit plugin objects (tests register exactly the plugins they mean to)."""

    def loader(plugin: object) -> Callable[[], object]:
        return lambda: plugin

    return [PluginSource(getattr(p, "__name__", type(p).__name__), None, loader(p)) for p in plugins]


def discover(
    settings: Settings,
    *,
    plugins: Sequence[object] | None = None,
) -> ModuleRegistry:
    """Build the plugin manager and load every module (a factory: nothing happens at import).

    ``plugins`` replaces entry-point discovery with an explicit list.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    registry = ModuleRegistry(pm=pm, trace=settings.trace_modules)
    sources = object_sources(plugins) if plugins is not None else entry_point_sources(settings)
    seen_prefixes: dict[str, str] = {}

    for source in sources:
        try:
            plugin = source.load()
        except Exception as exc:
            log.exception("module %s failed to import", source.name)
            registry.failures[source.name] = LoadFailure(source.name, source.distribution, _describe(exc))
            continue
        try:
            info = _module_info(plugin)
        except Exception as exc:
            registry.failures[source.name] = LoadFailure(source.name, source.distribution, _describe(exc))
            continue
        if info.id in registry.modules:
            other = registry.modules[info.id]
            raise StartupError(
                f"two modules claim the id {info.id!r}: "
                f"{_provider(other.distribution, registry.plugins[info.id])}"
                f" and {_provider(source.distribution, plugin)}"
            )
        prefix = "/" + info.prefix.strip("/")
        if prefix in seen_prefixes:
            raise StartupError(
                f"modules {seen_prefixes[prefix]!r} and {info.id!r} both claim the route prefix {prefix!r}"
            )
        try:
            pm.register(plugin, name=info.id)
        except (ValueError, pluggy.PluginValidationError) as exc:
            registry.failures[info.id] = LoadFailure(info.id, source.distribution, _describe(exc))
            continue
        registry.plugins[info.id] = plugin
        try:
            settings_obj = _module_settings(registry, info)
        except StartupError:
            raise
        except Exception as exc:
            pm.unregister(plugin)
            registry.plugins.pop(info.id)
            registry.failures[info.id] = LoadFailure(info.id, source.distribution, _describe(exc))
            continue
        seen_prefixes[prefix] = info.id
        registry.modules[info.id] = ModuleContext(
            id=info.id, info=info, settings=settings_obj, distribution=source.distribution
        )

    _add_module_hookspecs(registry)
    _reject_unknown_hooks(registry)
    return registry


def _module_info(plugin: object) -> ModuleInfo:
    impl = getattr(plugin, "scaigrid_module", None)
    if impl is None:
        raise StartupError(f"{plugin!r} does not implement the required hook scaigrid_module")
    info = impl()
    if not isinstance(info, ModuleInfo):
        raise TypeError(f"scaigrid_module must return ModuleInfo, got {type(info).__name__}")
    if not info.id or not info.id.replace("_", "").isalnum():
        raise ValueError(f"module id {info.id!r} must be non-empty letters, digits and underscores")
    return info


def _module_settings(registry: ModuleRegistry, info: ModuleInfo) -> msgspec.Struct | None:
    spec = registry.call(info.id, "scaigrid_settings")
    if spec is None:
        return None
    if not isinstance(spec, ModuleSettings):
        raise TypeError(f"scaigrid_settings of {info.id} must return ModuleSettings")
    return load_struct(spec.type, spec.prefix)


def _add_module_hookspecs(registry: ModuleRegistry) -> None:
    for module_id in list(registry.modules):
        try:
            namespace = registry.call(module_id, "scaigrid_hookspecs")
        except Exception as exc:
            registry.fail(module_id, exc)
            continue
        if namespace is not None:
            registry.pm.add_hookspecs(namespace)


def _reject_unknown_hooks(registry: ModuleRegistry) -> None:
    """``check_pending`` finds implementations of hooks nobody specified: fail their modules."""
    while True:
        try:
            registry.pm.check_pending()
            return
        except pluggy.PluginValidationError as exc:
            culprit = next((mid for mid, p in registry.plugins.items() if p is exc.plugin), None)
            if culprit is None:
                raise StartupError(f"unknown hook implementation: {exc}") from exc
            registry.fail(culprit, f"unknown hook implementation (typo?): {exc}")


def _provider(distribution: str | None, plugin: object) -> str:
    name = getattr(plugin, "__name__", type(plugin).__name__)
    return f"{name} (distribution {distribution})" if distribution else name
