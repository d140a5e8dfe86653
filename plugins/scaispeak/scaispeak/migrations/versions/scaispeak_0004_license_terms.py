"""scaispeak: licence terms of global voices (validity window, usage cap and count, document)

Revision ID: scaispeak_0004
Revises: scaispeak_0003
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "scaispeak_0004"
down_revision: str | None = "scaispeak_0003"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("scaispeak_licenses") as batch:
        batch.add_column(sa.Column("licensor_reference", sa.String(300), nullable=True))
        batch.add_column(sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("usage_limit_chars", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("usage_chars", sa.BigInteger, nullable=False, server_default="0"))
        batch.add_column(sa.Column("document_blob_key", sa.String(500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("scaispeak_licenses") as batch:
        for name in ("document_blob_key", "usage_chars", "usage_limit_chars", "valid_until", "valid_from"):
            batch.drop_column(name)
        batch.drop_column("licensor_reference")
