"""Running one claimed job (scaigrid/jobs/runner.py): losing the claim mid-run, and a kind nobody handles."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from scaigrid.db import Database, utcnow
from scaigrid.jobs import EmbeddedJobQueue
from scaigrid.jobs.runner import run_claimed
from scaigrid.jobs.store import JobStore
from scaigrid.jobs.table import jobs
from scaigrid.settings import Settings

from tests.host.jobs.jobs_kit import MODULE, Probe, insert_row, until

pytestmark = pytest.mark.anyio


async def test_a_worker_that_lost_its_claim_stops_and_writes_nothing(
    database: Database, make_settings: Callable[..., Settings]
) -> None:
    probe = Probe()
    queue = EmbeddedJobQueue(database, make_settings(), heartbeat_seconds=0.1, stale_after_seconds=4.0)
    queue.set_handlers(probe.handlers())
    await queue.start()
    try:
        job = await queue.enqueue(module=MODULE, kind="gated", payload={"n": 1}, tenant_id="t1", user_id="u1")

        async def running() -> bool:
            return (await queue.get(job.id, tenant_id="t1")).status == "running"

        await until(running, what="the job to run")
        # What a reaper plus another worker would do to a worker it believed dead.
        async with database.begin() as conn:
            await conn.execute(
                sa.update(jobs)
                .where(jobs.c.id == job.id)
                .values(
                    worker_id="thief",
                    attempts=jobs.c.attempts + 1,
                    heartbeat_at=utcnow() + dt.timedelta(hours=1),
                )
            )

        async def cancelled() -> bool:
            return probe.cancelled.is_set()

        await until(cancelled, what="the handler to be cancelled")
        probe.gate.set()
        row = await queue.get(job.id, tenant_id="t1")
        assert (row.status, row.worker_id, row.attempts, row.result) == ("running", "thief", 2, None)
    finally:
        await queue.close()


async def test_a_kind_without_handler_fails_job_unknown_kind(database: Database) -> None:
    store = JobStore(database)
    job_id = await insert_row(database, kind="ghost")
    claimed = await store.claim(job_id, "w1")
    assert claimed is not None
    outcome = await run_claimed(store, claimed, None, platform=None, worker_id="w1", heartbeat_seconds=1.0)
    assert outcome == "failed"
    record = await store.get(job_id)
    assert record is not None and record.error is not None
    assert (record.status, record.error.code) == ("failed", "JOB_UNKNOWN_KIND")
    assert "test.ghost" in record.error.message
