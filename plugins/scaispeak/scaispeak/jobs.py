"""The durable ``scaispeak.speak`` job: long texts are synthesized by whichever process runs jobs.

The encoded audio is kept in the blob store under the job's tenant; ``GET /speak/jobs/{id}``
returns it inline when small, else its size and a signed URL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from scaigrid.jobs import JobContext
from scaigrid.records import JobHandler

from scaispeak.records import ResponseFormat

if TYPE_CHECKING:
    from scaispeak.state import Module

__all__ = ["SPEAK_KIND", "SpeakJob", "intake_job", "output_key", "speak_job"]

SPEAK_KIND = "speak"


class SpeakJob(msgspec.Struct, kw_only=True):
    voice_id: str
    text: str
    response_format: ResponseFormat
    speed: float = 1.0
    language_hint: str | None = None
    backend_preference: str = "any"
    knobs: dict[str, object] = {}


def output_key(tenant_id: str, job_id: str, fmt: str) -> str:
    return f"scaispeak/outputs/{tenant_id}/{job_id}.{fmt}"


def speak_job(module: Module) -> JobHandler:
    async def run(job: JobContext) -> dict[str, Any]:
        payload = job.payload_as(SpeakJob)
        state = module.state
        tenant, user = job.job.tenant_id, job.job.user_id
        row, _ = await state.voices.get_for(tenant, user, payload.voice_id)  # still visible to its owner?
        await job.progress(0.1, "synthesizing")
        rendered = await state.synthesizer.render(
            row,
            payload.text,
            tenant_id=tenant,
            user_id=user,
            fmt=payload.response_format,
            speed=payload.speed,
            language=payload.language_hint,
            preference=payload.backend_preference,
            knobs=payload.knobs,
            inline=False,
        )
        key = output_key(tenant, job.job.id, payload.response_format)
        await module.platform.blobs.put(
            key, rendered.audio, content_type=_media_type(payload.response_format)
        )
        await job.progress(1.0, "done")
        result: dict[str, Any] = {**msgspec.to_builtins(rendered.speech), "blob_key": key}
        return result

    return JobHandler(kind=SPEAK_KIND, handler=run, timeout_seconds=3600)


def _media_type(fmt: str) -> str:
    from scaigrid.audio.encode import MEDIA_TYPES

    return MEDIA_TYPES.get(fmt, "application/octet-stream")


def intake_job(module: Module) -> JobHandler:
    """Matching a new voice onto a preset (``embedding_status`` pending → ready | failed)."""

    async def run(job: JobContext) -> dict[str, Any]:
        await job.progress(0.1, "matching")
        result = await module.state.intake.process(str(job.payload["voice_id"]))
        await job.progress(1.0, "done")
        return result

    from scaispeak.intake.service import INTAKE_KIND

    return JobHandler(kind=INTAKE_KIND, handler=run, timeout_seconds=1800)
