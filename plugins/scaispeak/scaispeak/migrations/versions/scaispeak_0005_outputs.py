"""scaispeak: the output cache behind POST /speak idempotency keys

Revision ID: scaispeak_0005
Revises: scaispeak_0004
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "scaispeak_0005"
down_revision: str | None = "scaispeak_0004"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scaispeak_outputs",
        sa.Column("tenant_id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("idempotency_key", sa.String(200), primary_key=True),
        sa.Column("params_sha256", sa.String(64), nullable=False),
        sa.Column("voice_id", sa.String(64), nullable=False, index=True),
        sa.Column("blob_key", sa.String(500), nullable=True),
        sa.Column("speech", sa.JSON, nullable=True),
        sa.Column("job_id", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("scaispeak_outputs")
