"""The default executor: jobs run as asyncio tasks inside the host process, straight from the rows.

Nothing but the database is involved, so a restart loses nothing: rows still
``queued`` are picked up again, rows left ``running`` by a crash are recovered by
the reaper once their heartbeat is stale (at start and periodically after).
Several processes may share one database: claims are atomic, so each row runs
in one of them only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from scaigrid.db import Database
from scaigrid.jobs.base import JobQueue
from scaigrid.jobs.records import JobRecord
from scaigrid.settings import Settings

__all__ = ["EmbeddedJobQueue"]

log = logging.getLogger("scaigrid.jobs")


class EmbeddedJobQueue(JobQueue):
    """In-process executor running at most ``settings.job_concurrency`` jobs at a time.

    A local :meth:`enqueue` wakes the dispatcher at once; rows written by other
    processes (or re-queued by a reaper elsewhere) are found by polling every
    ``poll_seconds``.
    """

    def __init__(self, db: Database, settings: Settings, *, poll_seconds: float = 1.0, **kwargs: Any) -> None:
        super().__init__(db, settings, **kwargs)
        self.concurrency = settings.job_concurrency
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(self.concurrency)
        self._running: set[asyncio.Task[None]] = set()
        self._dispatcher: asyncio.Task[None] | None = None

    async def start(self, *, worker: bool = False) -> None:
        """Recover stale rows, then start dispatching.

        ``worker`` is accepted for symmetry with the Redis queue: this one always executes.
        """
        if self._dispatcher is not None:
            return
        await self.reap_once()
        self._dispatcher = asyncio.create_task(self._dispatch_forever(), name="scaigrid-jobs-dispatcher")
        self._start_reaper()

    async def close(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            await asyncio.gather(self._dispatcher, return_exceptions=True)
            self._dispatcher = None
        await self._stop_reaper()
        running = list(self._running)
        for task in running:
            task.cancel()  # the runner releases each row back to ``queued``
        await asyncio.gather(*running, return_exceptions=True)

    async def _dispatch(self, record: JobRecord) -> None:
        self._wake.set()

    async def _dispatch_forever(self) -> None:
        while True:
            await self._slots.acquire()
            # Clear before looking, so an enqueue racing with an empty scan still wakes us.
            self._wake.clear()
            try:
                record = await self._claim_next()
            except Exception:
                log.exception("claiming the next job failed; retrying in %g s", self.poll_seconds)
                record = None
            if record is None:
                self._slots.release()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
                continue
            task = asyncio.create_task(self._run(record), name=f"scaigrid-job-{record.id}")
            self._running.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._slots.release()

    async def _claim_next(self) -> JobRecord | None:
        kinds = {(module, kind) for module, _, kind in (name.partition(".") for name in self.handlers)}
        candidates = await self.store.queued_ids(kinds, limit=self.concurrency + 4)
        for job_id in candidates:
            record = await self.store.claim(job_id, self.worker_id)
            if record is not None:
                return record
        return None

    async def _run(self, record: JobRecord) -> None:
        try:
            outcome = await self.execute(record)
            log.info("job %s (%s) attempt %d: %s", record.id, record.qualified_kind, record.attempts, outcome)
        except asyncio.CancelledError:
            raise
        except Exception:
            # The row stays ``running`` without heartbeats; the reaper recovers it.
            log.exception("recording the outcome of job %s failed", record.id)
