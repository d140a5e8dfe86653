"""The host's own tables: identity, module lifecycle, audit. Modules keep their own tables."""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["api_keys", "audit_log", "metadata", "modules", "tenant_modules", "tenants", "users"]

metadata = sa.MetaData()


def _ts(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


tenants = sa.Table(
    "tenants",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("tier", sa.String(32), nullable=False, server_default="standard"),
    _ts("created_at"),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    sa.Column("email", sa.String(320), nullable=True),
    sa.Column("display_name", sa.String(200), nullable=True),
    sa.Column("role", sa.String(32), nullable=False, server_default="member"),
    _ts("created_at"),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("prefix", sa.String(16), nullable=False, index=True),
    sa.Column("hash", sa.String(128), nullable=False, unique=True),
    sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False),
    sa.Column("user_id", sa.String(64), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    # NULL = the permissions of the key owner's role, computed at use time.
    sa.Column("permissions", sa.JSON, nullable=True),
    _ts("created_at"),
    _ts("revoked_at", nullable=True),
    _ts("last_used_at", nullable=True),
)

modules = sa.Table(
    "modules",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("installed_version", sa.String(64), nullable=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
    _ts("created_at"),
    _ts("updated_at"),
)

tenant_modules = sa.Table(
    "tenant_modules",
    metadata,
    sa.Column("tenant_id", sa.String(64), sa.ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("module_id", sa.String(64), primary_key=True),
    sa.Column("enabled", sa.Boolean, nullable=False),
    # enabled | disabled | failed: a failed step keeps ``enabled`` as the guard must treat it
    # (a failed enable stays off; a failed disable stays refused) and says why in last_error.
    sa.Column("state", sa.String(16), nullable=False, server_default="enabled"),
    sa.Column("last_error", sa.Text, nullable=True),
    _ts("updated_at"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _ts("at"),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("tenant_id", sa.String(64), nullable=True, index=True),
    sa.Column("module_id", sa.String(64), nullable=True),
    sa.Column("action", sa.String(100), nullable=False),
    sa.Column("target", sa.String(200), nullable=True),
    sa.Column("details", sa.JSON, nullable=False),
)
