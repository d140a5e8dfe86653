"""Scryon's tables (alembic branch ``scryon``; mirrors ``migrations/versions/scryon_0001``).

Every row carries ``tenant_id`` and ``user_id`` so each query scopes itself by
both. Transcript, analysis and action items are written in the one transaction
that completes a call, so a reader never sees half an analysis.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = [
    "action_items",
    "analyses",
    "calls",
    "idempotency_keys",
    "metadata",
    "transcripts",
    "user_profiles",
    "voice_profiles",
]

metadata = sa.MetaData()


def _ts(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


calls = sa.Table(
    "scryon_calls",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("title", sa.String(300), nullable=True),
    _ts("recorded_at"),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("language", sa.String(16), nullable=True),
    sa.Column("num_speakers", sa.Integer, nullable=True),
    sa.Column("backend_preference", sa.String(32), nullable=False),
    sa.Column("client_metadata", sa.JSON, nullable=False),
    sa.Column("audio_key", sa.String(300), nullable=False),
    sa.Column("audio_filename", sa.String(300), nullable=False),
    sa.Column("audio_content_type", sa.String(100), nullable=False),
    sa.Column("audio_size", sa.BigInteger, nullable=False),
    sa.Column("audio_sha256", sa.String(64), nullable=False),
    sa.Column("duration_seconds", sa.Float, nullable=True),
    sa.Column("speech_seconds", sa.Float, nullable=True),
    sa.Column("speaker_count", sa.Integer, nullable=True),
    sa.Column("identification", sa.JSON, nullable=True),
    sa.Column("analysis_backend", sa.String(100), nullable=True),
    sa.Column("job_id", sa.String(36), nullable=True),
    sa.Column("failure_code", sa.String(64), nullable=True),
    sa.Column("failure_message", sa.Text, nullable=True),
    _ts("created_at"),
    _ts("updated_at"),
    _ts("completed_at", nullable=True),
    sa.Index("ix_scryon_calls_owner_created", "tenant_id", "user_id", "created_at", "id"),
)

transcripts = sa.Table(
    "scryon_transcripts",
    metadata,
    sa.Column(
        "call_id", sa.String(36), sa.ForeignKey("scryon_calls.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("language", sa.String(16), nullable=True),
    sa.Column("model", sa.String(200), nullable=False),
    sa.Column("backend_used", sa.String(1), nullable=False),
    sa.Column("utterances", sa.JSON, nullable=False),
    _ts("created_at"),
)

analyses = sa.Table(
    "scryon_analyses",
    metadata,
    sa.Column(
        "call_id", sa.String(36), sa.ForeignKey("scryon_calls.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("data", sa.JSON, nullable=False),
    _ts("created_at"),
)

action_items = sa.Table(
    "scryon_action_items",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("call_id", sa.String(36), sa.ForeignKey("scryon_calls.id", ondelete="CASCADE"), nullable=False),
    sa.Column("tenant_id", sa.String(64), nullable=False),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("owner", sa.String(100), nullable=False),
    sa.Column("speaker", sa.String(100), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("quote", sa.Text, nullable=False),
    sa.Column("start_seconds", sa.Float, nullable=False),
    sa.Column("due_date", sa.Date, nullable=True),
    sa.Column("due_text", sa.String(200), nullable=True),
    sa.Column("status", sa.String(8), nullable=False),
    _ts("created_at"),
    _ts("updated_at"),
    _ts("completed_at", nullable=True),
    sa.Index("ix_scryon_action_items_owner_created", "tenant_id", "user_id", "created_at", "id"),
    sa.Index("ix_scryon_action_items_call", "call_id"),
)

voice_profiles = sa.Table(
    "scryon_voice_profiles",
    metadata,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(64), primary_key=True),
    sa.Column("method", sa.String(32), nullable=False),
    sa.Column("embedding", sa.JSON, nullable=False),
    sa.Column("sample_seconds", sa.Float, nullable=False),
    _ts("created_at"),
    _ts("updated_at"),
)

user_profiles = sa.Table(
    "scryon_user_profiles",
    metadata,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(64), primary_key=True),
    sa.Column("display_name", sa.String(200), nullable=True),
    sa.Column("timezone", sa.String(64), nullable=True),
    _ts("created_at"),
    _ts("updated_at"),
)

idempotency_keys = sa.Table(
    "scryon_idempotency_keys",
    metadata,
    sa.Column("tenant_id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(64), primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("state", sa.String(8), nullable=False),
    sa.Column("status_code", sa.Integer, nullable=True),
    sa.Column("response", sa.JSON, nullable=True),
    _ts("created_at"),
    _ts("expires_at"),
)
