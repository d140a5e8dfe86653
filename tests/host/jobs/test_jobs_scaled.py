"""The Redis executor (scaigrid/jobs/scaled.py): lost announcements are recovered, SAQ keeps no leftovers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from scaigrid.db import Database
from scaigrid.jobs import RedisJobQueue
from scaigrid.settings import Settings

from tests.host.jobs.jobs_kit import MODULE, REDIS_URL, TIMING, Probe, insert_row, long_ago, open_database

pytestmark = [pytest.mark.anyio, pytest.mark.scaled]


@pytest.fixture
async def pg(pg_url: str) -> AsyncIterator[Database]:
    db = await open_database(pg_url)
    yield db
    await db.dispose()


async def test_a_row_whose_announcement_was_lost_still_runs(
    pg: Database, make_settings: Callable[..., Settings]
) -> None:
    # A process died between writing the row and announcing it on Redis.
    job_id = await insert_row(pg, created_at=long_ago(60), payload={"text": "never announced"})
    queue = RedisJobQueue(pg, make_settings(redis_url=REDIS_URL), **TIMING)
    queue.set_handlers(Probe().handlers())
    await queue.start(worker=True)
    try:
        done = await queue.wait(job_id, 30)
    finally:
        await queue.close()
    assert (done.status, done.result["echo"]) == ("completed", "never announced")


async def test_enqueue_while_redis_is_down_keeps_the_job(
    pg: Database, make_settings: Callable[..., Settings]
) -> None:
    probe = Probe()
    down = RedisJobQueue(pg, make_settings(redis_url="redis://127.0.0.1:1/0"), **TIMING)
    down.set_handlers(probe.handlers())
    job = await down.enqueue(
        module=MODULE, kind="echo", payload={"text": "kept"}, tenant_id="t1", user_id="u1"
    )
    await down.close()
    assert (await down.get(job.id, tenant_id="t1")).status == "queued"

    up = RedisJobQueue(pg, make_settings(redis_url=REDIS_URL), **TIMING)
    up.set_handlers(probe.handlers())
    await up.start(worker=True)
    try:
        done = await up.wait(job.id, 30)
    finally:
        await up.close()
    assert (done.status, done.result["echo"]) == ("completed", "kept")


async def test_finished_jobs_leave_nothing_in_the_engine(
    pg: Database, make_settings: Callable[..., Settings]
) -> None:
    queue = RedisJobQueue(pg, make_settings(redis_url=REDIS_URL), **TIMING)
    queue.set_handlers(Probe().handlers())
    await queue.start(worker=True)
    try:
        ids = [
            (await queue.enqueue(module=MODULE, kind="echo", payload={}, tenant_id="t1", user_id="u1")).id
            for _ in range(3)
        ]
        for job_id in ids:
            assert (await queue.wait(job_id, 30)).status == "completed"
        engine = await queue._connection()
        assert (
            await engine.count("queued"),
            await engine.count("active"),
            await engine.count("incomplete"),
        ) == (
            0,
            0,
            0,
        )
        assert await engine.jobs(f"{job_id}:0" for job_id in ids) == [None, None, None]
    finally:
        await queue.close()
