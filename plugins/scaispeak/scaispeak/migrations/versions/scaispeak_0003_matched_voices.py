"""scaispeak: voices from a reference recording, their consent, the erasure audit

Revision ID: scaispeak_0003
Revises: scaispeak_0002
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "scaispeak_0003"
down_revision: str | None = "scaispeak_0002"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("scaispeak_voices") as batch:
        batch.add_column(sa.Column("reference_blob_key", sa.String(500), nullable=True))
        batch.add_column(sa.Column("consent_blob_key", sa.String(500), nullable=True))
        batch.add_column(sa.Column("matched_base_voice", sa.String(64), nullable=True))
        batch.add_column(sa.Column("similarity", sa.Float, nullable=True))
        batch.add_column(sa.Column("intake_error", sa.Text, nullable=True))
        batch.add_column(sa.Column("preflight", sa.JSON, nullable=True))
    op.create_table(
        "scaispeak_consents",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "voice_id",
            sa.String(64),
            sa.ForeignKey("scaispeak_voices.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("full_name", sa.String(300), nullable=True),
        sa.Column("stated_purpose", sa.Text, nullable=True),
        sa.Column("consent_text", sa.Text, nullable=True),
        sa.Column("transcript", sa.Text, nullable=True),
        sa.Column("word_error_rate", sa.Float, nullable=False),
        sa.Column("speaker_similarity", sa.Float, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "scaispeak_erasure_audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("voice_id", sa.String(64), nullable=False, index=True),
        sa.Column("tenant_id", sa.String(64), nullable=True, index=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("trigger", sa.String(32), nullable=False),
        sa.Column("blobs_deleted", sa.Integer, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("scaispeak_erasure_audit")
    op.drop_table("scaispeak_consents")
    with op.batch_alter_table("scaispeak_voices") as batch:
        for name in (
            "preflight",
            "intake_error",
            "similarity",
            "matched_base_voice",
            "consent_blob_key",
            "reference_blob_key",
        ):
            batch.drop_column(name)
