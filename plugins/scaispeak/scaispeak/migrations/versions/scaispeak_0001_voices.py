"""scaispeak: voice library and licences

Revision ID: scaispeak_0001
Revises:
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "scaispeak_0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = ("scaispeak",)
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scaispeak_voices",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=True, index=True),
        sa.Column("owner_user_id", sa.String(64), nullable=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("language_primary", sa.String(8), nullable=False),
        sa.Column("languages_supported", sa.JSON, nullable=False),
        sa.Column("gender_hint", sa.String(16), nullable=False, server_default="unspecified"),
        sa.Column("age_hint", sa.String(32), nullable=True),
        sa.Column("style_tags", sa.JSON, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("engine", sa.String(100), nullable=False),
        sa.Column("engine_voice", sa.String(100), nullable=False),
        sa.Column("embedding_status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "scaispeak_licenses",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "voice_id",
            sa.String(64),
            sa.ForeignKey("scaispeak_voices.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("license_type", sa.String(16), nullable=False),
        sa.Column("licensor_name", sa.String(200), nullable=False),
        sa.Column("terms_summary", sa.Text, nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="active"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("scaispeak_licenses")
    op.drop_table("scaispeak_voices")
