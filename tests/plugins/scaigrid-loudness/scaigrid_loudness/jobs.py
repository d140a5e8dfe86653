"""The durable job: measure an uploaded file that waits in the blob store.

It runs in-process or in a ``scaigrid worker``; the handler closes over the
module context of the process that runs it, never over a request.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import msgspec
from scaigrid import JobHandler
from scaigrid.jobs import JobContext

from scaigrid_loudness.state import Module

KIND = "measure"


class MeasureJob(msgspec.Struct):
    blob_key: str


def measure_job(module: Module) -> JobHandler:
    async def run(job: JobContext) -> dict[str, Any]:
        payload = job.payload_as(MeasureJob)
        blobs = module.platform.blobs
        with tempfile.TemporaryDirectory() as tmp:
            path = await blobs.download(payload.blob_key, Path(tmp) / "upload")
            loudness = await module.state.meter.measure_file(path)
        await blobs.delete(payload.blob_key)
        tenant = job.job.tenant_id
        module.state.measured[tenant] = module.state.measured.get(tenant, 0) + 1
        result: dict[str, Any] = msgspec.to_builtins(loudness)
        return result

    return JobHandler(kind=KIND, handler=run, timeout_seconds=300)
