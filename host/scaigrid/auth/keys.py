"""API keys: ``sgk_<id>_<secret>``, stored only as a SHA-256 hash, bound to tenant, user and permissions."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Sequence
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from scaigrid import tables
from scaigrid.db import utcnow
from scaigrid.errors import BadRequest, NotFound

__all__ = ["ApiKeyInfo", "CreatedKey", "create_key", "hash_key", "list_keys", "lookup_key", "revoke_key"]

PREFIX = "sgk_"


class ApiKeyInfo(msgspec.Struct, kw_only=True):
    """An API key as listed to admins (never the secret)."""

    id: str
    prefix: str
    tenant_id: str
    user_id: str
    name: str
    permissions: list[str] | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None
    last_used_at: dt.datetime | None = None


class CreatedKey(msgspec.Struct, kw_only=True):
    """Returned once at creation: ``key`` is shown to the caller and never stored."""

    key: str
    info: ApiKeyInfo


def hash_key(key: str) -> str:
    # Keys carry 256 random bits, so a fast unsalted hash cannot be brute-forced.
    return hashlib.sha256(key.encode()).hexdigest()


def _row_to_info(row: Any) -> ApiKeyInfo:
    return ApiKeyInfo(
        id=row.id,
        prefix=row.prefix,
        tenant_id=row.tenant_id,
        user_id=row.user_id,
        name=row.name,
        permissions=row.permissions,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


async def create_key(
    conn: AsyncConnection,
    *,
    tenant_id: str,
    user_id: str,
    name: str = "",
    permissions: Sequence[str] | None = None,
) -> CreatedKey:
    """Create a key for an existing user. ``permissions=None`` means "whatever the user's role grants"."""
    user = (
        await conn.execute(
            sa.select(tables.users.c.id).where(
                tables.users.c.id == user_id, tables.users.c.tenant_id == tenant_id
            )
        )
    ).first()
    if user is None:
        raise NotFound(f"user {user_id!r} not found in tenant {tenant_id!r}", code="USER_NOT_FOUND")
    if permissions is not None:
        for perm in permissions:
            if not perm or (perm != "*" and ":" not in perm):
                raise BadRequest(f"permission {perm!r} must look like 'module:action'", code="BAD_PERMISSION")
    key_id = str(uuid.uuid4())
    public = secrets.token_hex(4)
    key = f"{PREFIX}{public}_{secrets.token_urlsafe(32)}"
    row = {
        "id": key_id,
        "prefix": f"{PREFIX}{public}",
        "hash": hash_key(key),
        "tenant_id": tenant_id,
        "user_id": user_id,
        "name": name,
        "permissions": sorted(set(permissions)) if permissions is not None else None,
        "created_at": utcnow(),
    }
    await conn.execute(tables.api_keys.insert().values(**row))
    info = msgspec.convert({k: v for k, v in row.items() if k != "hash"}, ApiKeyInfo)
    return CreatedKey(key=key, info=info)


async def lookup_key(conn: AsyncConnection, key: str) -> Any | None:
    """The key's row joined with its user, or ``None`` when unknown or revoked."""
    if not key.startswith(PREFIX):
        return None
    k, u = tables.api_keys, tables.users
    stmt = (
        sa.select(k, u.c.role, u.c.email)
        .join(u, u.c.id == k.c.user_id)
        .where(k.c.hash == hash_key(key), k.c.revoked_at.is_(None))
    )
    return (await conn.execute(stmt)).first()


async def revoke_key(conn: AsyncConnection, key_id: str, *, tenant_id: str | None = None) -> ApiKeyInfo:
    """Revoke a key (idempotent). ``tenant_id`` scopes the lookup for tenant admins."""
    k = tables.api_keys
    where = [k.c.id == key_id]
    if tenant_id is not None:
        where.append(k.c.tenant_id == tenant_id)
    row = (await conn.execute(sa.select(k).where(*where))).first()
    if row is None:
        raise NotFound(f"API key {key_id!r} not found", code="KEY_NOT_FOUND")
    if row.revoked_at is None:
        await conn.execute(k.update().where(k.c.id == key_id).values(revoked_at=utcnow()))
        row = (await conn.execute(sa.select(k).where(k.c.id == key_id))).first()
    return _row_to_info(row)


async def list_keys(conn: AsyncConnection, *, tenant_id: str | None = None) -> list[ApiKeyInfo]:
    k = tables.api_keys
    stmt = sa.select(k).order_by(k.c.created_at)
    if tenant_id is not None:
        stmt = stmt.where(k.c.tenant_id == tenant_id)
    return [_row_to_info(r) for r in (await conn.execute(stmt)).all()]
