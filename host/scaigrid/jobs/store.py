"""Every SQL statement on the ``jobs`` table, shared by both executors and the worker.

Ownership of a running row is fenced: a worker may only heartbeat, progress or
finish a row that is still ``running`` under its ``worker_id`` and the attempt
number it claimed. A worker the reaper gave up on therefore cannot overwrite
the outcome of the attempt that replaced it.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Collection
from typing import Any, NamedTuple

import sqlalchemy as sa

from scaigrid.db import Database, utcnow
from scaigrid.jobs.records import (
    COMPLETED,
    FAILED,
    JOB_ABANDONED,
    QUEUED,
    RUNNING,
    JobFailure,
    JobRecord,
    JobStatus,
    record_from_row,
)
from scaigrid.jobs.table import jobs

__all__ = ["JobStore", "Recovery"]


class Recovery(NamedTuple):
    """What one pass over stale ``running`` rows did: the re-queued records and the failed ids."""

    requeued: list[JobRecord]
    failed: list[str]


class JobStore:
    """Thin, typed access to the ``jobs`` table on a :class:`~scaigrid.db.Database`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- reads ----------------------------------------------------------------

    async def insert(self, record: JobRecord) -> None:
        values: dict[str, Any] = {
            "id": record.id,
            "module": record.module,
            "kind": record.kind,
            "tenant_id": record.tenant_id,
            "user_id": record.user_id,
            "status": record.status,
            "attempts": record.attempts,
            "max_attempts": record.max_attempts,
            "payload": record.payload,
            "progress": record.progress,
            "created_at": record.created_at,
        }
        async with self.db.begin() as conn:
            await conn.execute(jobs.insert().values(**values))

    async def get(
        self,
        job_id: str,
        *,
        tenant_id: str | None = None,
        user_id: str | None = None,
        module: str | None = None,
    ) -> JobRecord | None:
        """One row, scoped in the WHERE clause; ``None`` when absent or outside the scope."""
        stmt = sa.select(jobs).where(jobs.c.id == job_id)
        if tenant_id is not None:
            stmt = stmt.where(jobs.c.tenant_id == tenant_id)
        if user_id is not None:
            stmt = stmt.where(jobs.c.user_id == user_id)
        if module is not None:
            stmt = stmt.where(jobs.c.module == module)
        async with self.db.connect() as conn:
            row = (await conn.execute(stmt)).mappings().first()
        return record_from_row(row) if row is not None else None

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
        """A tenant's jobs, newest first, optionally narrowed to one user, module, kind, status."""
        stmt = sa.select(jobs).where(jobs.c.tenant_id == tenant_id)
        for column, value in (
            (jobs.c.user_id, user_id),
            (jobs.c.module, module),
            (jobs.c.kind, kind),
            (jobs.c.status, status),
        ):
            if value is not None:
                stmt = stmt.where(column == value)
        stmt = stmt.order_by(jobs.c.created_at.desc(), jobs.c.id).limit(limit).offset(offset)
        async with self.db.connect() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [record_from_row(row) for row in rows]

    async def queued_ids(self, kinds: Collection[tuple[str, str]], *, limit: int) -> builtins.list[str]:
        """Oldest queued ids whose ``(module, kind)`` is in ``kinds`` (the ones this process can run)."""
        if not kinds:
            return []
        known = sa.or_(*(sa.and_(jobs.c.module == m, jobs.c.kind == k) for m, k in sorted(kinds)))
        stmt = (
            sa.select(jobs.c.id)
            .where(jobs.c.status == QUEUED, known)
            .order_by(jobs.c.created_at, jobs.c.id)
            .limit(limit)
        )
        async with self.db.connect() as conn:
            return [str(v) for v in (await conn.execute(stmt)).scalars().all()]

    async def queued_before(self, cutoff: dt.datetime, *, limit: int) -> builtins.list[JobRecord]:
        """Queued rows created before ``cutoff`` (the scaled reaper re-announces these)."""
        stmt = (
            sa.select(jobs)
            .where(jobs.c.status == QUEUED, jobs.c.created_at < cutoff)
            .order_by(jobs.c.created_at, jobs.c.id)
            .limit(limit)
        )
        async with self.db.connect() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [record_from_row(row) for row in rows]

    # -- ownership --------------------------------------------------------------

    async def claim(self, job_id: str, worker_id: str) -> JobRecord | None:
        """Atomically move one row ``queued`` → ``running`` for ``worker_id``; ``None`` if someone else won.

        The ``status = 'queued'`` condition is evaluated under the row lock by the
        UPDATE itself, so of two processes claiming the same row exactly one
        gets it back from RETURNING.
        """
        now = utcnow()
        stmt = (
            sa.update(jobs)
            .where(jobs.c.id == job_id, jobs.c.status == QUEUED)
            .values(
                status=RUNNING,
                attempts=jobs.c.attempts + 1,
                started_at=now,
                heartbeat_at=now,
                finished_at=None,
                worker_id=worker_id,
            )
            .returning(*jobs.c)
        )
        async with self.db.begin() as conn:
            row = (await conn.execute(stmt)).mappings().first()
        return record_from_row(row) if row is not None else None

    @staticmethod
    def _owned(job_id: str, worker_id: str, attempt: int) -> sa.ColumnElement[bool]:
        return sa.and_(
            jobs.c.id == job_id,
            jobs.c.status == RUNNING,
            jobs.c.worker_id == worker_id,
            jobs.c.attempts == attempt,
        )

    async def _update_owned(self, job_id: str, worker_id: str, attempt: int, values: dict[str, Any]) -> bool:
        stmt = sa.update(jobs).where(self._owned(job_id, worker_id, attempt)).values(**values)
        async with self.db.begin() as conn:
            result = await conn.execute(stmt)
        return bool(result.rowcount == 1)

    async def heartbeat(
        self,
        job_id: str,
        worker_id: str,
        attempt: int,
        *,
        progress: tuple[float, str | None] | None = None,
    ) -> bool:
        """Touch ``heartbeat_at`` (and write progress); ``False`` means the row is no longer ours."""
        values: dict[str, Any] = {"heartbeat_at": utcnow()}
        if progress is not None:
            values["progress"], values["progress_message"] = progress
        return await self._update_owned(job_id, worker_id, attempt, values)

    async def complete(self, job_id: str, worker_id: str, attempt: int, result: Any) -> bool:
        now = utcnow()
        values: dict[str, Any] = {
            "status": COMPLETED,
            "result": result,
            "error": None,
            "progress": 1.0,
            "finished_at": now,
            "heartbeat_at": now,
        }
        return await self._update_owned(job_id, worker_id, attempt, values)

    async def fail(
        self,
        job_id: str,
        worker_id: str,
        attempt: int,
        failure: JobFailure,
        *,
        progress: tuple[float, str | None] | None = None,
    ) -> bool:
        now = utcnow()
        values: dict[str, Any] = {
            "status": FAILED,
            "error": {"code": failure.code, "message": failure.message},
            "finished_at": now,
            "heartbeat_at": now,
        }
        if progress is not None:
            values["progress"], values["progress_message"] = progress
        return await self._update_owned(job_id, worker_id, attempt, values)

    async def release(self, job_id: str, worker_id: str, attempt: int) -> bool:
        """Give a row back to the queue after a graceful shutdown, without spending the attempt."""
        values: dict[str, Any] = {
            "status": QUEUED,
            "attempts": jobs.c.attempts - 1,
            "worker_id": None,
            "started_at": None,
            "heartbeat_at": None,
        }
        return await self._update_owned(job_id, worker_id, attempt, values)

    # -- recovery ---------------------------------------------------------------

    async def recover_stale(self, cutoff: dt.datetime) -> Recovery:
        """Re-queue ``running`` rows whose last heartbeat is older than ``cutoff``, or fail them.

        A row with attempts left goes back to ``queued`` (keeping the abandonment
        in ``error`` for the record); one without fails with ``JOB_ABANDONED``.
        Both are single conditional UPDATEs, so reapers in several processes
        never handle the same row twice.
        """
        last_seen = sa.func.coalesce(jobs.c.heartbeat_at, jobs.c.started_at, jobs.c.created_at)
        stale = sa.and_(jobs.c.status == RUNNING, last_seen < cutoff)
        now = utcnow()
        exhausted = {
            "code": JOB_ABANDONED,
            "message": "the worker running the job stopped heartbeating and no attempts are left",
        }
        retried = {
            "code": JOB_ABANDONED,
            "message": "the worker running the previous attempt stopped heartbeating; re-queued",
        }
        async with self.db.begin() as conn:
            failed = (
                (
                    await conn.execute(
                        sa.update(jobs)
                        .where(stale, jobs.c.attempts >= jobs.c.max_attempts)
                        .values(status=FAILED, error=exhausted, finished_at=now)
                        .returning(jobs.c.id)
                    )
                )
                .scalars()
                .all()
            )
            requeued = (
                (
                    await conn.execute(
                        sa.update(jobs)
                        .where(stale, jobs.c.attempts < jobs.c.max_attempts)
                        .values(
                            status=QUEUED, error=retried, worker_id=None, started_at=None, heartbeat_at=None
                        )
                        .returning(*jobs.c)
                    )
                )
                .mappings()
                .all()
            )
        return Recovery([record_from_row(row) for row in requeued], [str(v) for v in failed])

    async def purge_tenant(self, tenant_id: str, *, user_id: str | None = None) -> int:
        """Delete a tenant's (or one of its users') job rows; returns how many went."""
        stmt = sa.delete(jobs).where(jobs.c.tenant_id == tenant_id)
        if user_id is not None:
            stmt = stmt.where(jobs.c.user_id == user_id)
        async with self.db.begin() as conn:
            result = await conn.execute(stmt)
        return int(result.rowcount)
