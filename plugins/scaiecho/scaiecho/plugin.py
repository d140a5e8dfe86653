"""scaiecho's hook implementations: the module as the host sees it (entry point ``scaigrid.modules``)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import sqlalchemy as sa
from scaigrid.context import ModuleContext
from scaigrid.envelopes import OPENAI_ENVELOPE
from scaigrid.hookspecs import hookimpl
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

from scaiecho import __version__
from scaiecho.contracts import (
    DIARIZATION,
    SPEAKER_EMBEDDING,
    TRANSCRIPTION,
    DiarizationService,
    SpeakerEmbeddingService,
    TranscriptionService,
)
from scaiecho.jobs import job_handler
from scaiecho.mcp_tools import transcribe_tool
from scaiecho.settings import ENV_PREFIX, ScaiechoSettings
from scaiecho.state import Module, ScaiechoState, build_state
from scaiecho.stt import catalog

log = logging.getLogger("scaigrid.modules.scaiecho")

MODULE_ID = "scaiecho"
PERMISSIONS = ("scaiecho:transcribe", "scaiecho:diarize", "scaiecho:enroll", "scaiecho:admin")
MEMBER_PERMISSIONS = ("scaiecho:transcribe", "scaiecho:diarize", "scaiecho:enroll")


@hookimpl
def scaigrid_module() -> ModuleInfo:
    return ModuleInfo(
        id=MODULE_ID,
        version=__version__,
        prefix="/v1/modules/scaiecho",
        description="Speech-to-text (batch, streaming), diarization and speaker enrollment.",
        permissions=PERMISSIONS,
        member_permissions=MEMBER_PERMISSIONS,
        envelope="scaigrid",
    )


@hookimpl
def scaigrid_settings() -> ModuleSettings:
    return ModuleSettings(type=ScaiechoSettings, prefix=ENV_PREFIX)


@hookimpl
def scaigrid_setup(module: ModuleContext[ScaiechoSettings, None]) -> ScaiechoState:
    return build_state(module.platform, module.settings)


@hookimpl
def scaigrid_envelopes(register: Callable[[EnvelopeSpec], None]) -> None:
    register(OPENAI_ENVELOPE)  # the OpenAI-compatible routes (/v1/audio/...)


@hookimpl
def scaigrid_migrations() -> MigrationsInfo:
    return MigrationsInfo(
        version_location=str(Path(__file__).resolve().parent / "migrations" / "versions"),
        branch_label=MODULE_ID,
    )


@hookimpl
def scaigrid_routes() -> Sequence[object]:
    from scaiecho.openai.routes import openai_routes
    from scaiecho.routes.policy import policy_routes
    from scaiecho.routes.speakers import speaker_routes
    from scaiecho.routes.transcribe import transcribe_routes
    from scaiecho.streaming.routes import streaming_routes

    return [*transcribe_routes, *speaker_routes, *policy_routes, *streaming_routes, *openai_routes]


@hookimpl
def scaigrid_backends(register: Callable[[BackendSpec], None], module: Module) -> None:
    relay = catalog.relay_configured(module.settings, module.platform)
    for spec in catalog.backend_specs(module.settings, relay=relay):
        register(spec)


@hookimpl
def scaigrid_jobs(register: Callable[[JobHandler], None], module: Module) -> None:
    register(job_handler(module))


@hookimpl
def scaigrid_services(register: Callable[[ServiceSpec], None], module: Module) -> None:
    state = module.state
    register(
        ServiceSpec(
            name=TRANSCRIPTION,
            provider=state.transcription,
            protocol=TranscriptionService,
            description="speech to text",
        )
    )
    register(
        ServiceSpec(
            name=DIARIZATION,
            provider=state.diarization,
            protocol=DiarizationService,
            description="who spoke when",
        )
    )
    register(
        ServiceSpec(
            name=SPEAKER_EMBEDDING,
            provider=state.embedding,
            protocol=SpeakerEmbeddingService,
            description="256-d speaker vectors",
        )
    )


@hookimpl
def scaigrid_mcp_tools(register: Callable[[McpTool], None], module: Module) -> None:
    register(transcribe_tool(module))


@hookimpl
def scaigrid_readiness(module: Module) -> Sequence[ReadinessCheck]:
    async def models() -> None:
        model = module.settings.default_model
        if not catalog.model_available(model, module.settings):
            raise RuntimeError(f"the weights of default model {model!r} are not installed")

    async def tables() -> None:
        async with module.platform.db.connect() as conn:
            await conn.execute(sa.text("SELECT 1 FROM scaiecho_speakers LIMIT 1"))

    return [ReadinessCheck(name="models", check=models), ReadinessCheck(name="tables", check=tables)]


@hookimpl
async def scaigrid_install(module: Module) -> None:
    settings = module.settings
    if "base" in (settings.default_model, settings.multilingual_model):
        # Assemble the split multilingual weights now (once), not on a user's first request.
        from scaiecho.stt.bundled import assemble_base

        await module.platform.run_cpu(assemble_base, catalog.models_dir(settings, module.platform))


@hookimpl
def scaigrid_startup(module: Module) -> None:
    from scaiecho.speakers.manager import NODE_KIND

    backends, settings = module.platform.backends, module.settings
    backends.require("vad", settings.vad_backend, setting="SCAIECHO_VAD_BACKEND")
    backends.require(
        "speaker_embedding", settings.speaker_embedding_backend, setting="SCAIECHO_SPEAKER_EMBEDDING_BACKEND"
    )
    module.platform.nodes.add_handler(NODE_KIND, module.state.manager.handle)


@hookimpl
async def scaigrid_shutdown(module: Module) -> None:
    await module.state.streaming.close()  # live streams and WebRTC peers


@hookimpl
async def scaigrid_uninstall(module: Module) -> None:
    erased = await module.state.manager.delete_all_blobs()
    await module.platform.blobs.delete_prefix("scaiecho/")
    await module.state.policy.delete_tenant(None)
    await module.platform.db.audit(
        None,
        actor="system",
        action="scaiecho.uninstall",
        module_id=MODULE_ID,
        details={"speakers_erased": erased},
    )
