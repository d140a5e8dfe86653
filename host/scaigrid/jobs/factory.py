"""``create_job_queue``: the one place the deployment mode picks the job executor."""

from __future__ import annotations

from typing import Any

from scaigrid.db import Database
from scaigrid.jobs.base import JobQueue
from scaigrid.jobs.embedded import EmbeddedJobQueue
from scaigrid.jobs.scaled import RedisJobQueue
from scaigrid.settings import Settings

__all__ = ["create_job_queue"]


def create_job_queue(settings: Settings, db: Database, **options: Any) -> JobQueue:
    """In-process executor when ``settings.redis_url`` is empty, else the Redis queue.

    ``options`` go to the executor's constructor (``platform``, ``worker_id``,
    ``heartbeat_seconds``, ``stale_after_seconds``, ``reap_interval_seconds``;
    ``poll_seconds`` for the in-process one, ``queue_name`` for the Redis one).
    """
    if settings.redis_url:
        return RedisJobQueue(db, settings, **options)
    return EmbeddedJobQueue(db, settings, **options)
