"""The ``jobs`` table: one row per durable job, the single source of truth for every executor.

Neither executor keeps job state anywhere else that matters: the in-process
executor polls these rows, and the Redis queue only carries job ids to workers,
which claim, heartbeat and finish the row here.
"""

from __future__ import annotations

import sqlalchemy as sa

from scaigrid.tables import metadata

__all__ = ["jobs"]


def _ts(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


# No foreign keys to tenants/users on purpose: principals from JWT bearer tokens
# need not have rows there, and a job must still be recordable for them. Tenant
# erasure deletes jobs explicitly (``JobQueue.purge_tenant``).
jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("module", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(128), nullable=False),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("user_id", sa.String(64), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("max_attempts", sa.Integer, nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    # none_as_null: a job without result/error holds SQL NULL, not the JSON text 'null'.
    sa.Column("result", sa.JSON(none_as_null=True), nullable=True),
    sa.Column("error", sa.JSON(none_as_null=True), nullable=True),
    sa.Column("progress", sa.Float, nullable=False, server_default="0"),
    sa.Column("progress_message", sa.Text, nullable=True),
    _ts("created_at"),
    _ts("started_at", nullable=True),
    _ts("finished_at", nullable=True),
    _ts("heartbeat_at", nullable=True),
    sa.Column("worker_id", sa.String(200), nullable=True),
    sa.Index("ix_jobs_tenant_user_created", "tenant_id", "user_id", "created_at"),
    sa.Index("ix_jobs_status_created", "status", "created_at"),
    sa.Index("ix_jobs_status_heartbeat", "status", "heartbeat_at"),
)
