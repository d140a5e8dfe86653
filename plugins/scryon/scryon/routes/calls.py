"""``/api/calls…``: submit a recording, list and poll calls, read transcript and analysis, hard delete."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import msgspec
from litestar import Request, Response, delete, get, post
from litestar.params import Parameter
from msgspec import UNSET
from scaigrid.auth import Principal, requires
from scaigrid.db import utcnow
from scaigrid.errors import NotFound
from scaigrid.platform import Platform

from scryon.analysis.records import Utterance
from scryon.errors import call_not_found, not_ready, validation_failed
from scryon.idempotency import Outcome, idempotent
from scryon.jobs import ANALYZE_KIND
from scryon.pagination import DEFAULT_LIMIT, check_limit
from scryon.routes.common import MODULE_ID, audit, decode_json, probe_audio, settings_of, uploaded_audio
from scryon.settings import Module
from scryon.store.actions import items_of_call
from scryon.store.calls import (
    analysis_row,
    aware,
    call_prefix,
    delete_call_rows,
    insert_call,
    list_calls,
    load_call,
    owned_calls,
    status_items,
    to_call,
    touch,
    transcript_row,
)
from scryon.store.users import check_timezone, user_timezone
from scryon.wire import (
    CALL_STATUSES,
    AnalyzeMetadata,
    BulkDeleteBody,
    BulkDeleteResult,
    CallStatusList,
    TranscriptBody,
)

__all__ = ["call_routes"]

USE = requires("scryon:use")
MAX_BULK = 100


def _parse_instant(value: str | None, field: str) -> dt.datetime | None:
    """``2026-05-29`` (midnight UTC) or a full ISO-8601 date-time."""
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise validation_failed(f"{field} must be an ISO-8601 date or date-time", field=field) from None
    return aware(parsed)


async def _progress(platform: Platform, principal: Principal, row: Any) -> float | None:
    """The job's progress while the call is pending; a job that died fails the call."""
    if row.status not in ("INCOMING", "PROCESSING") or not row.job_id:
        return None
    try:
        job = await platform.jobs.get(row.job_id, tenant_id=row.tenant_id, module=MODULE_ID)
    except NotFound:
        return None
    if job.status == "failed":
        # The job ran out of time or its worker died for good: the call cannot finish any more.
        code = (job.error.code if job.error else "job_failed").lower()
        message = job.error.message if job.error else "the analysis job failed"
        async with platform.db.begin() as conn:
            await touch(conn, row.id, status="FAILED", failure_code=code, failure_message=message)
        return None
    return float(job.progress)


async def _reload(platform: Platform, principal: Principal, call_id: str) -> Any:
    async with platform.db.connect() as conn:
        return await load_call(conn, principal, call_id)


