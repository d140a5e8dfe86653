"""Runs one claimed job: the handler under its timeout, a heartbeat beside it, then the outcome in the row.

Shared by the in-process executor and the ``scaigrid worker`` processes, so both
map outcomes the same way:

- the handler returns → ``completed`` with the JSON-ready result;
- it raises a :class:`~scaigrid.errors.ScaigridError` → ``failed`` with that code and message;
- it raises anything else → ``failed`` with ``JOB_FAILED``;
- it outlives ``JobHandler.timeout_seconds`` → ``failed`` with ``JOB_TIMEOUT``.

Retry policy: none of these is retried automatically — a handler that fails
has told us something about its input, and running it again would usually fail
the same way (and spend the CPU twice). Only *abandonment* is retried: when the
process running an attempt dies or stops heartbeating, the reaper re-queues the
row while attempts remain, and fails it ``JOB_ABANDONED`` after that.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Literal

import msgspec

from scaigrid.errors import ScaigridError
from scaigrid.jobs.context import JobContext
from scaigrid.jobs.records import (
    JOB_BAD_RESULT,
    JOB_FAILED,
    JOB_TIMEOUT,
    JOB_UNKNOWN_KIND,
    JobFailure,
    JobRecord,
)
from scaigrid.jobs.store import JobStore
from scaigrid.records import JobHandler

__all__ = ["Outcome", "run_claimed"]

log = logging.getLogger("scaigrid.jobs")

Outcome = Literal["completed", "failed", "lost"]
"""``lost``: the row stopped being ours mid-run (the reaper re-queued it); nothing was written."""

Touch = Callable[[], Awaitable[None]]


async def run_claimed(
    store: JobStore,
    job: JobRecord,
    handler: JobHandler | None,
    *,
    platform: Any,
    worker_id: str,
    heartbeat_seconds: float,
    touch: Touch | None = None,
) -> Outcome:
    """Run ``job`` (already claimed by ``worker_id``) to its outcome and record it.

    ``touch`` is called after every successful heartbeat (the Redis executor
    uses it to keep the queue engine's own view of the job alive). When this
    coroutine is cancelled (shutdown), the handler is cancelled and the row is
    released back to ``queued`` without spending the attempt.
    """
    if handler is None:
        missing = JobFailure(
            code=JOB_UNKNOWN_KIND, message=f"no handler for {job.qualified_kind} in {worker_id}"
        )
        return "failed" if await store.fail(job.id, worker_id, job.attempts, missing) else "lost"

    lost = asyncio.Event()
    ctx = JobContext(job, platform=platform, store=store, worker_id=worker_id, on_lost=lost.set)
    work = asyncio.create_task(_call(handler, ctx), name=f"scaigrid-job-{job.id}")
    beat = asyncio.create_task(_heartbeat(ctx, heartbeat_seconds, lost, touch))
    lost_wait = asyncio.create_task(lost.wait())
    try:
        await asyncio.wait({work, lost_wait}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        await _stop(work, beat, lost_wait)
        released = await asyncio.shield(store.release(job.id, worker_id, job.attempts))
        log.info("job %s released on shutdown (row %s)", job.id, "re-queued" if released else "already gone")
        raise
    await _stop(beat, lost_wait)

    if not work.done():
        await _stop(work)
        log.warning("job %s attempt %d: %s lost its claim; result discarded", job.id, job.attempts, worker_id)
        return "lost"
    failure: JobFailure | None
    if work.cancelled():
        result, failure = None, JobFailure(code=JOB_FAILED, message="the handler was cancelled")
    else:
        result, failure = work.result()

    if failure is None:
        written = await store.complete(job.id, worker_id, job.attempts, result)
        outcome: Outcome = "completed"
    else:
        written = await store.fail(job.id, worker_id, job.attempts, failure, progress=ctx.take_pending())
        outcome = "failed"
    if not written:
        log.warning(
            "job %s attempt %d finished after losing its claim; outcome discarded", job.id, job.attempts
        )
        return "lost"
    return outcome


async def _call(handler: JobHandler, ctx: JobContext) -> tuple[Any, JobFailure | None]:
    scope = asyncio.timeout(handler.timeout_seconds)
    try:
        async with scope:
            value = await handler.handler(ctx)
    except TimeoutError as exc:
        if scope.expired():
            return None, JobFailure(
                code=JOB_TIMEOUT,
                message=f"the job ran longer than its timeout of {handler.timeout_seconds:g} s",
            )
        return None, _unexpected(ctx, exc)
    except ScaigridError as exc:
        return None, JobFailure(code=exc.code, message=exc.message)
    except Exception as exc:
        return None, _unexpected(ctx, exc)
    try:
        result = msgspec.to_builtins(value)
        msgspec.json.encode(result)
    except (TypeError, ValueError, msgspec.EncodeError) as exc:
        return None, JobFailure(code=JOB_BAD_RESULT, message=f"the job's result is not JSON-ready: {exc}")
    return result, None


def _unexpected(ctx: JobContext, exc: BaseException) -> JobFailure:
    log.error("job %s (%s) failed", ctx.job.id, ctx.job.qualified_kind, exc_info=exc)
    return JobFailure(code=JOB_FAILED, message=f"{type(exc).__name__}: {exc}")


async def _heartbeat(ctx: JobContext, interval: float, lost: asyncio.Event, touch: Touch | None) -> None:
    job = ctx.job
    while True:
        await asyncio.sleep(interval)
        try:
            ours = await ctx.heartbeat()
        except Exception:
            # A database blip: keep trying. If it lasts past the stale limit the
            # reaper re-queues the row, and the fenced writes make us step aside.
            log.warning("heartbeat for job %s failed", job.id, exc_info=True)
            continue
        if not ours:
            lost.set()
            return
        if touch is not None:
            try:
                await touch()
            except Exception:
                log.warning("queue-engine heartbeat for job %s failed", job.id, exc_info=True)


async def _stop(*tasks: asyncio.Task[Any]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
