"""The durable ``scaiecho.transcribe`` job: long uploads are parked in the blob store and
transcribed by whichever process runs jobs (in-process executor or ``scaigrid worker``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import msgspec
from scaigrid.records import JobHandler

__all__ = ["JOB_KIND", "TranscribeJob", "job_handler", "run_transcribe_job", "upload_key"]

JOB_KIND = "transcribe"


class TranscribeJob(msgspec.Struct, kw_only=True):
    """The job payload: where the upload waits, and the request's options."""

    blob_key: str
    filename: str
    language: str | None = None
    backend_preference: str = "any"
    temperature: float | None = None
    word_timestamps: bool = False
    diarize: bool = False
    num_speakers: int | None = None


def upload_key(tenant_id: str, upload_id: str, filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    suffix = suffix if 1 < len(suffix) <= 6 and suffix[1:].isalnum() else ""
    return f"scaiecho/uploads/{tenant_id}/{upload_id}{suffix}"


async def run_transcribe_job(job: Any) -> dict[str, Any]:
    """Download the parked upload, transcribe it for the job's tenant and user, drop the upload.

    A crashed attempt leaves the upload in place for the retry; a finished one
    (completed or failed) removes it.
    """
    payload = job.payload_as(TranscribeJob)
    platform = job.platform
    service = platform.services.get("scaiecho.transcription")
    await job.progress(0.05, "downloading")
    try:
        with tempfile.TemporaryDirectory(prefix="scaiecho-job-") as tmp:
            path = await platform.blobs.download(
                payload.blob_key, Path(tmp) / ("upload" + Path(payload.blob_key).suffix)
            )
            await job.progress(0.1, "transcribing")
            transcript = await service.transcribe_file(
                path,
                tenant_id=job.job.tenant_id,
                user_id=job.job.user_id,
                language=payload.language,
                backend_preference=payload.backend_preference,
                temperature=payload.temperature,
                word_timestamps=payload.word_timestamps,
                diarize=payload.diarize,
                num_speakers=payload.num_speakers,
            )
    finally:
        await platform.blobs.delete(payload.blob_key)
    await job.progress(1.0, "done")
    result: dict[str, Any] = msgspec.to_builtins(transcript)
    return result


def job_handler() -> JobHandler:
    return JobHandler(kind=JOB_KIND, handler=run_transcribe_job, timeout_seconds=6 * 3600)