@post("/calls/analyze", guards=[USE], status_code=202)
async def analyze_call(
    request: Request[Any, Any, Any], platform: Platform, principal: Principal, module: Module
) -> Response[Any]:
    """Submit a recording (multipart: ``metadata`` JSON part + ``audio``); 202 with the INCOMING call."""
    settings = settings_of(module)
    async with uploaded_audio(request, settings.max_file_size) as upload:
        metadata = (
            decode_json(upload.metadata, AnalyzeMetadata, what="metadata")
            if upload.metadata.strip()
            else AnalyzeMetadata()
        )

        async def run() -> Outcome:
            info = await probe_audio(platform, upload.file)
            call_id = str(uuid.uuid4())
            now = utcnow()
            async with platform.db.connect() as conn:
                zone = metadata.timezone or await user_timezone(conn, principal, settings.default_timezone)
            check_timezone(zone)
            suffix = Path(upload.file.filename).suffix.lower()[:10] or f".{info.container}"[:10]
            key = f"{call_prefix(principal.tenant_id, principal.user_id, call_id)}audio{suffix}"
            content_type = upload.file.content_type or "application/octet-stream"
            await platform.blobs.put(
                key, upload.file.path, content_type=content_type, metadata={"call": call_id}
            )
            client_meta = {
                k: v for k, v in msgspec.to_builtins(metadata).items() if k in ("externalId", "participants")
            }
            row = {
                "id": call_id,
                "tenant_id": principal.tenant_id,
                "user_id": principal.user_id,
                "status": "INCOMING",
                "title": metadata.title,
                "recorded_at": aware(metadata.recorded_at) if metadata.recorded_at else now,
                "timezone": zone,
                "language": metadata.language,
                "num_speakers": metadata.num_speakers,
                "backend_preference": metadata.backend_preference,
                "client_metadata": client_meta,
                "audio_key": key,
                "audio_filename": Path(upload.file.filename).name[:300] or f"audio{suffix}",
                "audio_content_type": content_type[:100],
                "audio_size": upload.file.size,
                "audio_sha256": upload.file.sha256,
                "created_at": now,
                "updated_at": now,
            }
            try:
                async with platform.db.begin() as conn:
                    await insert_call(conn, row)
                job = await platform.jobs.enqueue(
                    module=MODULE_ID,
                    kind=ANALYZE_KIND,
                    payload={"callId": call_id},
                    tenant_id=principal.tenant_id,
                    user_id=principal.user_id,
                )
            except BaseException:
                async with platform.db.begin() as conn:  # nothing half-written
                    await delete_call_rows(conn, [call_id])
                await platform.blobs.delete(key)
                raise
            async with platform.db.begin() as conn:
                await touch(conn, call_id, job_id=job.id)
            fresh = await _reload(platform, principal, call_id)
            return Outcome(202, msgspec.to_builtins(to_call(fresh)))

        return await idempotent(
            request,
            platform.db,
            principal,
            settings.idempotency_ttl_seconds,
            [upload.file.sha256, upload.metadata],
            run,
        )


@get("/calls", guards=[USE])
async def list_my_calls(
    platform: Platform,
    principal: Principal,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    status: str | None = None,
    recorded_from: str | None = Parameter(query="from", default=None),
    recorded_to: str | None = Parameter(query="to", default=None),
) -> dict[str, Any]:
    """The caller's calls, newest first; ``status`` is a comma list, ``from``/``to`` bound ``recordedAt``."""
    statuses = [s.strip().upper() for s in (status or "").split(",") if s.strip()]
    bad = [s for s in statuses if s not in CALL_STATUSES]
    if bad:
        raise validation_failed(f"unknown status {bad[0]!r}", field="status", allowed=list(CALL_STATUSES))
    async with platform.db.connect() as conn:
        page = await list_calls(
            conn,
            principal,
            statuses=statuses,
            recorded_from=_parse_instant(recorded_from, "from"),
            recorded_to=_parse_instant(recorded_to, "to"),
            limit=check_limit(limit),
            cursor=cursor,
        )
    data: dict[str, Any] = msgspec.to_builtins(page)
    return data


@get("/calls/status", guards=[USE])
async def poll_status(platform: Platform, principal: Principal, ids: str) -> dict[str, Any]:
    """Bulk poll: ``?ids=a,b,c`` (at most 100); unknown ids and other users' calls are in ``notFound``."""
    wanted = [i.strip() for i in ids.split(",") if i.strip()]
    if not wanted or len(wanted) > MAX_BULK:
        raise validation_failed(f"ids must list 1 to {MAX_BULK} call ids", field="ids")
    async with platform.db.connect() as conn:
        rows = await owned_calls(conn, principal, wanted)
    progress = {}
    for row in rows:
        value = await _progress(platform, principal, row)
        if value is not None:
            progress[row.id] = value
    async with platform.db.connect() as conn:
        items, missing = await status_items(conn, principal, wanted, progress)
    data: dict[str, Any] = msgspec.to_builtins(CallStatusList(items=items, not_found=missing))
    return data


@get("/calls/{call_id:str}", guards=[USE])
async def get_call(platform: Platform, principal: Principal, call_id: str) -> dict[str, Any]:
    row = await _reload(platform, principal, call_id)
    progress = await _progress(platform, principal, row)
    if progress is None and row.status in ("INCOMING", "PROCESSING"):
        row = await _reload(platform, principal, call_id)  # may have been failed just now
    data: dict[str, Any] = msgspec.to_builtins(to_call(row, progress=progress))
    return data


