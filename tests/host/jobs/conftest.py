"""Fixtures for the durable-jobs tests: migrated SQLite and throwaway PostgreSQL databases, isolated
Redis queue names, and a queue factory parametrised over every executor so one contract runs on all.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import sqlalchemy as sa
from scaigrid.db import Database
from scaigrid.jobs import EmbeddedJobQueue, JobQueue, RedisJobQueue
from scaigrid.records import JobHandler
from scaigrid.settings import Settings

from tests.host.jobs.jobs_kit import PG_ADMIN_URL, REDIS_URL, TIMING, open_database


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


async def _pg_admin(statement: str) -> None:
    import asyncpg

    url = sa.make_url(PG_ADMIN_URL)
    conn = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username or "postgres", database=url.database
    )
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL database created for this test session and dropped after it."""
    name = f"sgjobs_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield (
            sa.make_url(PG_ADMIN_URL)
            .set(drivername="postgresql+asyncpg", database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A Redis prefix (hence SAQ queue name) of this test only; its keys are deleted afterwards."""
    prefix = f"sgjobs-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=f"*{prefix}*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def _url_for(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'jobs.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.scaled)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return _url_for(str(request.param), request, tmp_path)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = await open_database(database_url)
    yield db
    await db.dispose()


@pytest.fixture
def make_settings(tmp_path: Path, redis_prefix: str) -> Callable[..., Settings]:
    def factory(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": str(tmp_path / "data"),
            "redis_prefix": redis_prefix,
            "job_concurrency": 2,
            "job_max_attempts": 3,
            **overrides,
        }
        return Settings(**values)

    return factory


EXECUTORS = [
    "embedded-sqlite",
    pytest.param("embedded-postgres", marks=pytest.mark.scaled),
    pytest.param("redis-postgres", marks=pytest.mark.scaled),
]


@pytest.fixture(params=EXECUTORS)
def executor(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """``(executor, database url)`` for the contract every executor must honour."""
    name, db_kind = str(request.param).split("-")
    return name, _url_for(db_kind, request, tmp_path)


@pytest.fixture
async def contract_db(executor: tuple[str, str]) -> AsyncIterator[Database]:
    db = await open_database(executor[1])
    yield db
    await db.dispose()


@pytest.fixture
async def make_queue(
    executor: tuple[str, str], contract_db: Database, make_settings: Callable[..., Settings]
) -> AsyncIterator[Callable[..., JobQueue]]:
    """``make_queue(handlers, **settings)`` → an unstarted queue of this executor on ``contract_db``.

    Start it with ``await queue.start(worker=True)``: the Redis queue then also
    consumes in-process, the embedded one always does. Queues close before the database.
    """
    queues: list[JobQueue] = []

    def factory(handlers: dict[str, JobHandler], **overrides: Any) -> JobQueue:
        queue: JobQueue
        db = contract_db
        if executor[0] == "redis":
            queue = RedisJobQueue(db, make_settings(redis_url=REDIS_URL, **overrides), **TIMING)
        else:
            queue = EmbeddedJobQueue(db, make_settings(**overrides), poll_seconds=0.2, **TIMING)
        queue.set_handlers(handlers)
        queues.append(queue)
        return queue

    yield factory
    for queue in reversed(queues):
        await queue.close()
