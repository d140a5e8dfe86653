"""``POST /transcribe`` (inline 200 or 202 + job) and ``GET /transcribe/jobs/{job_id}``."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from scaigrid.auth import Principal, requires
from scaigrid.errors import NotFound, ScaigridError
from scaigrid.platform import Platform
from scaigrid.uploads import read_multipart

from scaiecho import errors
from scaiecho.contracts import TranscribeOptions, Transcript
from scaiecho.jobs import JOB_KIND, TranscribeJob, upload_key
from scaiecho.routes.forms import (
    ALLOWED_CONTAINERS,
    parse_bool,
    parse_float,
    parse_int,
    parse_language,
    parse_preference,
)
from scaiecho.state import Module

__all__ = ["transcribe", "transcribe_job", "transcribe_routes"]

_CONTENT_TYPES = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "m4a": "audio/mp4",
}


class TranscriptBody(msgspec.Struct, kw_only=True):
    data: Transcript


class JobAccepted(msgspec.Struct, kw_only=True):
    job_id: str
    status: str
    created_at: dt.datetime
    poll_url: str


class JobAcceptedBody(msgspec.Struct, kw_only=True):
    data: JobAccepted


class JobError(msgspec.Struct, kw_only=True):
    code: str
    message: str


class JobStatusData(msgspec.Struct, kw_only=True):
    job_id: str
    status: str
    """``queued``, ``running``, ``completed`` or ``failed``."""
    progress: float
    created_at: dt.datetime
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    transcript: Transcript | None
    """Inline once ``status == "completed"``."""
    error: JobError | None


class JobStatusBody(msgspec.Struct, kw_only=True):
    data: JobStatusData


async def _container(platform: Platform, path: Any) -> str:
    from scaigrid.audio import probe

    try:
        info = await platform.run_cpu(probe, str(path))
    except ScaigridError as exc:
        raise errors.recode_audio_error(exc) from exc
    fmt = ALLOWED_CONTAINERS.get(info.container)
    if fmt is None:
        raise errors.unsupported_audio(
            f"unsupported audio format {info.container!r}; send wav, mp3, flac, ogg or m4a"
        )
    return fmt


@post(
    "/transcribe",
    guards=[requires("scaiecho:transcribe")],
    summary="Transcribe an uploaded audio file",
    description=(
        "Multipart upload (field `file`: wav, mp3, flac, ogg, m4a). Optional fields: `language_hint` "
        "(ISO 639-1), `backend_preference` (prefer_self_hosted | prefer_relay | any), `temperature` "
        "(0.0-1.0), `force_async`, `word_timestamps`, `diarize` (needs scaiecho:diarize), `num_speakers` "
        "(1-8). Uploads up to SCAIECHO_INLINE_MAX_BYTES answer 200 with the transcript; larger ones "
        "(or force_async) answer 202 with a job_id to poll."
    ),
    responses={202: ResponseSpec(JobAcceptedBody, description="queued as a job")},
    status_code=200,
)
async def transcribe(
    request: Request[Any, Any, Any], platform: Platform, principal: Principal, module: Module
) -> Response[Any]:
    settings = module.settings
    service = module.state.transcription
    limit = min(settings.max_upload_bytes, platform.settings.max_upload_bytes)
    async with await read_multipart(request, max_file_bytes=limit, max_files=1, file_fields={"file"}) as form:
        upload = form.file("file")
        if upload is None:
            raise errors.bad_request(
                "the form needs an audio file in field 'file'", details={"field": "file"}
            )
        options = TranscribeOptions(
            language=parse_language(form.get("language_hint")),
            backend_preference=parse_preference(form.get("backend_preference")),
            temperature=parse_float(form.get("temperature"), "temperature", low=0.0, high=1.0),
            word_timestamps=parse_bool(form.get("word_timestamps"), "word_timestamps"),
            diarize=parse_bool(form.get("diarize"), "diarize"),
            num_speakers=parse_int(form.get("num_speakers"), "num_speakers", low=1, high=8),
        )
        force_async = parse_bool(form.get("force_async"), "force_async")
        if options.diarize and not principal.has("scaiecho:diarize"):
            raise errors.forbidden("diarization needs the scaiecho:diarize permission")
        if upload.size == 0:
            raise errors.empty_audio()
        fmt = await _container(platform, upload.path)
        # Resolved once, now, so a policy problem is answered before anything is decoded or queued.
        plan = await service.plan(principal.tenant_id, options)
        if upload.size <= settings.inline_max_bytes and not force_async:
            transcript = await service.transcribe_file(
                upload.path, options, tenant_id=principal.tenant_id, user_id=principal.user_id, plan=plan
            )
            return Response({"data": transcript}, status_code=200)
        key = upload_key(principal.tenant_id, str(uuid.uuid4()), upload.filename or f"upload.{fmt}")
        await platform.blobs.put_file(key, upload.path, content_type=_CONTENT_TYPES[fmt])
    try:
        job = await platform.jobs.enqueue(
            module=module.id,
            kind=JOB_KIND,
            payload=TranscribeJob(blob_key=key, filename=upload.filename or "", options=options),
            tenant_id=principal.tenant_id,
            user_id=principal.user_id,
        )
    except BaseException:
        await platform.blobs.delete(key)
        raise
    accepted = JobAccepted(
        job_id=job.id,
        status=job.status,
        created_at=job.created_at,
        poll_url=f"{module.info.prefix.rstrip('/')}/transcribe/jobs/{job.id}",
    )
    return Response({"data": accepted}, status_code=202)


@get(
    "/transcribe/jobs/{job_id:str}",
    guards=[requires("scaiecho:transcribe")],
    summary="Poll an async transcribe job",
    description="Cross-tenant or cross-user job ids answer 404 SCAIECHO_JOB_NOT_FOUND.",
)
async def transcribe_job(
    job_id: str, platform: Platform, principal: Principal, module: Module
) -> JobStatusBody:
    try:
        job = await platform.jobs.get(
            job_id, tenant_id=principal.tenant_id, user_id=principal.user_id, module=module.id
        )
    except NotFound as exc:
        raise errors.job_not_found() from exc
    if job.kind != JOB_KIND:
        raise errors.job_not_found()
    transcript = msgspec.convert(job.result, Transcript) if job.status == "completed" and job.result else None
    return JobStatusBody(
        data=JobStatusData(
            job_id=job.id,
            status=job.status,
            progress=job.progress,
            created_at=job.created_at,
            started_at=job.started_at,
            completed_at=job.finished_at,
            transcript=transcript,
            error=JobError(code=job.error.code, message=job.error.message)
            if job.status == "failed" and job.error
            else None,
        )
    )


transcribe_routes = [transcribe, transcribe_job]
