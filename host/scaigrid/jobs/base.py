"""``JobQueue``: the job API modules use (``platform.jobs``), whatever executes the jobs.

The base class owns everything that is the same for both executors — the row
written at enqueue, scoped reads, the handler table, the reaper that recovers
jobs whose process died — and leaves two things to subclasses: how a queued row
reaches an executor (``_dispatch``) and how execution starts and stops.
"""

from __future__ import annotations

import abc
import asyncio
import builtins
import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Mapping
from typing import Any

import msgspec

from scaigrid.db import Database, utcnow
from scaigrid.errors import BadRequest, NotFound, ScaigridError, StartupError
from scaigrid.jobs.records import (
    JOB_BAD_PAYLOAD,
    JOB_NOT_FOUND,
    JOB_UNKNOWN_KIND,
    QUEUED,
    JobRecord,
    JobStatus,
)
from scaigrid.jobs.runner import Outcome, Touch, run_claimed
from scaigrid.jobs.store import JobStore, Recovery
from scaigrid.records import JobHandler
from scaigrid.settings import Settings

__all__ = ["JobQueue", "default_worker_id"]

log = logging.getLogger("scaigrid.jobs")


def default_worker_id() -> str:
    """``host:pid:random``: unique per process start, and readable in a row's ``worker_id``."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class JobQueue(abc.ABC):
    """Durable jobs whose rows in the database are the truth.

    ``platform`` is handed to every handler as ``JobContext.platform`` (the host
    sets it to its Platform before :meth:`start`). Timing knobs:
    ``heartbeat_seconds`` is how often a running job touches its row;
    a ``running`` row not touched for ``stale_after_seconds`` is considered
    abandoned; the reaper looks every ``reap_interval_seconds``.
    """

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        platform: Any = None,
        worker_id: str | None = None,
        heartbeat_seconds: float = 5.0,
        stale_after_seconds: float | None = None,
        reap_interval_seconds: float | None = None,
    ) -> None:
        stale_after = 6 * heartbeat_seconds if stale_after_seconds is None else stale_after_seconds
        if heartbeat_seconds <= 0 or stale_after <= heartbeat_seconds:
            raise StartupError(
                f"job heartbeat must be > 0 s and the stale limit longer than it "
                f"(got heartbeat {heartbeat_seconds:g} s, stale after {stale_after:g} s)"
            )
        self.db = db
        self.settings = settings
        self.platform = platform
        self.worker_id = worker_id or default_worker_id()
        self.store = JobStore(db)
        self.heartbeat_seconds = heartbeat_seconds
        self.stale_after_seconds = stale_after
        self.reap_interval_seconds = reap_interval_seconds or max(heartbeat_seconds, stale_after / 3)
        self.handlers: dict[str, JobHandler] = {}
        self._reaper: asyncio.Task[None] | None = None

    # -- handlers ---------------------------------------------------------------

    def set_handlers(self, handlers: Mapping[str, JobHandler]) -> None:
        """Install the handlers, keyed ``"<module>.<kind>"`` (the host builds them from ``scaigrid_jobs``)."""
        for name, handler in handlers.items():
            module, _, kind = name.partition(".")
            if not module or kind != handler.kind:
                raise StartupError(f"job handler key {name!r} must be '<module>.{handler.kind}'")
            if handler.timeout_seconds <= 0:
                raise StartupError(f"job handler {name!r}: timeout_seconds must be > 0")
            if handler.max_attempts is not None and handler.max_attempts < 1:
                raise StartupError(f"job handler {name!r}: max_attempts must be >= 1")
        self.handlers = dict(handlers)

    def handler_for(self, job: JobRecord) -> JobHandler | None:
        return self.handlers.get(job.qualified_kind)

    # -- the API modules use ------------------------------------------------------

    async def enqueue(
        self,
        *,
        module: str,
        kind: str,
        payload: Mapping[str, Any] | msgspec.Struct,
        tenant_id: str,
        user_id: str | None,
        max_attempts: int | None = None,
    ) -> JobRecord:
        """Record a new ``queued`` job for ``<module>.<kind>`` and hand it to the executor.

        ``payload`` is a payload Struct or a JSON-ready mapping. ``max_attempts``
        defaults to the handler's, then to ``settings.job_max_attempts``; it caps
        how often an *abandoned* attempt is re-run (failures are final).
        """
        handler = self.handlers.get(f"{module}.{kind}")
        if handler is None:
            raise ScaigridError(500, JOB_UNKNOWN_KIND, f"no job handler registered for {module}.{kind}")
        if max_attempts is not None and max_attempts < 1:
            raise BadRequest("max_attempts must be >= 1", code="JOB_BAD_MAX_ATTEMPTS")
        attempts_cap = max_attempts or handler.max_attempts or self.settings.job_max_attempts
        record = JobRecord(
            id=str(uuid.uuid4()),
            module=module,
            kind=kind,
            tenant_id=tenant_id,
            user_id=user_id,
            status=QUEUED,
            attempts=0,
            max_attempts=attempts_cap,
            payload=_payload_dict(payload),
            created_at=utcnow(),
        )
        await self.store.insert(record)
        await self._dispatch(record)
        return record

    async def get(
        self, job_id: str, *, tenant_id: str, user_id: str | None = None, module: str | None = None
    ) -> JobRecord:
        """The job, if it belongs to ``tenant_id`` (and ``user_id``/``module`` when given); else 404."""
        record = await self.store.get(job_id, tenant_id=tenant_id, user_id=user_id, module=module)
        if record is None:
            raise NotFound(f"job {job_id} not found", code=JOB_NOT_FOUND)
        return record

    async def list(
        self,
        *,
        tenant_id: str,
        user_id: str | None = None,
        module: str | None = None,
        kind: str | None = None,
        status: JobStatus | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> builtins.list[JobRecord]:
        """A tenant's jobs, newest first; ``limit`` within 1..500."""
        if not 1 <= limit <= 500 or offset < 0:
            raise BadRequest("limit must be within 1..500 and offset >= 0", code="JOB_BAD_PAGE")
        return await self.store.list(
            tenant_id=tenant_id,
            user_id=user_id,
            module=module,
            kind=kind,
            status=status,
            limit=limit,
            offset=offset,
        )

    async def wait(
        self,
        job_id: str,
        timeout: float,  # noqa: ASYNC109 - a deadline for polling the row, not for one awaitable
        *,
        tenant_id: str | None = None,
        user_id: str | None = None,
        module: str | None = None,
        poll_seconds: float = 0.05,
    ) -> JobRecord:
        """Poll until the job is ``completed`` or ``failed`` (a helper for tests and CLIs)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            record = await self.store.get(job_id, tenant_id=tenant_id, user_id=user_id, module=module)
            if record is None:
                raise NotFound(f"job {job_id} not found", code=JOB_NOT_FOUND)
            if record.done:
                return record
            if loop.time() >= deadline:
                raise ScaigridError(
                    504, "JOB_WAIT_TIMEOUT", f"job {job_id} still {record.status} after {timeout:g} s"
                )
            await asyncio.sleep(min(poll_seconds, max(0.0, deadline - loop.time())))

    async def purge_tenant(self, tenant_id: str, *, actor: str, user_id: str | None = None) -> int:
        """Erase a tenant's (or one user's) jobs, payloads and results included; writes an audit row."""
        count = await self.store.purge_tenant(tenant_id, user_id=user_id)
        await self.db.audit(
            None,
            actor=actor,
            action="jobs.purge",
            tenant_id=tenant_id,
            target=user_id,
            details={"deleted": count},
        )
        return count

    # -- lifecycle ------------------------------------------------------------------

    @abc.abstractmethod
    async def start(self, *, worker: bool = False) -> None:
        """Begin recovering (and, where this process executes jobs, running) jobs."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Stop; jobs running here are cancelled and their rows go back to ``queued``."""

    @abc.abstractmethod
    async def _dispatch(self, record: JobRecord) -> None:
        """Make a ``queued`` row known to the executor."""

    # -- execution and recovery shared by the executors ----------------------------

    async def execute(self, record: JobRecord, *, touch: Touch | None = None) -> Outcome:
        """Run a row this process has claimed (``record.worker_id == self.worker_id``)."""
        return await run_claimed(
            self.store,
            record,
            self.handler_for(record),
            platform=self.platform,
            worker_id=self.worker_id,
            heartbeat_seconds=self.heartbeat_seconds,
            touch=touch,
        )

    async def reap_once(self) -> Recovery:
        """Recover ``running`` rows whose process stopped heartbeating; re-dispatch the re-queued ones."""
        cutoff = utcnow() - dt.timedelta(seconds=self.stale_after_seconds)
        recovery = await self.store.recover_stale(cutoff)
        for job_id in recovery.failed:
            log.warning("job %s abandoned with no attempts left: failed JOB_ABANDONED", job_id)
        for record in recovery.requeued:
            log.warning("job %s abandoned on attempt %d: re-queued", record.id, record.attempts)
            await self._dispatch(record)
        return recovery

    def _start_reaper(self) -> None:
        if self._reaper is None:
            self._reaper = asyncio.create_task(self._reap_forever(), name="scaigrid-jobs-reaper")

    async def _stop_reaper(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
            await asyncio.gather(self._reaper, return_exceptions=True)
            self._reaper = None

    async def _reap_forever(self) -> None:
        while True:
            await asyncio.sleep(self.reap_interval_seconds)
            try:
                await self.reap_once()
            except Exception:
                log.exception("job reaper pass failed; retrying in %g s", self.reap_interval_seconds)


def _payload_dict(payload: Mapping[str, Any] | msgspec.Struct) -> dict[str, Any]:
    try:
        value = msgspec.to_builtins(dict(payload) if isinstance(payload, Mapping) else payload)
        msgspec.json.encode(value)
    except (TypeError, ValueError, msgspec.EncodeError) as exc:
        raise BadRequest(f"job payload is not JSON-ready: {exc}", code=JOB_BAD_PAYLOAD) from exc
    if not isinstance(value, dict):
        raise BadRequest("job payload must be an object", code=JOB_BAD_PAYLOAD)
    return value
