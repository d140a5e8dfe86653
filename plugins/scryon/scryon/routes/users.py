"""``/api/users/me…``: the caller's profile, stats, account deletion and voice profile.

Deleting the account erases everything Scryon holds for the user (calls with
their transcripts, analyses, action items and blobs, the voice profile, the
profile) and writes an audit row; the identity itself belongs to the host.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import msgspec
from litestar import Request, Response, delete, get, patch, post
from scaiecho.contracts import SPEAKER_EMBEDDING, SpeakerEmbeddingService
from scaigrid import audio
from scaigrid.audio import AudioDecodeError
from scaigrid.auth import Principal, requires
from scaigrid.errors import ScaigridError
from scaigrid.platform import Platform

from scryon.errors import voice_profile_not_found
from scryon.idempotency import HEADER, Outcome, idempotent
from scryon.pipeline import SAMPLE_RATE
from scryon.routes.common import audit, decode_json, probe_audio, settings_of, uploaded_audio
from scryon.settings import Module
from scryon.store.calls import user_prefix
from scryon.store.users import (
    delete_voice_profile,
    erase_user,
    load_profile,
    patch_profile,
    save_voice_profile,
    user_stats,
    user_timezone,
    voice_status,
)
from scryon.wire import UserPatch

__all__ = ["user_routes"]

USE = requires("scryon:use")


@get("/users/me", guards=[USE])
async def get_me(platform: Platform, principal: Principal, module: Module) -> dict[str, Any]:
    async with platform.db.connect() as conn:
        profile = await load_profile(conn, principal, settings_of(module).default_timezone)
    data: dict[str, Any] = msgspec.to_builtins(profile)
    return data


@patch("/users/me", guards=[USE])
async def patch_me(
    request: Request[Any, Any, Any], platform: Platform, principal: Principal, module: Module
) -> Response[Any]:
    """Update ``displayName`` and/or ``timezone`` (IANA; used for the calendar date of calls)."""
    settings = settings_of(module)
    raw = await request.body()
    change = decode_json(raw, UserPatch)

    async def run() -> Outcome:
        async with platform.db.begin() as conn:
            await patch_profile(conn, principal, change)
            profile = await load_profile(conn, principal, settings.default_timezone)
        return Outcome(200, msgspec.to_builtins(profile))

    return await idempotent(request, platform.db, principal, settings.idempotency_ttl_seconds, [raw], run)


@delete("/users/me", guards=[USE], status_code=204)
async def delete_me(
    request: Request[Any, Any, Any], platform: Platform, principal: Principal, module: Module
) -> Response[None]:
    """Delete the account's Scryon data: every call, blob, action item, the voice profile."""

    async def run() -> Outcome:
        async with platform.db.begin() as conn:
            count = await erase_user(conn, principal, keep_key=request.headers.get(HEADER))
            await audit(platform, conn, principal, "user.delete", principal.user_id, calls=count)
        await platform.blobs.delete_prefix(user_prefix(principal.tenant_id, principal.user_id))
        return Outcome(204)

    return await idempotent(
        request, platform.db, principal, settings_of(module).idempotency_ttl_seconds, [], run
    )


@get("/users/me/stats", guards=[USE])
async def get_stats(platform: Platform, principal: Principal, module: Module) -> dict[str, Any]:
    """Counts of calls by status, total duration, action items (open, done, overdue), talk share."""
    async with platform.db.connect() as conn:
        zone = await user_timezone(conn, principal, settings_of(module).default_timezone)
        today = dt.datetime.now(zoneinfo.ZoneInfo(zone)).date()
        stats = await user_stats(conn, principal, today)
    data: dict[str, Any] = msgspec.to_builtins(stats)
    return data


async def _speech_seconds(platform: Platform, vad_backend: str, pcm: Any) -> float:
    spans = await platform.backends.call("vad", vad_backend, pcm)
    return float(sum(s.end - s.start for s in spans))


@post("/users/me/voice-profile", guards=[USE], status_code=201)
async def put_voice_profile(
    request: Request[Any, Any, Any], platform: Platform, principal: Principal, module: Module
) -> Response[Any]:
    """Create (201) or replace (200) the voice profile from a recording of the user alone.

    The profile is a speaker embedding (``VOICE_EMBEDDING``, 256-d, scaiecho's
    speaker-embedding service); the recording itself is not kept.
    """
    settings = settings_of(module)
    async with uploaded_audio(request, settings.max_file_size) as upload:

        async def run() -> Outcome:
            await probe_audio(platform, upload.file)
            try:
                pcm = await platform.run_cpu(audio.decode, upload.file.path, sample_rate=SAMPLE_RATE)
            except AudioDecodeError as exc:
                raise ScaigridError(400, "invalid_audio", exc.message) from exc
            speech = await _speech_seconds(platform, settings.vad_backend, pcm)
            if speech < settings.voice_sample_min_seconds:
                raise ScaigridError(
                    422,
                    "voice_sample_too_short",
                    f"The recording needs at least {settings.voice_sample_min_seconds:g} s of speech",
                    details={"speechSeconds": round(speech, 2), "minimum": settings.voice_sample_min_seconds},
                )
            try:
                embedding = await platform.services.get(SPEAKER_EMBEDDING, SpeakerEmbeddingService).embed(pcm)
            except ScaigridError as exc:
                raise ScaigridError(
                    503 if exc.status_code >= 500 else 422,
                    "voice_embedding_failed",
                    exc.message,
                    details={"cause": exc.code},
                ) from exc
            vector = [float(x) for x in embedding]
            async with platform.db.begin() as conn:
                created = await save_voice_profile(conn, principal, vector, round(speech, 3))
                status = await voice_status(conn, principal)
            return Outcome(201 if created else 200, msgspec.to_builtins(status))

        return await idempotent(
            request, platform.db, principal, settings.idempotency_ttl_seconds, [upload.file.sha256], run
        )


@get("/users/me/voice-profile/status", guards=[USE])
async def get_voice_profile_status(platform: Platform, principal: Principal) -> dict[str, Any]:
    """``READY`` with method and dates, or ``NOT_ENROLLED``."""
    async with platform.db.connect() as conn:
        status = await voice_status(conn, principal)
    data: dict[str, Any] = msgspec.to_builtins(status)
    return data


@delete("/users/me/voice-profile", guards=[USE], status_code=204)
async def remove_voice_profile(
    request: Request[Any, Any, Any], platform: Platform, principal: Principal, module: Module
) -> Response[None]:
    """Remove the voice profile (404 ``voice_profile_not_found`` when there is none)."""

    async def run() -> Outcome:
        async with platform.db.begin() as conn:
            if not await delete_voice_profile(conn, principal):
                raise voice_profile_not_found()
            await audit(platform, conn, principal, "voice_profile.delete", principal.user_id)
        return Outcome(204)

    return await idempotent(
        request, platform.db, principal, settings_of(module).idempotency_ttl_seconds, [], run
    )


user_routes = [
    get_me,
    patch_me,
    delete_me,
    get_stats,
    put_voice_profile,
    get_voice_profile_status,
    remove_voice_profile,
]
