"""The Audio Engine's hook implementations: identity, settings, tables, routes, backends, components."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scaigrid.errors import ServiceUnavailable, StartupError
from scaigrid.hookspecs import hookimpl
from scaigrid.records import (
    BackendSpec,
    EnvelopeSpec,
    MigrationsInfo,
    ModuleInfo,
    ModuleSettings,
    ReadinessCheck,
)

from audio_engine import MODULE_ID, __version__, hookspecs
from audio_engine.components import builtin_components
from audio_engine.denoise import NoiseReduceDenoiser
from audio_engine.engine import (
    DENOISE_BACKEND,
    SPEAKER_BACKEND,
    VAD_BACKEND,
    AudioEngine,
    HostResources,
    engine_of,
    set_engine,
)
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
def scaigrid_audio_engine_components(register: Any) -> None:
    for component in builtin_components():
        register(component)


def collect_components(pm: Any) -> ComponentRegistry:
    """Ask every plugin (this one included) for components; a duplicate id stops start-up."""
    registry = AudioEngine.new_registry()
    for impl in pm.hook.scaigrid_audio_engine_components.get_hookimpls():
        provider = impl.plugin_name

        def register(component: Component, provider: str = provider) -> None:
            registry.register(component, provider=provider)

        try:
            impl.function(register=register)
        except StartupError:
            raise
        except Exception as exc:
            raise StartupError(
                f"plugin {provider} failed to register audio_engine components: {exc}"
            ) from exc
    return registry


@hookimpl
def scaigrid_routes(module: Any) -> list[Any]:
    settings: AudioEngineSettings = module.settings
    if not settings.enabled:
        log.info("AUDIO_ENGINE_ENABLED=false: the Audio Engine routes are not mounted")
        return []
    registry = collect_components(module.platform.modules.pm)
    set_engine(module, AudioEngine(settings, registry, HostResources(module.platform, settings.stt_backend)))
    return [pipeline_route, *admin_routes]


@hookimpl
def scaigrid_backends(register: Any) -> None:
    from audio_engine.speaker import ResemblyzerEncoder
    from audio_engine.vad import SileroVad

    register(
        BackendSpec(
            capability="vad",
            name=VAD_BACKEND,
            kind="A",
            factory=lambda _platform: SileroVad(),
            description="Silero VAD v6 (bundled JIT model), 16 kHz",
        )
    )
    register(
        BackendSpec(
            capability="speaker_embedding",
            name=SPEAKER_BACKEND,
            kind="A",
            factory=lambda _platform: ResemblyzerEncoder(),
            description="resemblyzer VoiceEncoder, 256-d",
        )
    )
    register(
        BackendSpec(
            capability="denoise",
            name=DENOISE_BACKEND,
            kind="A",
            factory=lambda _platform: NoiseReduceDenoiser(),
            description="noisereduce stationary gating, quietest 0.5 s as noise profile",
            max_concurrency=2,
        )
    )


@hookimpl
def scaigrid_startup(module: Any) -> None:
    if module.settings.enabled:
        engine_of(module).start()


@hookimpl
def scaigrid_shutdown(module: Any) -> None:
    if module.settings.enabled:
        engine_of(module).stop()


@hookimpl
async def scaigrid_uninstall(module: Any) -> None:
    """Erase every tenant's stored files; the host then drops the module's tables."""
    await module.platform.blobs.delete_prefix(f"{MODULE_ID}/")


@hookimpl
def scaigrid_readiness(module: Any) -> list[ReadinessCheck]:
    async def engine_started() -> None:
        if module.settings.enabled and not engine_of(module).started:
            raise ServiceUnavailable("Audio Engine pools are not started", code="AUDIO_ENGINE_NOT_READY")

    return [ReadinessCheck(name="audio_engine.engine", check=engine_started)]
