"""Speaker rows with the visibility rules in every query.

Scopes: ``global`` speakers (no tenant) are visible to everyone; ``tenant``
speakers to every user of their tenant; ``user`` speakers to their owner (and
the tenant's scaiecho admins). A row that is not visible answers 404; a visible
row the caller may not change answers 403 ``SCAIECHO_SPEAKER_ACCESS_DENIED``.
Erased speakers are tombstones: kept for the audit trail, never visible.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import msgspec
import sqlalchemy as sa
from scaigrid.auth import Principal

from scaiecho import errors
from scaiecho.tables import speakers

__all__ = [
    "SCOPES",
    "STATUSES",
    "Consent",
    "Speaker",
    "SpeakerStore",
    "can_modify",
]

Scope = Literal["global", "tenant", "user"]
Status = Literal["pending", "ready", "failed", "evicted"]
SCOPES: tuple[str, ...] = ("global", "tenant", "user")
STATUSES: tuple[str, ...] = ("pending", "ready", "failed", "evicted")
ADMIN = "scaiecho:admin"


class Consent(msgspec.Struct, kw_only=True):
    user_full_name: str | None
    stated_purpose: str | None
    text: str | None
    transcript: str | None
    word_error_rate: float | None
    recorded_at: dt.datetime | None


class Speaker(msgspec.Struct, kw_only=True):
    """A speaker profile as the API returns it (never the embedding itself)."""

    id: str
    scope: Scope
    tenant_id: str | None
    owner_user_id: str | None
    display_name: str
    description: str | None
    language_primary: str
    enrollment_status: Status
    has_reference: bool
    has_embedding: bool
    consent: Consent
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite returns naive datetimes; everything stored is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def to_speaker(row: Mapping[str, Any]) -> Speaker:
    created, updated = _aware(row["created_at"]), _aware(row["updated_at"])
    assert created is not None and updated is not None
    return Speaker(
        id=row["id"],
        scope=row["scope"],
        tenant_id=row["tenant_id"],
        owner_user_id=row["owner_user_id"],
        display_name=row["display_name"],
        description=row["description"],
        language_primary=row["language_primary"],
        enrollment_status=row["enrollment_status"],
        has_reference=bool(row["reference_blob_key"]),
        has_embedding=row["embedding"] is not None,
        consent=Consent(
            user_full_name=row["consent_user_full_name"],
            stated_purpose=row["consent_stated_purpose"],
            text=row["consent_text"],
            transcript=row["consent_transcript"],
            word_error_rate=row["consent_word_error_rate"],
            recorded_at=_aware(row["consent_recorded_at"]),
        ),
        created_by=row["created_by"],
        created_at=created,
        updated_at=updated,
    )


def visible_to(tenant_id: str, user_id: str | None, *, admin: bool = False) -> sa.ColumnElement[bool]:
    """The SQL condition for rows a caller of ``tenant_id``/``user_id`` may see."""
    t = speakers
    own_tenant = t.c.tenant_id == tenant_id
    if admin:
        user_rows = sa.and_(t.c.scope == "user", own_tenant)
    elif user_id is not None:
        user_rows = sa.and_(t.c.scope == "user", own_tenant, t.c.owner_user_id == user_id)
    else:
        user_rows = sa.false()
    return sa.and_(
        t.c.deleted_at.is_(None),
        sa.or_(t.c.scope == "global", sa.and_(t.c.scope == "tenant", own_tenant), user_rows),
    )


def _visible(principal: Principal) -> sa.ColumnElement[bool]:
    return visible_to(principal.tenant_id, principal.user_id, admin=principal.has(ADMIN))


def can_modify(row: Mapping[str, Any], principal: Principal) -> bool:
    """Global speakers belong to SuperAdmins; others to their creator/owner and the tenant's admins."""
    if principal.is_superadmin:
        return True
    if row["scope"] == "global":
        return False
    if principal.has(ADMIN) and row["tenant_id"] == principal.tenant_id:
        return True
    if row["scope"] == "user":
        return bool(row["owner_user_id"] == principal.user_id)
    return bool(row["created_by"] == principal.user_id)


class SpeakerStore:
    """Queries over ``scaiecho_speakers``; every read is filtered by visibility in SQL."""

    def __init__(self, db: Any) -> None:
        self.db = db

    async def list_visible(
        self,
        principal: Principal,
        *,
        language: str | None = None,
        scope: str | None = None,
        status: str | None = None,
        limit: int = 50,
    ) -> list[dict[str, Any]]:
        t = speakers
        stmt = sa.select(t).where(_visible(principal))
        if language is not None:
            stmt = stmt.where(t.c.language_primary == language)
        if scope is not None:
            stmt = stmt.where(t.c.scope == scope)
        if status is not None:
            stmt = stmt.where(t.c.enrollment_status == status)
        stmt = stmt.order_by(t.c.created_at.desc(), t.c.id).limit(limit)
        async with self.db.connect() as conn:
            return [dict(r._mapping) for r in await conn.execute(stmt)]

    async def get_visible(self, principal: Principal, speaker_id: str) -> dict[str, Any]:
        """The row if the caller may see it, else 404 ``SCAIECHO_SPEAKER_NOT_FOUND``."""
        t = speakers
        async with self.db.connect() as conn:
            row = (await conn.execute(sa.select(t).where(t.c.id == speaker_id, _visible(principal)))).first()
        if row is None:
            raise errors.speaker_not_found()
        return dict(row._mapping)

    async def get_for_change(self, principal: Principal, speaker_id: str) -> dict[str, Any]:
        """The row if the caller may change it: 404 when invisible, 403 when only visible."""
        row = await self.get_visible(principal, speaker_id)
        if not can_modify(row, principal):
            raise errors.speaker_access_denied()
        return row

    async def get_any(self, speaker_id: str) -> dict[str, Any] | None:
        """Any live row by id, unscoped: only for node warm-up, which acts for the platform."""
        t = speakers
        async with self.db.connect() as conn:
            row = (
                await conn.execute(sa.select(t).where(t.c.id == speaker_id, t.c.deleted_at.is_(None)))
            ).first()
        return dict(row._mapping) if row is not None else None

    async def insert(self, values: Mapping[str, Any]) -> None:
        async with self.db.begin() as conn:
            await conn.execute(speakers.insert().values(**values))

    async def update(self, speaker_id: str, values: Mapping[str, Any], conn: Any = None) -> None:
        stmt = sa.update(speakers).where(speakers.c.id == speaker_id).values(**values)
        if conn is not None:
            await conn.execute(stmt)
            return
        async with self.db.begin() as own:
            await own.execute(stmt)

    async def profiles(self, tenant_id: str, user_id: str | None) -> list[tuple[str, str, Sequence[float]]]:
        """``(id, display_name, embedding)`` of every ready speaker visible to the caller."""
        t = speakers
        stmt = sa.select(t.c.id, t.c.display_name, t.c.embedding).where(
            visible_to(tenant_id, user_id), t.c.enrollment_status == "ready", t.c.embedding.is_not(None)
        )
        async with self.db.connect() as conn:
            return [(r.id, r.display_name, r.embedding) for r in await conn.execute(stmt)]

    async def ids(self, tenant_id: str | None = None) -> list[str]:
        """Live speaker ids of one tenant (or all, for uninstall)."""
        t = speakers
        stmt = sa.select(t.c.id).where(t.c.deleted_at.is_(None))
        if tenant_id is not None:
            stmt = stmt.where(t.c.tenant_id == tenant_id)
        async with self.db.connect() as conn:
            return [r.id for r in await conn.execute(stmt)]
