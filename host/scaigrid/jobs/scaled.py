"""The scaled executor: job ids travel through Redis to ``scaigrid worker`` processes; rows stay the truth.

The queue engine is SAQ (the library litestar-saq wraps). Why SAQ:

- asyncio-native: a handler is a coroutine running on the worker's event loop,
  next to the platform it uses, exactly as in the in-process executor;
- its jobs carry heartbeats and every worker periodically sweeps stuck ones, so
  the engine's own bookkeeping heals after a worker is killed;
- Redis and PostgreSQL backends behind one ``Queue`` API, so the transport can
  move without touching this file's contract.

SAQ only transports "run job <id>". A worker claims the row (``queued`` →
``running``, attempts + 1) before running anything, heartbeats the row while
running and writes the outcome to it, so the engine is never the record. What
the engine cannot know — a row whose worker died, a row whose announcement was
lost — the reaper in every process finds in the database: stale ``running``
rows are re-queued (or failed ``JOB_ABANDONED``) and announced again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
from typing import Any

from saq import Job as SaqJob
from saq import Worker
from saq.queue.redis import RedisQueue
from saq.types import Context, TimersDict

from scaigrid.db import Database, utcnow
from scaigrid.errors import StartupError
from scaigrid.jobs.base import JobQueue
from scaigrid.jobs.records import JobRecord
from scaigrid.jobs.runner import Outcome
from scaigrid.jobs.store import Recovery
from scaigrid.settings import Settings

__all__ = ["SAQ_FUNCTION", "RedisJobQueue"]

log = logging.getLogger("scaigrid.jobs")

SAQ_FUNCTION = "scaigrid.run_job"
_REANNOUNCE_BATCH = 200


class RedisJobQueue(JobQueue):
    """Jobs announced on a SAQ Redis queue and run by worker processes.

    Every process that builds one runs the reaper once :meth:`start`\\ ed;
    ``start(worker=True)`` also consumes the queue here (``settings.job_concurrency``
    jobs at a time), which is what :func:`scaigrid.jobs.worker.run_worker` does.
    The SAQ queue is ``"<settings.redis_prefix>:jobs"`` unless ``queue_name`` says
    otherwise, so deployments (and parallel test sessions) can share one Redis.
    """

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        queue_name: str | None = None,
        redis_url: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(db, settings, **kwargs)
        self.redis_url = redis_url or settings.redis_url
        if not self.redis_url:
            raise StartupError("the Redis job queue needs SCAIGRID_REDIS_URL (empty means in-process jobs)")
        self.queue_name = queue_name or f"{settings.redis_prefix}:jobs"
        self.concurrency = settings.job_concurrency
        self._saq: RedisQueue | None = None
        self._connect_lock = asyncio.Lock()
        self._worker: Worker[Context] | None = None
        self._worker_task: asyncio.Task[None] | None = None

    # -- lifecycle ----------------------------------------------------------------

    async def start(self, *, worker: bool = False) -> None:
        queue = await self._connection()
        if self._reaper is None:
            await self.reap_once()
            self._start_reaper()
        if worker and self._worker is None:
            # SAQ's defaults except the sweep of stuck announcements, paced like our staleness.
            timers: TimersDict = {
                "schedule": 1,
                "worker_info": 10,
                "sweep": max(1, math.ceil(self.stale_after_seconds)),
                "abort": 1,
            }
            engine: Worker[Context] = Worker(
                queue,
                functions=[(SAQ_FUNCTION, self._run_announced)],
                id=self.worker_id,
                concurrency=self.concurrency,
                timers=timers,
                cancellation_hard_deadline_s=10.0,
            )
            engine.SIGNALS = []  # signals belong to whoever runs the process (CLI, tests)
            self._worker = engine
            self._worker_task = asyncio.create_task(engine.start(), name="scaigrid-jobs-worker")

    async def close(self) -> None:
        if self._worker_task is not None:
            # Cancelling start() makes SAQ stop: running jobs are cancelled, the
            # runner releases their rows, SAQ re-queues their announcements.
            self._worker_task.cancel()
            await asyncio.gather(self._worker_task, return_exceptions=True)
            self._worker_task = None
            self._worker = None
        await self._stop_reaper()
        if self._saq is not None:
            queue, self._saq = self._saq, None
            try:
                await queue.disconnect()
            except Exception:  # Redis gone: nothing left to tell it, and close must not fail
                log.warning("disconnecting from the Redis job queue failed", exc_info=True)

    @property
    def worker_task(self) -> asyncio.Task[None] | None:
        """The consuming task when started with ``worker=True`` (ends only on close or a crash)."""
        return self._worker_task

    async def _connection(self) -> RedisQueue:
        async with self._connect_lock:
            if self._saq is None:
                queue = RedisQueue.from_url(self.redis_url, name=self.queue_name)
                await queue.connect()
                self._saq = queue
            return self._saq

    # -- announcing rows ----------------------------------------------------------------

    async def _dispatch(self, record: JobRecord) -> None:
        """Announce a queued row; a failure is logged, the reaper announces the row again later."""
        # The key names the attempt: re-queueing after an abandoned attempt must
        # not be swallowed by SAQ's de-duplication of the dead attempt's entry,
        # while announcing the same attempt twice is a no-op.
        announcement = SaqJob(
            function=SAQ_FUNCTION,
            kwargs={"job_id": record.id},
            key=f"{record.id}:{record.attempts}",
            timeout=0,  # the runner enforces JobHandler.timeout_seconds
            heartbeat=max(1, math.ceil(self.stale_after_seconds)),
            retries=1,  # retry decisions are the reaper's, made from the row
            ttl=-1,  # outcomes live in the row; drop the engine's copy when done
        )
        try:
            queue = await self._connection()
            await queue.enqueue(announcement)
        except Exception:
            log.warning("announcing job %s on Redis failed; the reaper will retry", record.id, exc_info=True)

    async def reap_once(self) -> Recovery:
        recovery = await super().reap_once()
        try:
            await self._reannounce()
        except Exception:
            log.warning("re-announcing queued jobs failed", exc_info=True)
        return recovery

    async def _reannounce(self) -> None:
        """Announce old ``queued`` rows again when the engine has nothing queued.

        An empty engine queue next to old queued rows means their announcement
        was lost (a crash between the INSERT and the announcement, a flushed
        Redis). Announcing an attempt SAQ still knows is a no-op.
        """
        queue = await self._connection()
        if await queue.count("queued") > 0:
            return
        cutoff = utcnow() - dt.timedelta(seconds=self.stale_after_seconds)
        for record in await self.store.queued_before(cutoff, limit=_REANNOUNCE_BATCH):
            await self._dispatch(record)

    # -- running announced rows (worker side) ----------------------------------------------

    async def _run_announced(self, ctx: Context, *, job_id: str) -> Outcome | None:
        record = await self.store.claim(job_id, self.worker_id)
        if record is None:
            return None  # another worker has it, or it already finished: nothing to do
        announcement = ctx.get("job")
        touch = announcement.update if announcement is not None else None
        return await self.execute(record, touch=touch)
