"""Durable jobs: rows in the database are the truth; an in-process executor or Redis workers run them.

Modules use ``platform.jobs`` (a :class:`JobQueue`): ``enqueue(...)`` records a
job for one of their registered :class:`~scaigrid.records.JobHandler` kinds,
``get(...)``/``list(...)`` read it back scoped to the caller. A handler receives
a :class:`JobContext`. See ``runner`` for outcomes and the retry policy.
"""

from __future__ import annotations

from scaigrid.jobs.base import JobQueue, default_worker_id
from scaigrid.jobs.context import JobContext
from scaigrid.jobs.embedded import EmbeddedJobQueue
from scaigrid.jobs.factory import create_job_queue
from scaigrid.jobs.records import (
    JOB_ABANDONED,
    JOB_BAD_PAYLOAD,
    JOB_BAD_RESULT,
    JOB_FAILED,
    JOB_NOT_FOUND,
    JOB_TIMEOUT,
    JOB_UNKNOWN_KIND,
    JobFailure,
    JobRecord,
    JobStatus,
)
from scaigrid.jobs.scaled import RedisJobQueue
from scaigrid.jobs.table import jobs as jobs_table

__all__ = [
    "JOB_ABANDONED",
    "JOB_BAD_PAYLOAD",
    "JOB_BAD_RESULT",
    "JOB_FAILED",
    "JOB_NOT_FOUND",
    "JOB_TIMEOUT",
    "JOB_UNKNOWN_KIND",
    "EmbeddedJobQueue",
    "JobContext",
    "JobFailure",
    "JobQueue",
    "JobRecord",
    "JobStatus",
    "RedisJobQueue",
    "create_job_queue",
    "default_worker_id",
    "jobs_table",
]
