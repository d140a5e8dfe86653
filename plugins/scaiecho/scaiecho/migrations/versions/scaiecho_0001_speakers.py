"""scaiecho: enrolled speakers and per-tenant model defaults.

Revision ID: scaiecho_0001
Revises:
Create Date: 2025-01-01
"""

import sqlalchemy as sa
from alembic import op

revision = "scaiecho_0001"
down_revision = None
branch_labels = ("scaiecho",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scaiecho_speakers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("tenant_id", sa.String(64), nullable=True),
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
        sa.Column("consent_recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("preflight", sa.JSON, nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_by", sa.String(200), nullable=True),
        sa.CheckConstraint("scope IN ('global', 'tenant', 'user')", name="ck_scaiecho_speakers_scope"),
    )
    op.create_index("ix_scaiecho_speakers_tenant_id", "scaiecho_speakers", ["tenant_id"])
    op.create_table(
        "scaiecho_tenant_settings",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("default_model", sa.String(16), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("scaiecho_tenant_settings")
    op.drop_index("ix_scaiecho_speakers_tenant_id", table_name="scaiecho_speakers")
    op.drop_table("scaiecho_speakers")