@get("/calls/{call_id:str}/transcript", guards=[USE])
async def get_transcript(platform: Platform, principal: Principal, call_id: str) -> dict[str, Any]:
    """The normalised transcript: utterances with speaker, role (when known), start/end, text, confidence."""
    async with platform.db.connect() as conn:
        row = await load_call(conn, principal, call_id)
        if row.status != "COMPLETED":
            raise not_ready("transcript", row.status)
        found = await transcript_row(conn, row.id)
    if found is None:
        raise call_not_found()
    body = TranscriptBody(
        call_id=row.id,
        duration_seconds=row.duration_seconds,
        model=found.model,
        utterances=msgspec.convert(found.utterances, list[Utterance]),
        language=found.language or UNSET,
    )
    data: dict[str, Any] = msgspec.to_builtins(body)
    return data


@get("/calls/{call_id:str}/analysis", guards=[USE])
async def get_analysis(platform: Platform, principal: Principal, call_id: str) -> dict[str, Any]:
    """The structured analysis; action items carry their current id and status."""
    async with platform.db.connect() as conn:
        row = await load_call(conn, principal, call_id)
        if row.status != "COMPLETED":
            raise not_ready("analysis", row.status)
        found = await analysis_row(conn, row.id)
        if found is None:
            raise call_not_found()
        items = await items_of_call(conn, row.id)
    data = dict(found.data)
    data["actionItems"] = msgspec.to_builtins(items)
    return {"callId": row.id, **data}


async def _erase_calls(platform: Platform, principal: Principal, rows: list[Any], action: str) -> None:
    async with platform.db.begin() as conn:
        await delete_call_rows(conn, [r.id for r in rows])
        for r in rows:
            await audit(platform, conn, principal, action, r.id, owner=r.user_id)
    for r in rows:
        await platform.blobs.delete_prefix(call_prefix(r.tenant_id, r.user_id, r.id))


@delete("/calls/{call_id:str}", guards=[USE], status_code=204)
async def delete_call(
    request: Request[Any, Any, Any], platform: Platform, principal: Principal, module: Module, call_id: str
) -> Response[None]:
    """Hard delete: the call's rows (transcript, analysis, action items) and its blobs."""

    async def run() -> Outcome:
        row = await _reload(platform, principal, call_id)
        await _erase_calls(platform, principal, [row], "call.delete")
        return Outcome(204)

    return await idempotent(
        request, platform.db, principal, settings_of(module).idempotency_ttl_seconds, [], run
    )


@delete("/calls", guards=[USE], status_code=200)
async def delete_calls(
    request: Request[Any, Any, Any],
    platform: Platform,
    principal: Principal,
    module: Module,
    ids: str | None = None,
) -> Response[Any]:
    """Bulk hard delete: JSON body ``{"ids": [...]}`` or ``?ids=a,b``; answers what was deleted."""
    raw = await request.body()
    if raw.strip():
        wanted = decode_json(raw, BulkDeleteBody).ids
    else:
        wanted = [i.strip() for i in (ids or "").split(",") if i.strip()]
    if not wanted or len(wanted) > MAX_BULK:
        raise validation_failed(f"ids must list 1 to {MAX_BULK} call ids", field="ids")

    async def run() -> Outcome:
        async with platform.db.connect() as conn:
            rows = await owned_calls(conn, principal, wanted)
        await _erase_calls(platform, principal, rows, "call.bulk_delete")
        found = {r.id for r in rows}
        result = BulkDeleteResult(
            deleted=[i for i in dict.fromkeys(wanted) if i in found],
            not_found=[i for i in dict.fromkeys(wanted) if i not in found],
        )
        return Outcome(200, msgspec.to_builtins(result))

    return await idempotent(
        request, platform.db, principal, settings_of(module).idempotency_ttl_seconds, [raw, ids or ""], run
    )


call_routes = [
    analyze_call,
    list_my_calls,
    poll_status,
    get_call,
    get_transcript,
    get_analysis,
    delete_call,
    delete_calls,
]
