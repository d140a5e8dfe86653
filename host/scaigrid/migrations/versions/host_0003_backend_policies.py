"""host: tenant backend policies (allowed kinds A/B/AB/BA and default per tenant and module)

Revision ID: host_0003
Revises: host_0002
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "host_0003"
down_revision: str | None = "host_0002"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "backend_policies",
        sa.Column(
            "tenant_id", sa.String(64), sa.ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("scope", sa.String(64), primary_key=True),
        sa.Column("allowed_backends", sa.String(2), nullable=False),
        sa.Column("default_backend", sa.String(1), nullable=False),
        sa.Column("tier", sa.String(32), nullable=False, server_default="standard"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("allowed_backends IN ('A', 'B', 'AB', 'BA')", name="ck_backend_policies_allowed"),
        sa.CheckConstraint("default_backend IN ('A', 'B')", name="ck_backend_policies_default"),
    )


def downgrade() -> None:
    op.drop_table("backend_policies")
