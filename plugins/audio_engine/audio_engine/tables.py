"""The module's own tables (alembic branch ``audio_engine``): projects, key access, tasks, datasets, files."""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["datasets", "files", "metadata", "project_keys", "projects", "tasks"]

metadata = sa.MetaData()


def _ts(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


projects = sa.Table(
    "audio_engine_projects",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    _ts("created_at"),
    sa.UniqueConstraint("tenant_id", "name", name="uq_audio_engine_projects_tenant_name"),
)

project_keys = sa.Table(
    "audio_engine_project_keys",
    metadata,
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

tasks = sa.Table(
    "audio_engine_tasks",
    metadata,
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
    _ts("finished_at", nullable=True),
)

datasets = sa.Table(
    "audio_engine_datasets",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
    sa.Column(
        "task_id", sa.String(36), sa.ForeignKey("audio_engine_tasks.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    _ts("created_at"),
)

files = sa.Table(
    "audio_engine_files",
    metadata,
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
