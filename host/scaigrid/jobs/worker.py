"""``run_worker``: the body of a ``scaigrid worker`` process — consume the Redis job queue until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Mapping
from typing import Any

from scaigrid.db import Database
from scaigrid.errors import ServiceUnavailable, StartupError
from scaigrid.jobs.scaled import RedisJobQueue
from scaigrid.records import JobHandler
from scaigrid.settings import Settings

__all__ = ["run_worker"]

log = logging.getLogger("scaigrid.jobs")


async def run_worker(
    settings: Settings,
    *,
    platform: Any,
    handlers: Mapping[str, JobHandler],
    worker_id: str | None = None,
    stop_event: asyncio.Event | None = None,
    db: Database | None = None,
    queue_name: str | None = None,
    heartbeat_seconds: float = 5.0,
    stale_after_seconds: float | None = None,
    reap_interval_seconds: float | None = None,
) -> None:
    """Run jobs announced on the Redis queue, ``settings.job_concurrency`` at a time, until stopped.

    ``handlers`` is keyed ``"<module>.<kind>"``; ``platform`` is passed to every
    handler. Pass ``db`` to share an engine (e.g. ``platform.db``), otherwise one
    is created from ``settings`` and disposed at the end; the schema must already
    be migrated. Without ``stop_event``, SIGINT/SIGTERM stop the worker. On stop,
    running jobs are cancelled and their rows go back to ``queued`` for another
    worker. The process also runs the reaper, like every process with a queue.

    When ``platform.jobs`` is a Redis queue already consuming (the host called
    ``Platform.start(worker=True)``), that queue is the worker: this waits on it
    and leaves closing it to the platform.
    """
    if not settings.redis_url:
        raise StartupError(
            "scaigrid worker needs SCAIGRID_REDIS_URL; without Redis, jobs run inside `scaigrid serve`"
        )
    shared = getattr(platform, "jobs", None)
    if isinstance(shared, RedisJobQueue) and shared.worker_task is not None:
        # The platform already consumes (Platform.start(worker=True)): wait on it,
        # its owner closes it; a second consumer here would double the concurrency.
        await _serve(shared, stop_event)
        return
    database = db or Database(settings.resolved_database_url)
    queue = RedisJobQueue(
        database,
        settings,
        platform=platform,
        worker_id=worker_id,
        queue_name=queue_name,
        heartbeat_seconds=heartbeat_seconds,
        stale_after_seconds=stale_after_seconds,
        reap_interval_seconds=reap_interval_seconds,
    )
    queue.set_handlers(handlers)
    try:
        await queue.start(worker=True)
        await _serve(queue, stop_event)
    finally:
        await queue.close()
        if db is None:
            await database.dispose()


async def _serve(queue: RedisJobQueue, stop_event: asyncio.Event | None) -> None:
    """Wait for the stop event (or SIGINT/SIGTERM), or for the consumer to die."""
    engine = queue.worker_task
    assert engine is not None
    log.info("worker %s consuming %s (%d at a time)", queue.worker_id, queue.queue_name, queue.concurrency)
    stop = stop_event or asyncio.Event()
    restore = _stop_on_signals(stop) if stop_event is None else _nothing
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({stopped, engine}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
        restore()
    if engine.done() and not stop.is_set():
        cause = None if engine.cancelled() else engine.exception()
        raise ServiceUnavailable(
            f"job worker {queue.worker_id} stopped unexpectedly: {cause!r}", code="JOB_WORKER_STOPPED"
        ) from cause


def _nothing() -> None:
    return None


def _stop_on_signals(stop: asyncio.Event) -> Callable[[], None]:
    if threading.current_thread() is not threading.main_thread():
        return _nothing
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for signum in signals:
        loop.add_signal_handler(signum, stop.set)

    def restore() -> None:
        for signum in signals:
            with contextlib.suppress(Exception):
                loop.remove_signal_handler(signum)

    return restore
