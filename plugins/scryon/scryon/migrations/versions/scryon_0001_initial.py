"""scryon: calls, transcripts, analyses, action items, voice and user profiles, idempotency keys

Revision ID: scryon_0001
Revises:
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "scryon_0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = ("scryon",)
depends_on: Sequence[str] | None = None


def _ts(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "scryon_calls",
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
    )
    op.create_index(
        "ix_scryon_calls_owner_created", "scryon_calls", ["tenant_id", "user_id", "created_at", "id"]
    )
    op.create_table(
        "scryon_transcripts",
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
    op.create_table(
        "scryon_analyses",
        sa.Column(
            "call_id", sa.String(36), sa.ForeignKey("scryon_calls.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        _ts("created_at"),
    )
    op.create_table(
        "scryon_action_items",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "call_id", sa.String(36), sa.ForeignKey("scryon_calls.id", ondelete="CASCADE"), nullable=False
        ),
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
    )
    op.create_index(
        "ix_scryon_action_items_owner_created",
        "scryon_action_items",
        ["tenant_id", "user_id", "created_at", "id"],
    )
    op.create_index("ix_scryon_action_items_call", "scryon_action_items", ["call_id"])
    op.create_table(
        "scryon_voice_profiles",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("embedding", sa.JSON, nullable=False),
        sa.Column("sample_seconds", sa.Float, nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
    )
    op.create_table(
        "scryon_user_profiles",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("display_name", sa.String(200), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
    )
    op.create_table(
        "scryon_idempotency_keys",
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


def downgrade() -> None:
    op.drop_table("scryon_idempotency_keys")
    op.drop_table("scryon_user_profiles")
    op.drop_table("scryon_voice_profiles")
    op.drop_index("ix_scryon_action_items_call", table_name="scryon_action_items")
    op.drop_index("ix_scryon_action_items_owner_created", table_name="scryon_action_items")
    op.drop_table("scryon_action_items")
    op.drop_table("scryon_analyses")
    op.drop_table("scryon_transcripts")
    op.drop_index("ix_scryon_calls_owner_created", table_name="scryon_calls")
    op.drop_table("scryon_calls")
