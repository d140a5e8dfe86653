"""hello: greetings table

Revision ID: hello_0001
Revises:
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hello_0001"
down_revision: str | None = None
branch_labels: Sequence[str] | None = ("hello",)
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hello_greetings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False, index=True),
        sa.Column("text", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("hello_greetings")
