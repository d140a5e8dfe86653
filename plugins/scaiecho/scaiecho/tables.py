"""scaiecho's own tables (alembic branch ``scaiecho``): enrolled speakers and per-tenant model defaults.

The tenant backend policy itself lives in the host's ``backend_policies`` table
(scope ``scaiecho``); transcribe jobs live in the host's ``jobs`` table.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["metadata", "speakers", "tenant_settings"]

metadata = sa.MetaData()


def _ts(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


speakers = sa.Table(
    "scaiecho_speakers",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=True, index=True),  # NULL = global speaker
    sa.Column("owner_user_id", sa.String(64), nullable=True),
    sa.Column("scope", sa.String(8), nullable=False),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("language_primary", sa.String(2), nullable=False),
    sa.Column("enrollment_status", sa.String(16), nullable=False),
    sa.Column("embedding", sa.JSON, nullable=True),
    sa.Column("reference_blob_key", sa.String(512), nullable=True),
    sa.Column("consent_blob_key", sa.String(512), nullable=True),
    sa.Column("consent_user_full_name", sa.String(200), nullable=True),
    sa.Column("consent_stated_purpose", sa.Text, nullable=True),
    sa.Column("consent_text", sa.Text, nullable=True),
    sa.Column("consent_transcript", sa.Text, nullable=True),
    sa.Column("consent_word_error_rate", sa.Float, nullable=True),
    _ts("consent_recorded_at", nullable=True),
    sa.Column("preflight", sa.JSON, nullable=True),
    sa.Column("created_by", sa.String(64), nullable=False),
    _ts("created_at"),
    _ts("updated_at"),
    _ts("deleted_at", nullable=True),
    sa.Column("deleted_by", sa.String(200), nullable=True),
)

tenant_settings = sa.Table(
    "scaiecho_tenant_settings",
    metadata,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("default_model", sa.String(16), nullable=True),
    _ts("updated_at"),
)
