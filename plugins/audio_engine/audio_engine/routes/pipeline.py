"""``POST /v1/audio_engine/pipeline``: the reference's multipart endpoint, rule for rule.

Order of checks: API key (403) → admission (429) → streamed multipart with size limits
(413, 422 for a missing field) → components and cross-entry rules, email, project name
(400, 501) → project access (403) → decodable inputs (400/415) → Task and run (500, 504).
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import msgspec
from litestar import Request, post
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from scaigrid.auth import current_principal
from scaigrid.errors import ScaigridError, Unauthorized
from scaigrid.platform import Platform
from scaigrid.uploads import MIB, UploadedForm, read_multipart, stream_body

from audio_engine import rows
from audio_engine.engine import AudioEngine, Module
from audio_engine.errors import Code, error
from audio_engine.inputs import normalise_input
from audio_engine.openapi import PIPELINE_DESCRIPTION, PipelineOperation, PipelineResponse
from audio_engine.runner import PreparedInput, RunRequest, execute
from audio_engine.validation import (
    check_file_count,
    check_pipeline_rules,
    parse_components,
    validate_email,
    validate_project_name,
)

__all__ = ["RUN_PERMISSION", "pipeline_route"]

RUN_PERMISSION = "audio_engine:run"
REQUIRED_FIELDS = ("components", "user_email", "project_name")
DEFAULT_PROVIDER = "GOOGLE"
_RECODE = {
    "PAYLOAD_TOO_LARGE": Code.FILE_TOO_LARGE,
    "TOO_MANY_FILES": Code.TOO_MANY_FILES,
    "MALFORMED_MULTIPART": Code.INVALID_BODY,
    "UNEXPECTED_FILE": Code.INVALID_BODY,
    "TOO_MANY_FIELDS": Code.INVALID_BODY,
    "INCOMPLETE_BODY": Code.INVALID_BODY,
}


async def api_key_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """The reference answers 403, never 401, for a missing or invalid key."""
    try:
        principal = await current_principal(connection)
    except Unauthorized as exc:
        raise error(403, Code.FORBIDDEN, f"invalid API key: {exc.message}") from None
    if principal is None:
        raise error(403, Code.FORBIDDEN, "missing API key: send it in the X-API-Key header")
    if not principal.has(RUN_PERMISSION):
        raise error(403, Code.FORBIDDEN, f"this API key lacks the {RUN_PERMISSION} permission")


async def _read_form(
    request: Request[Any, Any, Any], engine: AudioEngine, platform: Platform, spool: Path
) -> UploadedForm:
    settings = engine.settings
    content_type = (request.headers.get("content-type") or "").lower()
    if content_type.startswith("application/x-www-form-urlencoded"):
        # A form without file parts (FastAPI reads these too): report exactly what is missing.
        body = await stream_body(request, max_bytes=8 * MIB, spool_dir=spool)
        text = (await asyncio.to_thread(body.path.read_bytes)).decode("utf-8", errors="replace")
        return UploadedForm(parse_qs(text, keep_blank_values=True), {})
    if not content_type.startswith("multipart/form-data"):
        raise error(
            422,
            Code.MISSING_FIELD,
            "expected a multipart/form-data body with components, files, user_email and project_name",
            details={"missing": [*REQUIRED_FIELDS, "files"]},
        )
    try:
        return await read_multipart(
            request,
            max_file_bytes=min(settings.max_file_size_bytes, platform.settings.max_upload_bytes),
            max_files=settings.max_file_count,
            max_field_bytes=4 * MIB,
            max_fields_total_bytes=8 * MIB,
            max_fields=20,
            file_fields={"files"},
            spool_dir=spool,
        )
    except ScaigridError as exc:
        code = _RECODE.get(exc.code)
        if code is None:
            raise
        raise error(exc.status_code, code, exc.message, details=exc.details, headers=exc.headers) from None


def _required(form: UploadedForm) -> dict[str, str]:
    values = {name: form.get(name) for name in REQUIRED_FIELDS}
    missing = [name for name, value in values.items() if value is None]
    if not form.files.get("files"):
        missing.append("files")
    if missing:
        raise error(
            422,
            Code.MISSING_FIELD,
            f"missing required form field(s): {', '.join(missing)}",
            details={"missing": missing},
        )
    return {name: value for name, value in values.items() if value is not None}


@post(
    "/pipeline",
    guards=[api_key_guard],
    request_max_body_size=None,
    status_code=200,
    summary="Run an ordered pipeline of audio components",
    description=PIPELINE_DESCRIPTION,
    operation_class=PipelineOperation,
    response_description="The task, its datasets and the pipeline result with signed URLs",
    tags=["audio_engine"],
)
async def pipeline_route(
    request: Request[Any, Any, Any], platform: Platform, module: Module
) -> PipelineResponse:
    engine = module.state
    principal = await current_principal(request)
    assert principal is not None  # the guard refused anonymous callers
    async with engine.admitted():
        spool = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="audio-engine-"))
        try:
            form = await _read_form(request, engine, platform, spool)
            fields = _required(form)
            steps = parse_components(
                fields["components"], engine.registry, max_steps=engine.settings.max_pipeline_steps
            )
            uploads = form.files["files"]
            check_file_count(len(uploads), engine.settings.max_file_count)
            check_pipeline_rules(steps, len(uploads))
            email = validate_email(fields["user_email"])
            project_name = validate_project_name(fields["project_name"])
            provider = (form.get("provider") or DEFAULT_PROVIDER).strip().upper() or DEFAULT_PROVIDER
            project_id = await rows.project_for_key(
                platform.db, principal.tenant_id, project_name, principal.api_key_id
            )
            if project_id is None:
                raise error(
                    403,
                    Code.PROJECT_FORBIDDEN,
                    f"this API key has no access to project {project_name!r}",
                    details={"project_name": project_name},
                )
            inputs = []
            for i, up in enumerate(uploads):
                working = await platform.run_cpu(
                    normalise_input, up.path, i, up.filename or f"file{i}", spool
                )
                inputs.append(
                    PreparedInput(
                        original=up.path,
                        working=working,
                        filename=up.filename or f"file{i}",
                        content_type=up.content_type,
                        sha256=up.sha256,
                    )
                )
            body = await execute(
                engine,
                platform,
                RunRequest(
                    tenant_id=principal.tenant_id,
                    user_id=principal.user_id,
                    api_key_id=principal.api_key_id,
                    project_id=project_id,
                    project_name=project_name,
                    user_email=email,
                    provider=provider[:32],
                    steps=steps,
                    inputs=inputs,
                    work_dir=spool,
                ),
            )
        finally:
            await asyncio.to_thread(shutil.rmtree, spool, True)
    return msgspec.convert(body, PipelineResponse)
