"""Hook implementations of the ``scryon`` module: call-recording analysis mounted at ``/api/``.

Scryon loads no speech model of its own: it calls scaiecho's transcription,
diarization and speaker-embedding services. It provides two ``analysis``
backends (``scryon.local``, kind A; ``scryon.relay``, kind B) and one durable
job kind (``scryon.analyze``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from scaigrid.hookspecs import hookimpl
from scaigrid.records import (
    BackendSpec,
    EnvelopeSpec,
    JobHandler,
    MigrationsInfo,
    ModuleInfo,
    ModuleSettings,
    ReadinessCheck,
)

from scryon import tables
from scryon.analysis.embedder import bundled_model_dir
from scryon.backends import MODULE_ID, backend_specs
from scryon.envelope import ERROR_OBJECT_ENVELOPE
from scryon.idempotency import purge_expired
from scryon.jobs import analysis_job
from scryon.routes import all_routes
from scryon.settings import ENV_PREFIX, Module, ScryonSettings

__all__ = ["REQUIRED_SERVICES", "VERSION"]

VERSION = "0.1.0"
REQUIRED_SERVICES = ("scaiecho.transcription", "scaiecho.diarization", "scaiecho.speaker_embedding")


@hookimpl
def scaigrid_module() -> ModuleInfo:
    return ModuleInfo(
        id=MODULE_ID,
        version=VERSION,
        prefix="/api",
        description="Scryon: call-recording analysis (transcript, speakers, summary, action items).",
        permissions=("scryon:use", "scryon:admin"),
        member_permissions=("scryon:use",),
        envelope="error_object",
    )


@hookimpl
def scaigrid_settings() -> ModuleSettings:
    return ModuleSettings(type=ScryonSettings, prefix=ENV_PREFIX)


@hookimpl
def scaigrid_envelopes(register: Callable[[EnvelopeSpec], None]) -> None:
    register(ERROR_OBJECT_ENVELOPE)


@hookimpl
def scaigrid_routes(module: Module) -> list[Any]:
    return all_routes()


@hookimpl
def scaigrid_migrations() -> MigrationsInfo:
    return MigrationsInfo(
        version_location=str(Path(__file__).parent / "migrations" / "versions"), branch_label=MODULE_ID
    )


@hookimpl
def scaigrid_backends(register: Any, module: Module) -> None:
    spec: BackendSpec
    for spec in backend_specs(module):
        register(spec)


@hookimpl
def scaigrid_jobs(register: Any, module: Module) -> None:
    handler: JobHandler = analysis_job(module)
    register(handler)


async def _model_present() -> None:
    bundled_model_dir()


def _services_check(module: Module) -> Any:
    async def check() -> None:
        missing = [name for name in REQUIRED_SERVICES if name not in module.platform.services]
        if missing:
            raise RuntimeError(f"scaiecho services not loaded: {', '.join(missing)}")

    return check


@hookimpl
def scaigrid_readiness(module: Module) -> list[ReadinessCheck]:
    return [
        ReadinessCheck(name="minilm_model", check=_model_present),
        ReadinessCheck(name="scaiecho_services", check=_services_check(module)),
    ]


@hookimpl
async def scaigrid_startup(module: Module) -> None:
    settings: ScryonSettings = module.settings
    module.platform.backends.require("vad", settings.vad_backend, setting="SCRYON_VAD_BACKEND")
    if await module.platform.lifecycle.state(MODULE_ID) == "ready":
        await purge_expired(module.platform.db)


@hookimpl
async def scaigrid_uninstall(module: Module) -> None:
    """Erase every tenant's Scryon data: blobs first, then rows (the host drops the tables after)."""
    platform = module.platform
    await platform.blobs.delete_prefix("scryon/")
    async with platform.db.begin() as conn:
        for table in reversed(tables.metadata.sorted_tables):
            await conn.execute(sa.delete(table))
    await platform.policies.delete(scope=MODULE_ID)


@hookimpl
async def scaigrid_tenant_disable(module: Module, tenant_id: str) -> None:
    """Nothing is erased: a disabled tenant's calls come back when it enables the module again.

    (The host's guard refuses the tenant's requests meanwhile; erasure is per user,
    ``DELETE /api/users/me``, or the whole module's, uninstall.)
    """
