"""The in-process executor (scaigrid/jobs/embedded.py): shared databases, polling, enqueue before start."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from scaigrid.db import Database
from scaigrid.jobs import EmbeddedJobQueue
from scaigrid.settings import Settings

from tests.host.jobs.jobs_kit import MODULE, Probe, insert_row

pytestmark = pytest.mark.anyio


def _queue(database: Database, settings: Settings, probe: Probe) -> EmbeddedJobQueue:
    queue = EmbeddedJobQueue(
        database, settings, poll_seconds=0.1, heartbeat_seconds=0.2, stale_after_seconds=4.0
    )
    queue.set_handlers(probe.handlers())
    return queue


async def test_two_processes_on_one_database_run_each_job_once(
    database: Database, make_settings: Callable[..., Settings]
) -> None:
    probe = Probe()  # shared: both "processes" live in this test's process
    first, second = (_queue(database, make_settings(job_concurrency=2), probe) for _ in range(2))
    await first.start()
    await second.start()
    try:
        ids = [
            (
                await first.enqueue(
                    module=MODULE, kind="echo", payload={"text": str(n)}, tenant_id="t1", user_id=None
                )
            ).id
            for n in range(12)
        ]
        done = [await first.wait(job_id, 60) for job_id in ids]
    finally:
        await first.close()
        await second.close()
    assert {d.status for d in done} == {"completed"}
    assert sorted(probe.calls) == sorted(ids)  # nothing ran twice
    assert {d.worker_id for d in done} <= {first.worker_id, second.worker_id}


async def test_rows_written_elsewhere_are_found_by_polling(
    database: Database, make_settings: Callable[..., Settings]
) -> None:
    probe = Probe()
    queue = _queue(database, make_settings(), probe)
    await queue.start()
    try:
        job_id = await insert_row(database, payload={"text": "from another process"})
        done = await queue.wait(job_id, 30)
    finally:
        await queue.close()
    assert done.result == {"echo": "from another process", "attempt": 1, "tenant": "t1"}


async def test_jobs_enqueued_before_start_run_after_it(
    database: Database, make_settings: Callable[..., Settings]
) -> None:
    probe = Probe()
    queue = _queue(database, make_settings(), probe)
    job = await queue.enqueue(
        module=MODULE, kind="echo", payload={"text": "early"}, tenant_id="t1", user_id="u1"
    )
    assert (await queue.get(job.id, tenant_id="t1")).status == "queued"
    await queue.start()
    try:
        assert (await queue.wait(job.id, 30)).status == "completed"
    finally:
        await queue.close()


async def test_rows_of_kinds_this_process_cannot_run_stay_queued(
    database: Database, make_settings: Callable[..., Settings]
) -> None:
    probe = Probe()
    queue = _queue(database, make_settings(), probe)
    foreign = await insert_row(database, module="elsewhere", kind="transcribe")
    mine = await insert_row(database)
    await queue.start()
    try:
        assert (await queue.wait(mine, 30)).status == "completed"
        assert (await queue.get(foreign, tenant_id="t1")).status == "queued"
    finally:
        await queue.close()
