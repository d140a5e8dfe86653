"""``run_worker`` (scaigrid/jobs/worker.py): real worker processes, one killed with SIGKILL mid-job."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from scaigrid.db import Database
from scaigrid.errors import StartupError
from scaigrid.jobs import JobContext, RedisJobQueue
from scaigrid.jobs.worker import run_worker
from scaigrid.records import JobHandler
from scaigrid.settings import Settings

from tests.host.jobs.jobs_kit import MODULE, REDIS_URL, TIMING, Probe, open_database, until

pytestmark = [pytest.mark.anyio, pytest.mark.scaled]

SCRIPT = Path(__file__).with_name("jobs_worker_proc.py")


@pytest.fixture
async def pg(pg_url: str) -> AsyncIterator[Database]:
    db = await open_database(pg_url)
    yield db
    await db.dispose()


@pytest.fixture
def workers(pg_url: str, redis_prefix: str, tmp_path: Path) -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    """Two worker processes, ``w1`` and ``w2``, consuming this test's queue."""
    markers = tmp_path / "markers"
    markers.mkdir()
    env = {
        **os.environ,
        "SCAIGRID_DATABASE_URL": pg_url,
        "SCAIGRID_REDIS_URL": REDIS_URL,
        "SCAIGRID_REDIS_PREFIX": redis_prefix,
        "SCAIGRID_DATA_DIR": str(tmp_path / "data"),
        "SCAIGRID_JOB_CONCURRENCY": "1",
    }
    procs = {}
    for name in ("w1", "w2"):
        log = (tmp_path / f"{name}.log").open("wb")
        procs[name] = subprocess.Popen(
            [sys.executable, str(SCRIPT), name, str(markers)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    yield procs
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for name, proc in procs.items():
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        assert proc.returncode in (0, -signal.SIGKILL), (tmp_path / f"{name}.log").read_text()


async def _runs_in_the_worker_processes(job: JobContext) -> None:
    raise AssertionError("test.long must run in jobs_worker_proc.py, not in the test process")


def _client(pg: Database, make_settings: Callable[..., Settings]) -> RedisJobQueue:
    """This test process's queue: enqueues and reaps, never consumes."""
    queue = RedisJobQueue(pg, make_settings(redis_url=REDIS_URL), **TIMING)
    queue.set_handlers({f"{MODULE}.long": JobHandler(kind="long", handler=_runs_in_the_worker_processes)})
    return queue


async def _kill_the_runner(
    queue: RedisJobQueue, job_id: str, workers: dict[str, subprocess.Popen[bytes]]
) -> str:
    async def running() -> bool:
        return (await queue.get(job_id, tenant_id="t1")).status == "running"

    await until(running, within=60, what="a worker to start the job")
    victim = (await queue.get(job_id, tenant_id="t1")).worker_id
    assert victim in workers
    workers[victim].send_signal(signal.SIGKILL)
    await asyncio.to_thread(workers[victim].wait)
    return victim


async def test_a_job_killed_with_its_worker_completes_on_the_other_worker(
    pg: Database,
    make_settings: Callable[..., Settings],
    workers: dict[str, subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    queue = _client(pg, make_settings)
    await queue.start()  # no worker here: this process only enqueues and reaps
    try:
        job = await queue.enqueue(
            module=MODULE, kind="long", payload={"seconds": 3}, tenant_id="t1", user_id="u1"
        )
        victim = await _kill_the_runner(queue, job.id, workers)
        survivor = ({"w1", "w2"} - {victim}).pop()
        done = await queue.wait(job.id, 90)
    finally:
        await queue.close()
    assert done.status == "completed"
    assert done.attempts == 2
    assert done.worker_id == survivor
    assert done.result == {"worker": survivor, "attempt": 2}
    started = sorted(p.name for p in (tmp_path / "markers").iterdir())
    assert started == [f"{job.id}.1.{victim}", f"{job.id}.2.{survivor}"]


async def test_a_killed_job_without_attempts_left_fails_job_abandoned(
    pg: Database,
    make_settings: Callable[..., Settings],
    workers: dict[str, subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    queue = _client(pg, make_settings)
    await queue.start()
    try:
        job = await queue.enqueue(
            module=MODULE, kind="long", payload={"seconds": 3}, tenant_id="t1", user_id="u1", max_attempts=1
        )
        victim = await _kill_the_runner(queue, job.id, workers)
        done = await queue.wait(job.id, 90)
    finally:
        await queue.close()
    assert done.status == "failed"
    assert done.error is not None and done.error.code == "JOB_ABANDONED"
    assert (done.attempts, done.worker_id) == (1, victim)
    assert [p.name for p in (tmp_path / "markers").iterdir()] == [f"{job.id}.1.{victim}"]


async def test_run_worker_in_process_stops_on_its_event(
    pg: Database, make_settings: Callable[..., Settings]
) -> None:
    probe = Probe()
    settings = make_settings(redis_url=REDIS_URL)
    stop = asyncio.Event()
    worker = asyncio.create_task(
        run_worker(
            settings,
            platform="the platform",
            handlers=probe.handlers(),
            worker_id="inproc",
            stop_event=stop,
            db=pg,
            **TIMING,
        )
    )
    client = RedisJobQueue(pg, settings, **TIMING)
    client.set_handlers(probe.handlers())
    try:
        job = await client.enqueue(
            module=MODULE, kind="echo", payload={"text": "hi"}, tenant_id="t1", user_id="u1"
        )
        done = await client.wait(job.id, 30)
        assert (done.status, done.worker_id) == ("completed", "inproc")
    finally:
        stop.set()
        await asyncio.wait_for(worker, 30)
        await client.close()
    assert worker.exception() is None


async def test_run_worker_uses_a_platform_queue_that_already_consumes(
    pg: Database, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(redis_url=REDIS_URL)
    shared = RedisJobQueue(pg, settings, **TIMING)
    shared.set_handlers(Probe().handlers())
    await shared.start(worker=True)
    stop = asyncio.Event()
    platform = SimpleNamespace(jobs=shared)
    task = asyncio.create_task(run_worker(settings, platform=platform, handlers={}, stop_event=stop))
    try:
        job = await shared.enqueue(module=MODULE, kind="echo", payload={}, tenant_id="t1", user_id="u1")
        assert (await shared.wait(job.id, 30)).worker_id == shared.worker_id
        stop.set()
        await asyncio.wait_for(task, 30)
        assert shared.worker_task is not None and not shared.worker_task.done()  # left to its owner
    finally:
        await shared.close()


async def test_run_worker_needs_redis(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(StartupError, match="SCAIGRID_REDIS_URL"):
        await run_worker(make_settings(), platform=None, handlers={})
