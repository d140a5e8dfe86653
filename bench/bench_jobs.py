"""Enqueue → handler-start latency: in-process executor vs the Redis (SAQ) executor vs bare SAQ.

Jobs are sent one at a time (latency, not throughput); the median over ``--jobs``
is printed with the ratios scaled / embedded (what scaling out costs per job)
and scaled / bare SAQ (what keeping the row as the truth costs on top of the
queue library). Both executors use the same database (a temporary SQLite file
unless ``--database-url`` is given) and consume in this process.

    python bench/bench_jobs.py [--jobs 40] [--redis-url redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import redis
from saq import Worker
from saq.queue.redis import RedisQueue
from saq.types import Context
from scaigrid.db import HOST_BRANCH, Database
from scaigrid.jobs import EmbeddedJobQueue, JobContext, JobQueue, RedisJobQueue
from scaigrid.records import JobHandler
from scaigrid.settings import Settings

WARMUP = 3


class Clock:
    """Handler-side stamps of when each job started, and a signal that one did."""

    def __init__(self) -> None:
        self.started: dict[str, float] = {}
        self.arrived = asyncio.Event()

    def stamp(self, key: str) -> None:
        self.started[key] = time.perf_counter()
        self.arrived.set()


async def measure(n: int, clock: Clock, send: Callable[[], Awaitable[str]]) -> list[float]:
    latencies = []
    for i in range(n + WARMUP):
        clock.arrived.clear()
        t0 = time.perf_counter()
        key = await send()
        await asyncio.wait_for(clock.arrived.wait(), 30)
        if i >= WARMUP:
            latencies.append(clock.started[key] - t0)
    return latencies


@contextlib.asynccontextmanager
async def started(queue: JobQueue) -> AsyncIterator[JobQueue]:
    await queue.start(worker=True)
    try:
        yield queue
    finally:
        await queue.close()


async def bench_queue(queue: JobQueue, n: int) -> list[float]:
    clock = Clock()

    async def handler(job: JobContext) -> None:
        clock.stamp(job.job.id)

    queue.set_handlers({"bench.noop": JobHandler(kind="noop", handler=handler)})
    async with started(queue):

        async def send() -> str:
            record = await queue.enqueue(
                module="bench", kind="noop", payload={}, tenant_id="bench", user_id=None
            )
            return record.id

        return await measure(n, clock, send)


async def bench_bare_saq(redis_url: str, name: str, n: int) -> list[float]:
    clock = Clock()

    async def noop(ctx: Context, *, key: str) -> None:
        clock.stamp(key)

    queue = RedisQueue.from_url(redis_url, name=name)
    await queue.connect()
    worker: Worker[Context] = Worker(queue, functions=[("noop", noop)], concurrency=2)
    worker.SIGNALS = []
    task = asyncio.create_task(worker.start())

    async def send() -> str:
        key = uuid.uuid4().hex
        await queue.enqueue("noop", key=key, kwargs={"key": key}, ttl=-1)
        return key

    try:
        return await measure(n, clock, send)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await queue.disconnect()


def ms(values: list[float]) -> str:
    p90 = sorted(values)[int(len(values) * 0.9)]
    return f"{statistics.median(values) * 1000:8.2f} ms (p90 {p90 * 1000:.2f})"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=40)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    prefix = f"bench-jobs-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        db = Database(url)
        await db.upgrade(HOST_BRANCH)
        try:
            base = Settings(data_dir=tmp, redis_prefix=prefix, job_concurrency=2)
            embedded = await bench_queue(EmbeddedJobQueue(db, base), args.jobs)
            scaled_settings = Settings(
                data_dir=tmp, redis_prefix=prefix, redis_url=args.redis_url, job_concurrency=2
            )
            scaled = await bench_queue(RedisJobQueue(db, scaled_settings), args.jobs)
            bare = await bench_bare_saq(args.redis_url, f"{prefix}:bare", args.jobs)
        finally:
            await db.dispose()
            client = redis.Redis.from_url(args.redis_url)
            keys = list(client.scan_iter(match=f"*{prefix}*"))
            if keys:
                client.delete(*keys)
            client.close()

    print(f"enqueue -> start latency, median of {args.jobs} jobs, database {url.split(':', 1)[0]}")
    print(f"  embedded (in-process, rows) {ms(embedded)}")
    print(f"  scaled   (rows + SAQ/Redis) {ms(scaled)}")
    print(f"  bare SAQ (Redis only)       {ms(bare)}")
    print(f"ratio scaled / embedded: {statistics.median(scaled) / statistics.median(embedded):.2f}x")
    print(f"ratio scaled / bare SAQ: {statistics.median(scaled) / statistics.median(bare):.2f}x")


if __name__ == "__main__":
    asyncio.run(main())
