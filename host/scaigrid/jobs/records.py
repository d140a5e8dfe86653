"""What a job looks like outside the database: the ``JobRecord`` mirror of a row, and the job error codes.

Records are ``msgspec.Struct``s so route handlers can return them as they are
and workers can ship them across processes without a second schema.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final, Literal

import msgspec

__all__ = [
    "COMPLETED",
    "FAILED",
    "JOB_ABANDONED",
    "JOB_BAD_PAYLOAD",
    "JOB_BAD_RESULT",
    "JOB_FAILED",
    "JOB_NOT_FOUND",
    "JOB_TIMEOUT",
    "JOB_UNKNOWN_KIND",
    "QUEUED",
    "RUNNING",
    "TERMINAL",
    "JobFailure",
    "JobRecord",
    "JobStatus",
    "record_from_row",
]

JobStatus = Literal["queued", "running", "completed", "failed"]
QUEUED: Final = "queued"
RUNNING: Final = "running"
COMPLETED: Final = "completed"
FAILED: Final = "failed"
TERMINAL: Final[frozenset[str]] = frozenset({COMPLETED, FAILED})

# Stable codes a client can see in ``error.code`` of a failed job (or in a raised error).
JOB_NOT_FOUND: Final = "JOB_NOT_FOUND"
JOB_FAILED: Final = "JOB_FAILED"
"""The handler raised something that is not a ScaigridError."""
JOB_TIMEOUT: Final = "JOB_TIMEOUT"
"""The handler ran longer than its ``JobHandler.timeout_seconds``."""
JOB_ABANDONED: Final = "JOB_ABANDONED"
"""The process running the job stopped heartbeating (crash, kill -9) and no attempts were left."""
JOB_UNKNOWN_KIND: Final = "JOB_UNKNOWN_KIND"
JOB_BAD_PAYLOAD: Final = "JOB_BAD_PAYLOAD"
JOB_BAD_RESULT: Final = "JOB_BAD_RESULT"


class JobFailure(msgspec.Struct, kw_only=True, frozen=True):
    """Why a job failed (or why its last attempt was abandoned): a stable code and a message."""

    code: str
    message: str


class JobRecord(msgspec.Struct, kw_only=True, frozen=True):
    """One job as stored: identity, scope, state, attempts, payload, outcome and timestamps.

    ``kind`` is the module-local kind (``"transcribe"``); the host-wide name of
    the handler is :attr:`qualified_kind` (``"scaiecho.transcribe"``).
    ``error`` on a queued or running job describes the previous, abandoned attempt.
    """

    id: str
    module: str
    kind: str
    tenant_id: str
    user_id: str | None
    status: JobStatus
    attempts: int
    max_attempts: int
    payload: dict[str, Any]
    result: Any = None
    error: JobFailure | None = None
    progress: float = 0.0
    progress_message: str | None = None
    created_at: dt.datetime
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    heartbeat_at: dt.datetime | None = None
    worker_id: str | None = None

    @property
    def qualified_kind(self) -> str:
        return f"{self.module}.{self.kind}"

    @property
    def done(self) -> bool:
        return self.status in TERMINAL


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite returns naive datetimes; every timestamp we write is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def record_from_row(row: Mapping[Any, Any]) -> JobRecord:
    """Build a :class:`JobRecord` from a ``jobs`` row mapping."""
    error = row["error"]
    created_at = _aware(row["created_at"])
    assert created_at is not None
    return JobRecord(
        id=row["id"],
        module=row["module"],
        kind=row["kind"],
        tenant_id=row["tenant_id"],
        user_id=row["user_id"],
        status=row["status"],
        attempts=row["attempts"],
        max_attempts=row["max_attempts"],
        payload=dict(row["payload"] or {}),
        result=row["result"],
        error=JobFailure(code=str(error["code"]), message=str(error["message"])) if error else None,
        progress=float(row["progress"]),
        progress_message=row["progress_message"],
        created_at=created_at,
        started_at=_aware(row["started_at"]),
        finished_at=_aware(row["finished_at"]),
        heartbeat_at=_aware(row["heartbeat_at"]),
        worker_id=row["worker_id"],
    )
