"""The durable analysis job: INCOMING → PROCESSING → COMPLETED / FAILED.

The host's job queue keeps the job row (recovered after a crash, re-run when
its worker died). The handler downloads the recording, runs
:func:`scryon.pipeline.process_call` and then writes transcript, analysis,
action items and the COMPLETED status in **one** transaction — or, on a coded
failure, only the FAILED status with its reason. A call deleted while its job
ran is left deleted: the final write finds no row and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import zoneinfo
from pathlib import Path
from typing import Any

import msgspec
import sqlalchemy as sa
from scaigrid.db import utcnow
from scaigrid.platform import Platform
from scaigrid.records import JobHandler

from scryon.pipeline import CallSpec, Processed, StepFailed, process_call
from scryon.settings import Module, ScryonSettings
from scryon.store.actions import action_rows, insert_items
from scryon.store.calls import aware, touch
from scryon.store.users import voice_embedding
from scryon.tables import action_items, analyses, calls, transcripts

__all__ = ["ANALYZE_KIND", "AnalyzeJob", "analysis_job"]

log = logging.getLogger("scaigrid.modules.scryon.jobs")

ANALYZE_KIND = "analyze"


class AnalyzeJob(msgspec.Struct, kw_only=True, rename="camel"):
    call_id: str


def local_date(recorded_at: dt.datetime, timezone: str) -> dt.date:
    return aware(recorded_at).astimezone(zoneinfo.ZoneInfo(timezone)).date()


async def _complete(platform: Platform, row: Any, done: Processed) -> bool:
    now = utcnow()
    analysis = msgspec.to_builtins(done.analysis)
    analysis.pop("actionItems", None)  # served from scryon_action_items, where their status lives
    identification: dict[str, Any] | None = None
    if done.identification is None:
        identification = {"speaker": None}
    elif not isinstance(done.identification, msgspec.UnsetType):
        identification = msgspec.to_builtins(done.identification)
    async with platform.db.begin() as conn:
        updated = await touch(
            conn,
            row.id,
            status="COMPLETED",
            completed_at=now,
            duration_seconds=done.duration_seconds,
            speech_seconds=done.speech_seconds,
            speaker_count=done.speaker_count,
            language=done.language,
            identification=identification,
            analysis_backend=done.analysis.backend,
            failure_code=None,
            failure_message=None,
        )
        if not updated:
            return False
        owner = {"tenant_id": row.tenant_id, "user_id": row.user_id, "created_at": now}
        for table in (transcripts, analyses, action_items):  # a re-run replaces, never duplicates
            await conn.execute(table.delete().where(table.c.call_id == row.id))
        await conn.execute(
            transcripts.insert().values(
                call_id=row.id,
                language=done.language,
                model=done.stt_model,
                backend_used=done.stt_backend,
                utterances=msgspec.to_builtins(done.utterances),
                **owner,
            )
        )
        await conn.execute(analyses.insert().values(call_id=row.id, data=analysis, **owner))
        await insert_items(
            conn, action_rows(row.id, row.tenant_id, row.user_id, done.analysis.action_items, now)
        )
    return True


async def _fail(platform: Platform, call_id: str, code: str, message: str) -> None:
    async with platform.db.begin() as conn:
        await touch(conn, call_id, status="FAILED", failure_code=code, failure_message=message[:2000])


def analysis_job(module: Module) -> JobHandler:
    """The handler for ``scryon.analyze``; ``module`` gives the module's settings in any process."""

    async def run(job: Any) -> dict[str, Any]:
        platform = job.platform
        settings: ScryonSettings = module.settings
        payload = job.payload_as(AnalyzeJob)
        async with platform.db.begin() as conn:
            row = (await conn.execute(sa.select(calls).where(calls.c.id == payload.call_id))).first()
            if row is None:
                return {"callId": payload.call_id, "status": "DELETED"}
            if row.status in ("COMPLETED", "FAILED"):
                return {"callId": row.id, "status": row.status}
            await touch(conn, row.id, status="PROCESSING", job_id=job.job.id)
            profile = await voice_embedding(conn, row.tenant_id, row.user_id)
        spec = CallSpec(
            tenant_id=row.tenant_id,
            user_id=row.user_id,
            call_date=local_date(row.recorded_at, row.timezone),
            language=row.language,
            num_speakers=row.num_speakers,
            backend_preference=row.backend_preference,
            title=row.title,
            voice_profile=profile,
        )
        try:
            with tempfile.TemporaryDirectory(prefix="scryon-") as tmp:
                path = Path(tmp) / ("audio" + Path(row.audio_filename).suffix[:10])
                await platform.blobs.download(row.audio_key, path)
                done = await process_call(platform, settings, spec, path, progress=job.progress)
        except StepFailed as exc:
            await _fail(platform, row.id, exc.code, exc.message)
            return {"callId": row.id, "status": "FAILED", "code": exc.code}
        except Exception as exc:
            log.exception("analysis of call %s failed", row.id)
            await _fail(platform, row.id, "internal_error", f"analysis failed: {type(exc).__name__}")
            return {"callId": row.id, "status": "FAILED", "code": "internal_error"}
        if not await _complete(platform, row, done):
            return {"callId": row.id, "status": "DELETED"}
        return {"callId": row.id, "status": "COMPLETED"}

    return JobHandler(kind=ANALYZE_KIND, handler=run, timeout_seconds=module.settings.job_timeout_seconds)
