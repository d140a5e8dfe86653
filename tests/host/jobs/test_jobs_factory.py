"""``create_job_queue`` (scaigrid/jobs/factory.py): the settings alone pick the executor."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from scaigrid.db import Database
from scaigrid.errors import StartupError
from scaigrid.jobs import EmbeddedJobQueue, RedisJobQueue, create_job_queue
from scaigrid.settings import Settings

pytestmark = pytest.mark.anyio


async def test_empty_redis_url_means_in_process(make_settings: Callable[..., Settings]) -> None:
    db = Database("sqlite+aiosqlite:///:memory:")
    try:
        queue = create_job_queue(make_settings(), db, poll_seconds=0.5)
        assert isinstance(queue, EmbeddedJobQueue)
        assert queue.poll_seconds == 0.5
    finally:
        await db.dispose()


async def test_redis_url_means_the_redis_queue_named_after_the_prefix(
    make_settings: Callable[..., Settings], redis_prefix: str
) -> None:
    db = Database("sqlite+aiosqlite:///:memory:")
    try:
        queue = create_job_queue(make_settings(redis_url="redis://127.0.0.1:6379/0"), db)
        assert isinstance(queue, RedisJobQueue)
        assert queue.queue_name == f"{redis_prefix}:jobs"
        named = create_job_queue(make_settings(redis_url="redis://127.0.0.1:6379/0"), db, queue_name="other")
        assert isinstance(named, RedisJobQueue) and named.queue_name == "other"
    finally:
        await db.dispose()


async def test_bad_timing_fails_at_start_up(make_settings: Callable[..., Settings]) -> None:
    db = Database("sqlite+aiosqlite:///:memory:")
    try:
        with pytest.raises(StartupError, match="stale limit"):
            create_job_queue(make_settings(), db, heartbeat_seconds=5, stale_after_seconds=5)
        with pytest.raises(StartupError, match="SCAIGRID_REDIS_URL"):
            RedisJobQueue(db, make_settings())
    finally:
        await db.dispose()
