"""SQL on the jobs table (scaigrid/jobs/store.py): atomic claims, fenced writes, stale-row recovery."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from scaigrid.db import Database, utcnow
from scaigrid.jobs import JobFailure
from scaigrid.jobs.store import JobStore
from scaigrid.jobs.table import jobs

from tests.host.jobs.jobs_kit import insert_row, long_ago

pytestmark = pytest.mark.anyio


async def test_concurrent_claims_give_each_row_to_exactly_one_claimer(database: Database) -> None:
    store = JobStore(database)
    ids = [await insert_row(database) for _ in range(12)]

    async def claimer(name: str) -> list[str]:
        won = []
        for job_id in ids:
            record = await store.claim(job_id, name)
            if record is not None:
                won.append(job_id)
        return won

    results = await asyncio.gather(*(claimer(f"w{i}") for i in range(3)))
    claimed = [job_id for won in results for job_id in won]
    assert sorted(claimed) == sorted(ids)  # every row once, none twice

    async with database.connect() as conn:
        rows = (await conn.execute(sa.select(jobs.c.status, jobs.c.attempts, jobs.c.worker_id))).all()
    assert {(status, attempts) for status, attempts, _ in rows} == {("running", 1)}
    owners = {name for name, won in zip(("w0", "w1", "w2"), results, strict=True) for _ in won}
    assert {worker for _, _, worker in rows} == owners


async def test_claim_returns_the_running_row_and_refuses_a_second_time(database: Database) -> None:
    store = JobStore(database)
    job_id = await insert_row(database)
    claimed = await store.claim(job_id, "w1")
    assert claimed is not None
    assert (claimed.status, claimed.attempts, claimed.worker_id) == ("running", 1, "w1")
    assert claimed.started_at is not None and claimed.heartbeat_at is not None
    assert await store.claim(job_id, "w2") is None


async def test_writes_are_fenced_by_worker_and_attempt(database: Database) -> None:
    store = JobStore(database)
    job_id = await insert_row(database)
    assert await store.claim(job_id, "w1") is not None

    assert not await store.heartbeat(job_id, "w2", 1)
    assert not await store.complete(job_id, "w1", 2, {"stale": True})
    assert not await store.fail(job_id, "w2", 1, JobFailure(code="X", message="not mine"))
    assert await store.heartbeat(job_id, "w1", 1, progress=(0.25, "a quarter"))
    assert await store.complete(job_id, "w1", 1, {"ok": True})
    assert not await store.complete(job_id, "w1", 1, {"twice": True})

    record = await store.get(job_id)
    assert record is not None
    assert (record.status, record.result, record.progress) == ("completed", {"ok": True}, 1.0)


async def test_release_requeues_without_spending_the_attempt(database: Database) -> None:
    store = JobStore(database)
    job_id = await insert_row(database, attempts=1)
    assert await store.claim(job_id, "w1") is not None
    assert await store.release(job_id, "w1", 2)
    record = await store.get(job_id)
    assert record is not None
    assert (record.status, record.attempts, record.worker_id, record.started_at) == ("queued", 1, None, None)


async def test_recovery_requeues_or_fails_only_stale_running_rows(database: Database) -> None:
    store = JobStore(database)
    retry = await insert_row(
        database, status="running", attempts=1, worker_id="dead", heartbeat_at=long_ago()
    )
    exhausted = await insert_row(
        database, status="running", attempts=2, max_attempts=2, worker_id="dead", heartbeat_at=long_ago()
    )
    never_beat = await insert_row(
        database, status="running", attempts=1, worker_id="dead", created_at=long_ago()
    )
    alive = await insert_row(database, status="running", attempts=1, worker_id="alive", heartbeat_at=utcnow())
    waiting = await insert_row(database, status="queued", created_at=long_ago())

    recovery = await store.recover_stale(long_ago(60))
    assert sorted(r.id for r in recovery.requeued) == sorted([retry, never_beat])
    assert recovery.failed == [exhausted]
    assert await store.recover_stale(long_ago(60)) == ([], [])  # a second reaper finds nothing

    states = {}
    for job_id in (retry, exhausted, never_beat, alive, waiting):
        record = await store.get(job_id)
        assert record is not None
        states[job_id] = (record.status, record.worker_id, record.error.code if record.error else None)
    assert states == {
        retry: ("queued", None, "JOB_ABANDONED"),
        exhausted: ("failed", "dead", "JOB_ABANDONED"),
        never_beat: ("queued", None, "JOB_ABANDONED"),
        alive: ("running", "alive", None),
        waiting: ("queued", None, None),
    }


async def test_list_is_newest_first_and_pages(database: Database) -> None:
    store = JobStore(database)
    older = await insert_row(database, created_at=long_ago(20))
    newer = await insert_row(database, created_at=long_ago(10))
    await insert_row(database, tenant_id="t2")
    assert [r.id for r in await store.list(tenant_id="t1")] == [newer, older]
    assert [r.id for r in await store.list(tenant_id="t1", limit=1, offset=1)] == [older]


async def test_purge_deletes_only_the_tenants_or_users_rows(database: Database) -> None:
    store = JobStore(database)
    await insert_row(database, tenant_id="t1", user_id="u1")
    await insert_row(database, tenant_id="t1", user_id="u2")
    keep = await insert_row(database, tenant_id="t2", user_id="u1")
    assert await store.purge_tenant("t1", user_id="u1") == 1
    assert await store.purge_tenant("t1") == 1
    assert [r.id for r in await store.list(tenant_id="t2")] == [keep]
    assert await store.list(tenant_id="t1") == []
