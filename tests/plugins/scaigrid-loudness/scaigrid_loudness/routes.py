"""``POST /measurements`` (202 + a job), ``GET /measurements/{id}`` and ``GET /stats``."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from scaigrid import Principal, requires
from scaigrid.errors import BadRequest, NotFound
from scaigrid.platform import Platform
from scaigrid.uploads import read_multipart

from scaigrid_loudness.jobs import KIND, MeasureJob
from scaigrid_loudness.state import Module


@post("/measurements", guards=[requires("loudness:measure")], request_max_body_size=None)
async def create(
    request: Request[Any, Any, Any], platform: Platform, principal: Principal, module: Module
) -> Response[dict[str, Any]]:
    limit = module.settings.max_upload_bytes
    async with await read_multipart(request, max_file_bytes=limit, max_files=1, file_fields={"file"}) as form:
        upload = form.file("file")
        if upload is None or upload.size == 0:
            raise BadRequest("send an audio file in field 'file'", code="LOUDNESS_NO_FILE")
        key = f"loudness/{principal.tenant_id}/{uuid.uuid4()}"
        await platform.blobs.put_file(key, upload.path)
    job = await platform.jobs.enqueue(
        module=module.id,
        kind=KIND,
        payload=MeasureJob(blob_key=key),
        tenant_id=principal.tenant_id,
        user_id=principal.user_id,
    )
    return Response({"data": {"id": job.id, "status": job.status}}, status_code=202)


@get("/measurements/{measurement_id:str}", guards=[requires("loudness:measure")])
async def read(
    measurement_id: str, platform: Platform, principal: Principal, module: Module
) -> dict[str, Any]:
    try:  # scoped by tenant and user in the query: someone else's id is a 404, never a 403
        job = await platform.jobs.get(
            measurement_id, tenant_id=principal.tenant_id, user_id=principal.user_id, module=module.id
        )
    except NotFound as exc:
        raise NotFound("no such measurement", code="LOUDNESS_NOT_FOUND") from exc
    return {"data": {"id": job.id, "status": job.status, "loudness": job.result}}


@get("/stats", guards=[requires("loudness:measure")])
async def stats(principal: Principal, module: Module) -> dict[str, Any]:
    return {"data": {"measured_here": module.state.measured.get(principal.tenant_id, 0)}}
