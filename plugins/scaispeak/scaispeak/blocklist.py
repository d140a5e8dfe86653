"""The blocklist: a tenant, a user or a voice that must not be synthesized for a tenant, until it expires.

Checked once per synthesis in the dispatcher (:class:`~scaispeak.synthesis.Synthesizer`), so HTTP,
jobs, WebSocket, the OpenAI-compatible route and MCP are all refused alike: 403
``SCAISPEAK_VOICE_ACCESS_DENIED``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec
import sqlalchemy as sa
from scaigrid.db import Database, utcnow
from scaigrid.errors import Forbidden, NotFound

from scaispeak.tables import blocklist

__all__ = ["BlockEntry", "BlockRequest", "Blocklist"]

Scope = Literal["tenant", "user", "voice"]


class BlockRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    scope: Scope
    target_id: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    expires_at: dt.datetime | None = None


class BlockEntry(msgspec.Struct, kw_only=True):
    block_id: str
    tenant_id: str
    scope: Scope
    target_id: str
    reason: str
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime | None


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _entry(row: sa.Row[object]) -> BlockEntry:
    m = row._mapping
    return BlockEntry(
        block_id=m["id"],
        tenant_id=m["tenant_id"],
        scope=m["scope"],
        target_id=m["target_id"],
        reason=m["reason"],
        created_by=m["created_by"],
        created_at=_aware(m["created_at"]) or utcnow(),
        expires_at=_aware(m["expires_at"]),
    )


def _active(now: dt.datetime) -> sa.ColumnElement[bool]:
    return sa.or_(blocklist.c.expires_at.is_(None), blocklist.c.expires_at > now)


class Blocklist:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, tenant_id: str, request: BlockRequest, *, actor: str) -> BlockEntry:
        expires = _aware(request.expires_at)
        if expires is not None and expires <= utcnow():
            from scaispeak.errors import bad_request

            raise bad_request("expires_at must be in the future", field="expires_at")
        block_id, now = str(uuid.uuid4()), utcnow()
        values = {
            "id": block_id,
            "tenant_id": tenant_id,
            "scope": request.scope,
            "target_id": request.target_id,
            "reason": request.reason,
            "created_by": actor,
            "created_at": now,
            "expires_at": expires,
        }
        async with self._db.begin() as conn:
            await conn.execute(blocklist.insert().values(**values))
            await self._db.audit(
                conn,
                actor=actor,
                action="scaispeak.blocklist.add",
                tenant_id=tenant_id,
                module_id="scaispeak",
                target=block_id,
                details={"scope": request.scope, "target_id": request.target_id},
            )
        return BlockEntry(
            block_id=block_id,
            tenant_id=tenant_id,
            scope=request.scope,
            target_id=request.target_id,
            reason=request.reason,
            created_by=actor,
            created_at=now,
            expires_at=expires,
        )

    async def active(
        self, tenant_id: str, *, scope: Scope | None = None, limit: int = 100
    ) -> list[BlockEntry]:
        stmt = sa.select(blocklist).where(blocklist.c.tenant_id == tenant_id, _active(utcnow()))
        if scope is not None:
            stmt = stmt.where(blocklist.c.scope == scope)
        stmt = stmt.order_by(blocklist.c.created_at.desc()).limit(limit)
        async with self._db.connect() as conn:
            return [_entry(r) for r in (await conn.execute(stmt)).all()]

    async def remove(self, tenant_id: str, block_id: str, *, actor: str) -> None:
        async with self._db.begin() as conn:
            result = await conn.execute(
                blocklist.delete().where(blocklist.c.id == block_id, blocklist.c.tenant_id == tenant_id)
            )
            if not result.rowcount:
                raise NotFound("blocklist entry not found", code="SCAISPEAK_BLOCKLIST_NOT_FOUND")
            await self._db.audit(
                conn, actor=actor, action="scaispeak.blocklist.remove", tenant_id=tenant_id,
                module_id="scaispeak", target=block_id, details={},
            )  # fmt: skip

    async def check(self, tenant_id: str, user_id: str | None, voice_id: str) -> None:
        """403 ``SCAISPEAK_VOICE_ACCESS_DENIED`` when an active entry blocks this synthesis."""
        b = blocklist.c
        targets = [
            sa.and_(b.scope == "tenant", b.target_id == tenant_id),
            sa.and_(b.scope == "voice", b.target_id == voice_id),
        ]
        if user_id is not None:
            targets.append(sa.and_(b.scope == "user", b.target_id == user_id))
        stmt = (
            sa.select(b.scope, b.reason)
            .where(b.tenant_id == tenant_id, _active(utcnow()), sa.or_(*targets))
            .limit(1)
        )
        async with self._db.connect() as conn:
            hit = (await conn.execute(stmt)).first()
        if hit is not None:
            raise Forbidden(
                f"synthesis is blocked for this {hit.scope}: {hit.reason}",
                code="SCAISPEAK_VOICE_ACCESS_DENIED",
                details={"blocked_scope": hit.scope},
            )

    async def forget_tenant(self, tenant_id: str | None) -> None:
        stmt = (
            blocklist.delete()
            if tenant_id is None
            else blocklist.delete().where(blocklist.c.tenant_id == tenant_id)
        )
        async with self._db.begin() as conn:
            await conn.execute(stmt)
