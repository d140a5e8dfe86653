"""The Audio Engine's hook implementations: identity, settings, tables, routes, backends, components."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pluggy
from scaigrid.context import ModuleContext
from scaigrid.errors import ServiceUnavailable, StartupError
from scaigrid.hookspecs import hookimpl
from scaigrid.modules import call_each_plugin
from scaigrid.records import (
    EnvelopeSpec,
    MigrationsInfo,
    ModuleInfo,
    ModuleSettings,
    ReadinessCheck,
)

from audio_engine import MODULE_ID, __version__, hookspecs
from audio_engine.components import builtin_components
from audio_engine.engine import AudioEngine, HostResources, Module
from audio_engine.envelope import DETAIL_ENVELOPE
from audio_engine.registry import Component, ComponentRegistry
from audio_engine.routes import admin_routes, pipeline_route
from audio_engine.settings import AudioEngineSettings

log = logging.getLogger("scaigrid.modules.audio_engine")


@hookimpl
def scaigrid_module() -> ModuleInfo:
    return ModuleInfo(
        id=MODULE_ID,
        version=__version__,
        prefix="/v1/audio_engine",
        description="Ordered audio-processing pipelines in one request (denoise, trim, slice, VAD...).",
        permissions=("audio_engine:run", "audio_engine:admin"),
        member_permissions=("audio_engine:run",),
        envelope="detail",
    )


@hookimpl
def scaigrid_settings() -> ModuleSettings:
    return ModuleSettings(type=AudioEngineSettings, prefix="AUDIO_ENGINE_")


@hookimpl
def scaigrid_envelopes(register: Callable[[EnvelopeSpec], None]) -> None:
    register(DETAIL_ENVELOPE)


@hookimpl
def scaigrid_hookspecs() -> object:
    return hookspecs


@hookimpl
def scaigrid_migrations() -> MigrationsInfo:
    return MigrationsInfo(
        version_location=str(Path(__file__).parent / "migrations" / "versions"), branch_label=MODULE_ID
    )


@hookimpl
def scaigrid_audio_engine_components(register: Callable[[Component], None]) -> None:
    for component in builtin_components():
        register(component)


def collect_components(pm: pluggy.PluginManager) -> ComponentRegistry:
    """Ask every plugin (this one included) for components; a duplicate id stops start-up."""
    registry = AudioEngine.new_registry()

    def kwargs(provider: str) -> dict[str, Any]:
        def register(component: Component) -> None:
            registry.register(component, provider=provider)

        return {"register": register}

    try:
        list(call_each_plugin(pm, "scaigrid_audio_engine_components", kwargs))  # through pluggy
    except StartupError:
        raise
    except Exception as exc:
        raise StartupError(f"a plugin failed to register audio_engine components: {exc}") from exc
    return registry


@hookimpl
def scaigrid_setup(module: ModuleContext[AudioEngineSettings, None]) -> AudioEngine:
    settings = module.settings
    registry = collect_components(module.platform.modules.pm)
    return AudioEngine(settings, registry, HostResources(module.platform, settings))


@hookimpl
def scaigrid_routes(module: Module) -> list[object]:
    if not module.settings.enabled:
        log.info("AUDIO_ENGINE_ENABLED=false: the Audio Engine routes are not mounted")
        return []
    return [pipeline_route, *admin_routes]


@hookimpl
def scaigrid_startup(module: Module) -> None:
    if module.settings.enabled:
        module.state.resources.check()  # configured backend names, against what is registered
        module.state.start()


@hookimpl
def scaigrid_shutdown(module: Module) -> None:
    if module.settings.enabled:
        module.state.stop()


@hookimpl
async def scaigrid_uninstall(module: Module) -> None:
    """Erase every tenant's stored files; the host then drops the module's tables."""
    await module.platform.blobs.delete_prefix(f"{MODULE_ID}/")


@hookimpl
def scaigrid_readiness(module: Module) -> list[ReadinessCheck]:
    async def engine_started() -> None:
        if module.settings.enabled and not module.state.started:
            raise ServiceUnavailable("Audio Engine pools are not started", code="AUDIO_ENGINE_NOT_READY")

    return [ReadinessCheck(name="audio_engine.engine", check=engine_started)]
