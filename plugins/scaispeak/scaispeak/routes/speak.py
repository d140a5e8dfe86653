"""``POST /speak`` (200 inline or 202 + job) and ``GET /speak/jobs/{job_id}``."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import msgspec
from litestar import Response, get, post
from scaigrid.auth import Principal, requires
from scaigrid.errors import BadRequest, NotFound
from scaigrid.platform import Platform

from scaispeak.errors import bad_request, job_not_found, text_too_long
from scaispeak.jobs import SPEAK_KIND, SpeakJob
from scaispeak.records import SpeakRequest, Speech
from scaispeak.state import Module

__all__ = ["speak_routes"]

SYNTHESIZE = requires("scaispeak:synthesize")


class JobAccepted(msgspec.Struct, kw_only=True):
    job_id: str
    status: str
    created_at: dt.datetime
    poll_url: str


class JobError(msgspec.Struct, kw_only=True):
    code: str
    message: str


class JobStatus(msgspec.Struct, kw_only=True, omit_defaults=True):
    job_id: str
    status: str
    progress: float
    created_at: dt.datetime
    completed_at: dt.datetime | None = None
    result: Speech | None = None
    error: JobError | None = None


def _knobs(body: SpeakRequest) -> dict[str, object]:
    return {
        "instructions": body.instructions,
        "cfg_value": body.cfg_value,
        "warmup_trim_ms": body.warmup_trim_ms,
    }


def _check_save_to(body: SpeakRequest, principal: Principal) -> None:
    if body.save_to is None:
        return
    if principal.api_key_id is not None:
        raise BadRequest(
            "save_to needs JWT authentication (a ScaiKey token), not an sgk_ API key",
            code="SCAISPEAK_SAVE_TO_REQUIRES_JWT",
        )
    raise NotFound("ScaiDrive is not configured in this deployment", code="SCAISPEAK_SCAIDRIVE_NOT_AVAILABLE")


@post(
    "/speak",
    guards=[SYNTHESIZE],
    status_code=200,
    summary="Synthesize text in a voice",
    description=(
        "Texts up to SCAISPEAK_SYNC_MAX_CHARS (500) answer 200 with audio_base64; longer ones, or "
        "force_async, answer 202 with a job_id to poll at /speak/jobs/{job_id}. response_format: mp3, "
        "opus, wav, flac, aac, pcm (s16le); the response names the sample rate it used."
    ),
)
async def speak(
    data: SpeakRequest, platform: Platform, module: Module, principal: Principal
) -> Response[Any]:
    settings = module.settings
    if not data.text.strip():
        raise bad_request("text must not be blank", field="text")
    if len(data.text) > settings.max_chars:
        raise text_too_long(settings.max_chars, len(data.text))
    _check_save_to(data, principal)
    state = module.state
    row, _ = await state.voices.get_visible(principal, data.voice_id)
    cached = await state.outputs.lookup(principal.tenant_id, principal.user_id, data)
    if cached is not None and cached.speech is not None:
        return Response({"data": cached.speech}, status_code=200)
    if cached is not None and cached.job_id is not None:
        job = await platform.jobs.get(cached.job_id, tenant_id=principal.tenant_id, user_id=principal.user_id)
        return Response({"data": _accepted(module, job)}, status_code=202)
    if len(data.text) <= settings.sync_max_chars and not data.force_async:
        rendered = await state.synthesizer.render(
            row,
            data.text,
            tenant_id=principal.tenant_id,
            user_id=principal.user_id,
            fmt=data.response_format,
            speed=data.speed,
            language=data.language_hint,
            preference=data.backend_preference,
            knobs=_knobs(data),
            inline=data.inline_response,
        )
        await state.outputs.store(
            principal.tenant_id, principal.user_id, data, audio=rendered.audio, speech=rendered.speech
        )
        return Response({"data": rendered.speech}, status_code=200)
    # Answer a policy problem now, before anything is queued.
    await state.policy.order(principal.tenant_id, data.backend_preference)
    job = await platform.jobs.enqueue(
        module=module.id,
        kind=SPEAK_KIND,
        payload=SpeakJob(
            voice_id=data.voice_id,
            text=data.text,
            response_format=data.response_format,
            speed=data.speed,
            language_hint=data.language_hint,
            backend_preference=data.backend_preference,
            knobs=_knobs(data),
        ),
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
    )
    await state.outputs.store(principal.tenant_id, principal.user_id, data, job_id=job.id)
    return Response({"data": _accepted(module, job)}, status_code=202)


def _accepted(module: Module, job: Any) -> JobAccepted:
    return JobAccepted(
        job_id=job.id,
        status=job.status,
        created_at=job.created_at,
        poll_url=f"{module.info.prefix.rstrip('/')}/speak/jobs/{job.id}",
    )


@get("/speak/jobs/{job_id:str}", guards=[SYNTHESIZE], summary="Poll a synthesis job")
async def speak_job_status(
    job_id: str, platform: Platform, module: Module, principal: Principal
) -> dict[str, Any]:
    try:
        job = await platform.jobs.get(
            job_id, tenant_id=principal.tenant_id, user_id=principal.user_id, module=module.id
        )
    except NotFound as exc:
        raise job_not_found() from exc
    if job.kind != SPEAK_KIND:
        raise job_not_found()
    result: Speech | None = None
    if job.status == "completed" and job.result:
        stored = dict(job.result)
        key = str(stored.pop("blob_key"))
        result = msgspec.convert(stored, Speech)
        if (result.audio_bytes or 0) <= module.settings.inline_max_bytes:
            audio = await platform.blobs.read(key)
            result = msgspec.structs.replace(result, audio_base64=base64.b64encode(audio).decode("ascii"))
        else:
            url = await platform.blobs.signed_url(key, expires_in=module.settings.signed_url_ttl_seconds)
            result = msgspec.structs.replace(result, audio_url=url)
    status = JobStatus(
        job_id=job.id,
        status=job.status,
        progress=job.progress,
        created_at=job.created_at,
        completed_at=job.finished_at,
        result=result,
        error=JobError(code=job.error.code, message=job.error.message)
        if job.status == "failed" and job.error
        else None,
    )
    return {"data": msgspec.to_builtins(status)}


speak_routes: list[Any] = [speak, speak_job_status]
