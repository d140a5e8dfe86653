"""Test handlers for the jobs tests (a ``Probe`` records what they did) and small async helpers."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from scaigrid.db import HOST_BRANCH, Database, utcnow
from scaigrid.errors import BadRequest
from scaigrid.jobs import JobContext
from scaigrid.jobs.table import jobs
from scaigrid.records import JobHandler

MODULE = "test"
PG_ADMIN_URL = os.environ.get("SCAIGRID_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("SCAIGRID_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

# Recovery after a kill takes about stale_after_seconds; shorter limits make a live but
# starved worker (2 cores shared by the whole team) look dead under load.
TIMING: dict[str, float] = {
    "heartbeat_seconds": 0.2,
    "stale_after_seconds": 4.0,
    "reap_interval_seconds": 0.3,
}


class Greeting(msgspec.Struct):
    """A typed payload, as modules are meant to send."""

    name: str
    times: int


class Probe:
    """Shared state of the test handlers: calls, live concurrency, and a gate that holds them."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.cancelled = asyncio.Event()
        self.calls: list[str] = []
        self.active = 0
        self.peak = 0

    def handlers(self) -> dict[str, JobHandler]:
        async def echo(job: JobContext) -> dict[str, Any]:
            self.calls.append(job.job.id)
            return {"echo": job.payload.get("text"), "attempt": job.attempt, "tenant": job.job.tenant_id}

        async def typed(job: JobContext) -> Greeting:
            self.calls.append(job.job.id)
            greeting = job.payload_as(Greeting)
            return Greeting(name=greeting.name.upper(), times=greeting.times * 2)

        async def gated(job: JobContext) -> dict[str, Any]:
            self.calls.append(job.job.id)
            self.active += 1
            self.peak = max(self.peak, self.active)
            try:
                if "progress" in job.payload:
                    await job.progress(job.payload["progress"], "half way")
                await self.gate.wait()
            except asyncio.CancelledError:
                self.cancelled.set()
                raise
            finally:
                self.active -= 1
            return {"n": job.payload.get("n")}

        async def rejects(job: JobContext) -> None:
            raise BadRequest("the input is not speech", code="TEST_NOT_SPEECH")

        async def crashes(job: JobContext) -> None:
            raise ValueError("division by zero in the mixer")

        async def slow(job: JobContext) -> None:
            await asyncio.sleep(60)

        async def bad_result(job: JobContext) -> object:
            return object()

        async def bad_progress(job: JobContext) -> None:
            await job.progress(1.5)

        entries = {
            "echo": echo,
            "typed": typed,
            "gated": gated,
            "rejects": rejects,
            "crashes": crashes,
            "bad_result": bad_result,
            "bad_progress": bad_progress,
        }
        table = {f"{MODULE}.{kind}": JobHandler(kind=kind, handler=fn) for kind, fn in entries.items()}
        table[f"{MODULE}.slow"] = JobHandler(kind="slow", handler=slow, timeout_seconds=0.3)
        return table


async def until(
    check: Callable[[], Awaitable[bool]], *, within: float = 30.0, what: str = "condition"
) -> None:
    """Poll ``check`` until true; fail the test (not time it) if it never becomes true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def insert_row(db: Database, **values: Any) -> str:
    """Write a job row directly, as a crashed process would have left it."""
    now = utcnow()
    row: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "module": MODULE,
        "kind": "echo",
        "tenant_id": "t1",
        "user_id": "u1",
        "status": "queued",
        "attempts": 0,
        "max_attempts": 3,
        "payload": {"text": "left over"},
        "progress": 0.0,
        "created_at": now,
    }
    row.update(values)
    async with db.begin() as conn:
        await conn.execute(jobs.insert().values(**row))
    return str(row["id"])


def long_ago(seconds: float = 3600) -> dt.datetime:
    return utcnow() - dt.timedelta(seconds=seconds)


async def open_database(url: str) -> Database:
    """A migrated database with an empty ``jobs`` table."""
    db = Database(url)
    await db.upgrade(HOST_BRANCH)
    async with db.begin() as conn:
        await conn.execute(jobs.delete())
    return db
