"""What a handler sees (scaigrid/jobs/context.py): the platform it was given, and throttled progress."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from scaigrid.db import Database
from scaigrid.jobs import EmbeddedJobQueue, JobContext
from scaigrid.records import JobHandler
from scaigrid.settings import Settings

from tests.host.jobs.jobs_kit import MODULE, until

pytestmark = pytest.mark.anyio


class HostPlatform:
    """Stands in for the host's Platform: the queue hands handlers whatever object it was given."""


async def test_handler_gets_platform_and_held_back_progress_is_flushed_by_the_heartbeat(
    database: Database, make_settings: Callable[..., Settings]
) -> None:
    seen: dict[str, Any] = {}
    gate = asyncio.Event()

    async def report(job: JobContext) -> str:
        seen["platform"], seen["attempt"], seen["worker"] = job.platform, job.attempt, job.worker_id
        await job.progress(0.1, "starting")
        await job.progress(0.2, "decoding")  # inside the write interval: held back for the heartbeat
        await gate.wait()
        return "done"

    platform = HostPlatform()
    queue = EmbeddedJobQueue(
        database, make_settings(), platform=platform, heartbeat_seconds=0.1, stale_after_seconds=4.0
    )
    queue.set_handlers({f"{MODULE}.report": JobHandler(kind="report", handler=report)})
    await queue.start()
    try:
        job = await queue.enqueue(module=MODULE, kind="report", payload={}, tenant_id="t1", user_id="u1")

        async def decoding() -> bool:
            record = await queue.get(job.id, tenant_id="t1")
            return (record.progress, record.progress_message) == (0.2, "decoding")

        await until(decoding, what="the held-back progress to be written")
        gate.set()
        done = await queue.wait(job.id, 30)
        assert (done.status, done.result, done.progress) == ("completed", "done", 1.0)
        assert seen == {"platform": platform, "attempt": 1, "worker": queue.worker_id}
    finally:
        await queue.close()
