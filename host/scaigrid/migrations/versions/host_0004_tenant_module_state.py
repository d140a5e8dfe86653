"""host: per-tenant module step state (enabled/disabled/failed) and its last error

Revision ID: host_0004
Revises: host_0003
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "host_0004"
down_revision: str | None = "host_0003"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tenant_modules") as batch:
        batch.add_column(sa.Column("state", sa.String(16), nullable=False, server_default="enabled"))
        batch.add_column(sa.Column("last_error", sa.Text, nullable=True))
    op.execute("UPDATE tenant_modules SET state = 'disabled' WHERE enabled = false")


def downgrade() -> None:
    with op.batch_alter_table("tenant_modules") as batch:
        batch.drop_column("last_error")
        batch.drop_column("state")
