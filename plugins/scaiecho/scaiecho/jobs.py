"""The durable ``scaiecho.transcribe`` job: long uploads are parked in the blob store and
transcribed by whichever process runs jobs (in-process executor or ``scaigrid worker``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
from scaigrid.jobs import JobContext
from scaigrid.records import JobHandler

from scaiecho.contracts import TranscribeOptions

if TYPE_CHECKING:
    from scaiecho.state import Module

__all__ = ["JOB_KIND", "TranscribeJob", "job_handler", "upload_key"]

JOB_KIND = "transcribe"


class TranscribeJob(msgspec.Struct, kw_only=True):
    """The job payload: where the upload waits, and the request's options."""

    blob_key: str
    filename: str
    options: TranscribeOptions = TranscribeOptions()


def upload_key(tenant_id: str, upload_id: str, filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    suffix = suffix if 1 < len(suffix) <= 6 and suffix[1:].isalnum() else ""
    return f"scaiecho/uploads/{tenant_id}/{upload_id}{suffix}"


def job_handler(module: Module) -> JobHandler:
    """The handler, bound to this process's module state (workers build their own)."""

    async def run(job: JobContext) -> dict[str, Any]:
        """Download the parked upload, transcribe it for the job's tenant and user, drop the upload.

        A crashed attempt leaves the upload in place for the retry; a finished one
        (completed or failed) removes it.
        """
        payload = job.payload_as(TranscribeJob)
        blobs = module.platform.blobs
        await job.progress(0.05, "downloading")
        try:
            with tempfile.TemporaryDirectory(prefix="scaiecho-job-") as tmp:
                path = await blobs.download(
                    payload.blob_key, Path(tmp) / ("upload" + Path(payload.blob_key).suffix)
                )
                await job.progress(0.1, "transcribing")
                transcript = await module.state.transcription.transcribe_file(
                    path, payload.options, tenant_id=job.job.tenant_id, user_id=job.job.user_id
                )
        finally:
            await blobs.delete(payload.blob_key)
        await job.progress(1.0, "done")
        result: dict[str, Any] = msgspec.to_builtins(transcript)
        return result

    return JobHandler(kind=JOB_KIND, handler=run, timeout_seconds=6 * 3600)
