"""The ``JobQueue`` contract (scaigrid/jobs/base.py), run against every executor and database.

Each test runs for the in-process executor on SQLite, and (marked ``scaled``)
for the in-process executor on PostgreSQL and the Redis/SAQ executor on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from scaigrid.db import Database, utcnow
from scaigrid.errors import NotFound, ScaigridError
from scaigrid.jobs import JobQueue
from scaigrid.records import JobHandler
from scaigrid.tables import audit_log

from tests.host.jobs.jobs_kit import MODULE, Greeting, Probe, insert_row, long_ago, until

pytestmark = pytest.mark.anyio


async def test_enqueue_runs_to_completed_with_the_result(
    make_queue: Callable[..., JobQueue], contract_db: Database
) -> None:
    probe = Probe()
    queue = make_queue(probe.handlers())
    await queue.start(worker=True)

    queued = await queue.enqueue(
        module=MODULE, kind="echo", payload={"text": "hello"}, tenant_id="t1", user_id="u1"
    )
    assert queued.status == "queued" and queued.attempts == 0 and queued.max_attempts == 3

    done = await queue.wait(queued.id, 30)
    assert done.status == "completed"
    assert done.result == {"echo": "hello", "attempt": 1, "tenant": "t1"}
    assert done.error is None
    assert done.attempts == 1
    assert done.progress == 1.0
    assert done.worker_id == queue.worker_id
    assert done.started_at is not None and done.finished_at is not None
    assert done.created_at <= done.started_at <= done.finished_at <= utcnow()
    assert probe.calls == [queued.id]  # ran once


async def test_struct_payload_and_struct_result(make_queue: Callable[..., JobQueue]) -> None:
    queue = make_queue(Probe().handlers())
    await queue.start(worker=True)
    job = await queue.enqueue(
        module=MODULE, kind="typed", payload=Greeting(name="ada", times=2), tenant_id="t1", user_id=None
    )
    assert job.payload == {"name": "ada", "times": 2}
    done = await queue.wait(job.id, 30)
    assert (done.status, done.result) == ("completed", {"name": "ADA", "times": 4})


@pytest.mark.parametrize(
    ("kind", "payload", "code", "message_part"),
    [
        ("rejects", {}, "TEST_NOT_SPEECH", "not speech"),
        ("crashes", {}, "JOB_FAILED", "ValueError: division by zero"),
        ("slow", {}, "JOB_TIMEOUT", "timeout of 0.3 s"),
        ("bad_result", {}, "JOB_BAD_RESULT", "not JSON-ready"),
        ("bad_progress", {}, "JOB_BAD_PROGRESS", "within [0, 1]"),
        ("typed", {"name": "ada"}, "JOB_BAD_PAYLOAD", "Greeting"),
    ],
)
async def test_failures_are_final_and_coded(
    make_queue: Callable[..., JobQueue], kind: str, payload: dict[str, object], code: str, message_part: str
) -> None:
    queue = make_queue(Probe().handlers())
    await queue.start(worker=True)
    job = await queue.enqueue(module=MODULE, kind=kind, payload=payload, tenant_id="t1", user_id="u1")
    done = await queue.wait(job.id, 30)
    assert done.status == "failed"
    assert done.error is not None
    assert done.error.code == code
    assert message_part in done.error.message
    assert done.attempts == 1  # handler failures are not retried
    assert done.result is None


async def test_progress_is_visible_while_running(make_queue: Callable[..., JobQueue]) -> None:
    probe = Probe()
    queue = make_queue(probe.handlers())
    await queue.start(worker=True)
    job = await queue.enqueue(
        module=MODULE, kind="gated", payload={"progress": 0.5, "n": 1}, tenant_id="t1", user_id="u1"
    )

    async def halfway() -> bool:
        return (await queue.get(job.id, tenant_id="t1")).progress == 0.5

    await until(halfway, what="progress 0.5")
    running = await queue.get(job.id, tenant_id="t1", user_id="u1")
    assert running.status == "running"
    assert running.progress_message == "half way"
    assert running.heartbeat_at is not None

    probe.gate.set()
    done = await queue.wait(job.id, 30)
    assert (done.status, done.progress, done.result) == ("completed", 1.0, {"n": 1})


async def test_reads_are_scoped_to_tenant_user_and_module(make_queue: Callable[..., JobQueue]) -> None:
    queue = make_queue(Probe().handlers())
    job = await queue.enqueue(module=MODULE, kind="echo", payload={}, tenant_id="t1", user_id="u1")

    assert (await queue.get(job.id, tenant_id="t1")).id == job.id
    assert (await queue.get(job.id, tenant_id="t1", user_id="u1", module=MODULE)).id == job.id
    for scope in (
        {"tenant_id": "t2"},
        {"tenant_id": "t2", "user_id": "u1"},
        {"tenant_id": "t1", "user_id": "u2"},
        {"tenant_id": "t1", "module": "other"},
    ):
        with pytest.raises(NotFound) as info:
            await queue.get(job.id, **scope)  # type: ignore[arg-type]
        assert (info.value.status_code, info.value.code) == (404, "JOB_NOT_FOUND")
    with pytest.raises(NotFound):
        await queue.get("00000000-0000-4000-8000-000000000000", tenant_id="t1")

    assert [r.id for r in await queue.list(tenant_id="t1")] == [job.id]
    assert [r.id for r in await queue.list(tenant_id="t1", user_id="u1", module=MODULE)] == [job.id]
    assert await queue.list(tenant_id="t2") == []
    assert await queue.list(tenant_id="t1", user_id="u2") == []
    assert await queue.list(tenant_id="t1", status="completed") == []


async def test_unknown_kind_is_refused_at_enqueue(make_queue: Callable[..., JobQueue]) -> None:
    queue = make_queue(Probe().handlers())
    with pytest.raises(ScaigridError) as info:
        await queue.enqueue(module=MODULE, kind="nope", payload={}, tenant_id="t1", user_id="u1")
    assert info.value.code == "JOB_UNKNOWN_KIND"
    assert await queue.list(tenant_id="t1") == []


async def test_concurrency_bound_is_respected(make_queue: Callable[..., JobQueue]) -> None:
    probe = Probe()
    queue = make_queue(probe.handlers(), job_concurrency=2)
    await queue.start(worker=True)
    ids = [
        (await queue.enqueue(module=MODULE, kind="gated", payload={"n": n}, tenant_id="t1", user_id="u1")).id
        for n in range(5)
    ]

    async def two_running() -> bool:
        return probe.active == 2 and len(await queue.list(tenant_id="t1", status="running")) == 2

    await until(two_running, what="two running jobs")
    await asyncio.sleep(0.5)  # room for a broken bound to start a third; not a timing assertion
    assert len(await queue.list(tenant_id="t1", status="running")) == 2
    assert len(await queue.list(tenant_id="t1", status="queued")) == 3
    assert probe.active == 2

    probe.gate.set()
    for job_id in ids:
        assert (await queue.wait(job_id, 60)).status == "completed"
    assert probe.peak == 2
    assert sorted(probe.calls) == sorted(ids)


async def test_restart_recovers_a_crashed_running_job(
    make_queue: Callable[..., JobQueue], contract_db: Database
) -> None:
    job_id = await insert_row(
        contract_db,
        status="running",
        attempts=1,
        worker_id="crashed-host:1234:dead",
        started_at=long_ago(),
        heartbeat_at=long_ago(),
        payload={"text": "survived"},
    )
    probe = Probe()
    queue = make_queue(probe.handlers())
    await queue.start(worker=True)

    done = await queue.wait(job_id, 30)
    assert done.status == "completed"
    assert done.result == {"echo": "survived", "attempt": 2, "tenant": "t1"}
    assert done.attempts == 2
    assert done.worker_id == queue.worker_id
    assert probe.calls == [job_id]


async def test_recovery_fails_a_job_out_of_attempts(
    make_queue: Callable[..., JobQueue], contract_db: Database
) -> None:
    job_id = await insert_row(
        contract_db,
        status="running",
        attempts=3,
        max_attempts=3,
        worker_id="crashed-host:1234:dead",
        started_at=long_ago(),
        heartbeat_at=long_ago(),
    )
    probe = Probe()
    queue = make_queue(probe.handlers())
    await queue.start(worker=True)

    done = await queue.wait(job_id, 30)
    assert done.status == "failed"
    assert done.error is not None and done.error.code == "JOB_ABANDONED"
    assert done.finished_at is not None
    assert probe.calls == []


async def test_a_live_workers_running_job_is_left_alone(
    make_queue: Callable[..., JobQueue], contract_db: Database
) -> None:
    job_id = await insert_row(
        contract_db,
        status="running",
        attempts=1,
        worker_id="alive-elsewhere",
        started_at=utcnow(),
        heartbeat_at=utcnow(),
    )
    queue = make_queue(Probe().handlers())
    await queue.start(worker=True)
    recovery = await queue.reap_once()
    assert recovery.requeued == [] and recovery.failed == []
    row = await queue.get(job_id, tenant_id="t1")
    assert (row.status, row.worker_id, row.attempts) == ("running", "alive-elsewhere", 1)


async def test_close_gives_running_jobs_back_and_a_new_queue_finishes_them(
    make_queue: Callable[..., JobQueue],
) -> None:
    first_probe = Probe()
    first = make_queue(first_probe.handlers())
    await first.start(worker=True)
    job = await first.enqueue(module=MODULE, kind="gated", payload={"n": 7}, tenant_id="t1", user_id="u1")

    async def running() -> bool:
        return (await first.get(job.id, tenant_id="t1")).status == "running"

    await until(running, what="the job to run")
    await first.close()
    assert first_probe.cancelled.is_set()
    released = await first.get(job.id, tenant_id="t1")
    assert (released.status, released.attempts, released.worker_id) == ("queued", 0, None)

    second_probe = Probe()
    second_probe.gate.set()
    second = make_queue(second_probe.handlers())
    await second.start(worker=True)
    done = await second.wait(job.id, 30)
    assert (done.status, done.attempts, done.result) == ("completed", 1, {"n": 7})
    assert done.worker_id == second.worker_id


async def test_max_attempts_comes_from_argument_then_handler_then_settings(
    make_queue: Callable[..., JobQueue],
) -> None:
    handlers = Probe().handlers()
    echo = handlers[f"{MODULE}.echo"]
    handlers[f"{MODULE}.capped"] = JobHandler(kind="capped", handler=echo.handler, max_attempts=2)
    queue = make_queue(handlers, job_max_attempts=4)

    async def attempts_cap(kind: str, max_attempts: int | None = None) -> int:
        job = await queue.enqueue(
            module=MODULE, kind=kind, payload={}, tenant_id="t1", user_id="u1", max_attempts=max_attempts
        )
        return job.max_attempts

    assert await attempts_cap("echo") == 4
    assert await attempts_cap("capped") == 2
    assert await attempts_cap("capped", 1) == 1
    with pytest.raises(ScaigridError) as info:
        await attempts_cap("echo", 0)
    assert (info.value.status_code, info.value.code) == (400, "JOB_BAD_MAX_ATTEMPTS")


async def test_purge_tenant_erases_jobs_and_writes_an_audit_row(
    make_queue: Callable[..., JobQueue], contract_db: Database
) -> None:
    tenant = f"t-{uuid.uuid4().hex[:8]}"  # the audit log is not reset between tests
    queue = make_queue(Probe().handlers())
    await queue.enqueue(
        module=MODULE, kind="echo", payload={"text": "private"}, tenant_id=tenant, user_id="u1"
    )
    kept = await queue.enqueue(module=MODULE, kind="echo", payload={}, tenant_id="t2", user_id="u1")
    assert await queue.purge_tenant(tenant, actor="superadmin") == 1
    assert await queue.list(tenant_id=tenant) == []
    assert [r.id for r in await queue.list(tenant_id="t2")] == [kept.id]
    query = sa.select(audit_log).where(audit_log.c.action == "jobs.purge", audit_log.c.tenant_id == tenant)
    async with contract_db.connect() as conn:
        audit = (await conn.execute(query)).mappings().all()
    assert [(a["actor"], a["details"]) for a in audit] == [("superadmin", {"deleted": 1})]
