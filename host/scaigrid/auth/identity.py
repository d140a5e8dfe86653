"""Tenants and users: create, list, and just-in-time users for JWT callers."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from scaigrid import tables
from scaigrid.auth.principal import ROLES, Role
from scaigrid.db import utcnow
from scaigrid.errors import BadRequest, Conflict, NotFound

__all__ = ["TenantInfo", "UserInfo", "create_tenant", "ensure_user", "get_tenant", "list_tenants"]

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class TenantInfo(msgspec.Struct, kw_only=True):
    id: str
    name: str
    tier: str
    created_at: dt.datetime


class UserInfo(msgspec.Struct, kw_only=True):
    id: str
    tenant_id: str
    role: Role
    email: str | None = None
    display_name: str | None = None


def _check_id(value: str, what: str) -> str:
    if not _ID.match(value):
        raise BadRequest(
            f"{what} {value!r} must be 1-64 letters, digits, '.', '_' or '-'", code="BAD_IDENTIFIER"
        )
    return value


async def create_tenant(
    conn: AsyncConnection, *, name: str, tenant_id: str | None = None, tier: str = "standard"
) -> TenantInfo:
    tid = _check_id(tenant_id or str(uuid.uuid4()), "tenant id")
    if not name.strip():
        raise BadRequest("tenant name must not be empty", code="BAD_TENANT_NAME")
    if (await conn.execute(sa.select(tables.tenants.c.id).where(tables.tenants.c.id == tid))).first():
        raise Conflict(f"tenant {tid!r} already exists", code="TENANT_EXISTS")
    info = TenantInfo(id=tid, name=name.strip(), tier=tier, created_at=utcnow())
    await conn.execute(tables.tenants.insert().values(**msgspec.structs.asdict(info)))
    return info


async def get_tenant(conn: AsyncConnection, tenant_id: str) -> TenantInfo:
    row = (await conn.execute(sa.select(tables.tenants).where(tables.tenants.c.id == tenant_id))).first()
    if row is None:
        raise NotFound(f"tenant {tenant_id!r} not found", code="TENANT_NOT_FOUND")
    return TenantInfo(id=row.id, name=row.name, tier=row.tier, created_at=row.created_at)


async def list_tenants(conn: AsyncConnection) -> list[TenantInfo]:
    rows = (await conn.execute(sa.select(tables.tenants).order_by(tables.tenants.c.created_at))).all()
    return [TenantInfo(id=r.id, name=r.name, tier=r.tier, created_at=r.created_at) for r in rows]


async def ensure_user(
    conn: AsyncConnection,
    *,
    tenant_id: str,
    user_id: str,
    role: Role | None = None,
    email: str | None = None,
    display_name: str | None = None,
) -> UserInfo:
    """Return the user, creating it (``role`` default member) when missing; ``role`` updates it."""
    _check_id(user_id, "user id")
    if role is not None and role not in ROLES:
        raise BadRequest(f"role must be one of {', '.join(ROLES)}", code="BAD_ROLE")
    await get_tenant(conn, tenant_id)
    u = tables.users
    row: Any = (await conn.execute(sa.select(u).where(u.c.id == user_id))).first()
    if row is not None and row.tenant_id != tenant_id:
        raise Conflict(f"user id {user_id!r} belongs to another tenant", code="USER_EXISTS")
    if row is None:
        values = {
            "id": user_id,
            "tenant_id": tenant_id,
            "role": role or "member",
            "email": email,
            "display_name": display_name,
            "created_at": utcnow(),
        }
        await conn.execute(u.insert().values(**values))
    else:
        changes = {k: v for k, v in {"role": role, "email": email, "display_name": display_name}.items() if v}
        if changes:
            await conn.execute(u.update().where(u.c.id == user_id).values(**changes))
    row = (await conn.execute(sa.select(u).where(u.c.id == user_id))).first()
    return UserInfo(
        id=row.id, tenant_id=row.tenant_id, role=row.role, email=row.email, display_name=row.display_name
    )
