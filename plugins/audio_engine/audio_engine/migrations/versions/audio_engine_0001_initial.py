"""audio_engine: projects, project key access, tasks, datasets, files

Revision ID: audio_engine_0001
Revises:
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "audio_engine_0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = ("audio_engine",)
depends_on: Sequence[str] | None = None


def _ts(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "audio_engine_projects",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        _ts("created_at"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_audio_engine_projects_tenant_name"),
    )
    op.create_table(
        "audio_engine_project_keys",
        sa.Column(
            "project_id",
            sa.String(36),
            sa.ForeignKey("audio_engine_projects.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("api_key_id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        _ts("created_at"),
    )
    op.create_table(
        "audio_engine_tasks",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("project_id", sa.String(36), nullable=False),
        sa.Column("project_name", sa.String(200), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("api_key_id", sa.String(36), nullable=True),
        sa.Column("user_email", sa.String(320), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("components", sa.JSON, nullable=False),
        sa.Column("result", sa.JSON, nullable=True),
        sa.Column("error_code", sa.String(64), nullable=True),
        sa.Column("error_message", sa.Text, nullable=True),
        _ts("created_at"),
        _ts("finished_at", True),
    )
    op.create_table(
        "audio_engine_datasets",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column(
            "task_id",
            sa.String(36),
            sa.ForeignKey("audio_engine_tasks.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        _ts("created_at"),
    )
    op.create_table(
        "audio_engine_files",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column(
            "dataset_id",
            sa.String(36),
            sa.ForeignKey("audio_engine_datasets.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("blob_key", sa.String(1024), nullable=False),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("content_type", sa.String(200), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("step_index", sa.Integer, nullable=True),
        _ts("created_at"),
    )


def downgrade() -> None:
    op.drop_table("audio_engine_files")
    op.drop_table("audio_engine_datasets")
    op.drop_table("audio_engine_tasks")
    op.drop_table("audio_engine_project_keys")
    op.drop_table("audio_engine_projects")
