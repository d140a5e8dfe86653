"""host: durable jobs

Revision ID: host_0002
Revises: host_0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "host_0002"
down_revision: str | None = "host_0001"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("module", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(128), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("max_attempts", sa.Integer, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("result", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("error", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("progress", sa.Float, nullable=False, server_default="0"),
        sa.Column("progress_message", sa.Text, nullable=True),
        _ts("created_at"),
        _ts("started_at", True),
        _ts("finished_at", True),
        _ts("heartbeat_at", True),
        sa.Column("worker_id", sa.String(200), nullable=True),
    )
    op.create_index("ix_jobs_tenant_user_created", "jobs", ["tenant_id", "user_id", "created_at"])
    op.create_index("ix_jobs_status_created", "jobs", ["status", "created_at"])
    op.create_index("ix_jobs_status_heartbeat", "jobs", ["status", "heartbeat_at"])


def downgrade() -> None:
    op.drop_index("ix_jobs_status_heartbeat", table_name="jobs")
    op.drop_index("ix_jobs_status_created", table_name="jobs")
    op.drop_index("ix_jobs_tenant_user_created", table_name="jobs")
    op.drop_table("jobs")
