"""What every Scryon route shares: settings, JSON bodies, the uploaded recording, the audit row."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import msgspec
from litestar import Request
from scaigrid import audio
from scaigrid.audio import AudioDecodeError, AudioInfo
from scaigrid.auth import Principal
from scaigrid.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType
from scaigrid.platform import Platform
from scaigrid.uploads import UploadedFile, read_multipart

from scryon.errors import validation_failed
from scryon.settings import Module, ScryonSettings

__all__ = ["MODULE_ID", "audit", "decode_json", "probe_audio", "settings_of", "uploaded_audio"]

T = TypeVar("T")

MODULE_ID = "scryon"
AUDIO_FIELDS = ("audio", "file")
MAX_METADATA_BYTES = 64 * 1024


def settings_of(module: Module) -> ScryonSettings:
    settings: ScryonSettings = module.settings
    return settings


def decode_json(raw: bytes, type_: type[T], *, what: str = "body") -> T:
    """Decode a JSON body into ``type_``; anything wrong is 400 ``validation_error`` with the reason."""
    if not raw.strip():
        raise validation_failed(f"the {what} must be a JSON object", field=what)
    try:
        return msgspec.json.decode(raw, type=type_)
    except msgspec.ValidationError as exc:
        raise validation_failed(f"invalid {what}: {exc}", field=what) from None
    except msgspec.DecodeError:
        raise validation_failed(f"the {what} is not valid JSON", field=what) from None


class Upload(msgspec.Struct, frozen=True):
    file: UploadedFile
    metadata: bytes


@asynccontextmanager
async def uploaded_audio(request: Request[Any, Any, Any], max_bytes: int) -> AsyncIterator[Upload]:
    """The recording of a multipart request (field ``audio`` or ``file``) plus its ``metadata`` part.

    Streams to a temp file (removed on exit); 413 ``file_too_large`` as soon as
    the recording passes ``max_bytes``.
    """
    try:
        form = await read_multipart(
            request,
            max_file_bytes=max_bytes,
            max_files=2,
            max_field_bytes=MAX_METADATA_BYTES,
            file_fields={*AUDIO_FIELDS, "metadata"},
        )
    except PayloadTooLarge as exc:
        raise PayloadTooLarge(
            f"The recording exceeds MAX_FILE_SIZE ({max_bytes} bytes)",
            code="file_too_large",
            details={"maxFileSize": max_bytes},
        ) from exc
    except UnsupportedMediaType as exc:
        raise UnsupportedMediaType(
            "Send the recording as multipart/form-data", code="unsupported_media_type"
        ) from exc
    async with form:
        upload = next((f for name in AUDIO_FIELDS if (f := form.file(name)) is not None), None)
        if upload is None:
            raise BadRequest(
                "The request has no audio part", code="missing_audio", details={"field": "audio"}
            )
        meta_file = form.file("metadata")
        if meta_file is not None:
            if meta_file.size > MAX_METADATA_BYTES:
                raise validation_failed("the metadata part is too large", field="metadata")
            metadata = meta_file.path.read_bytes()
        else:
            metadata = (form.get("metadata") or "").encode()
        yield Upload(file=upload, metadata=metadata)


async def probe_audio(platform: Platform, upload: UploadedFile) -> AudioInfo:
    """Check the upload is audio we can decode: 415 ``unsupported_audio_format`` when it is not audio."""
    try:
        info: AudioInfo = await platform.run_cpu(audio.probe, upload.path)
    except AudioDecodeError as exc:
        if exc.reason == "unsupported":
            raise UnsupportedMediaType(
                "The recording is not in a recognised audio format",
                code="unsupported_audio_format",
                details={"contentType": upload.content_type},
            ) from exc
        code = "empty_audio" if exc.reason == "empty" else "invalid_audio"
        raise BadRequest(exc.message, code=code) from exc
    if info.duration_seconds <= 0:
        raise BadRequest("The recording has no audio", code="empty_audio")
    return info


async def audit(
    platform: Platform, conn: Any, principal: Principal, action: str, target: str | None, **details: Any
) -> None:
    await platform.db.audit(
        conn,
        actor=principal.actor,
        action=f"scryon.{action}",
        tenant_id=principal.tenant_id,
        module_id=MODULE_ID,
        target=target,
        details=json.loads(json.dumps(details, default=str)),
    )
