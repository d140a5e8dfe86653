"""The voice library's rows: visibility (global, own tenant, own user) in every query; presets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from scaigrid.auth import Principal
from scaigrid.db import Database, utcnow

from scaispeak.engines.catalog import Preset
from scaispeak.errors import voice_not_found
from scaispeak.records import License, Voice
from scaispeak.tables import consents, licenses, voices

__all__ = ["VoiceStore", "to_voice"]


def _visible(tenant_id: str, user_id: str | None) -> sa.ColumnElement[bool]:
    v = voices.c
    return sa.and_(
        v.deleted_at.is_(None),
        sa.or_(
            v.scope == "global",
            sa.and_(v.scope == "tenant", v.tenant_id == tenant_id),
            sa.and_(v.scope == "user", v.tenant_id == tenant_id, v.owner_user_id == user_id),
        ),
    )


def to_voice(row: Any, lic: Any | None = None) -> Voice:
    return Voice(
        voice_id=row.id,
        scope=row.scope,
        tenant_id=row.tenant_id,
        owner_user_id=row.owner_user_id,
        display_name=row.display_name,
        description=row.description,
        language_primary=row.language_primary,
        language_supported=list(row.languages_supported or []),
        gender_hint=row.gender_hint,
        age_hint=row.age_hint,
        style_tags=list(row.style_tags or []),
        kind=row.kind,
        embedding_status=row.embedding_status,
        engine=row.engine,
        license=None
        if lic is None
        else License(
            license_id=lic.id,
            license_type=lic.license_type,
            licensor_name=lic.licensor_name,
            terms_summary=lic.terms_summary,
            status=lic.status,
        ),
        matched_base_voice=row.matched_base_voice,
        similarity=row.similarity,
        intake_error=row.intake_error,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class VoiceStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def ensure_presets(self, presets: Sequence[Preset]) -> int:
        """Create the bundled voices (global, perpetual licence) that do not exist yet; idempotent."""
        created = 0
        now = utcnow()
        async with self._db.begin() as conn:
            existing = set(
                (await conn.execute(sa.select(voices.c.id).where(voices.c.kind == "preset"))).scalars()
            )
            for p in presets:
                if p.id in existing:
                    continue
                await conn.execute(
                    voices.insert().values(
                        id=p.id,
                        scope="global",
                        tenant_id=None,
                        owner_user_id=None,
                        display_name=p.display_name,
                        description=p.description,
                        language_primary=p.language,
                        languages_supported=[p.language],
                        gender_hint=p.gender,
                        age_hint=None,
                        style_tags=["preset"],
                        kind="preset",
                        engine=p.engine,
                        engine_voice=p.engine_voice,
                        embedding_status="ready",
                        created_at=now,
                        updated_at=now,
                    )
                )
                await conn.execute(
                    licenses.insert().values(
                        id=f"license-{p.id}",
                        voice_id=p.id,
                        license_type="perpetual",
                        licensor_name=p.licensor,
                        terms_summary=p.terms,
                        status="active",
                        created_at=now,
                    )
                )
                created += 1
        return created

    async def list_visible(
        self,
        principal: Principal,
        *,
        language: str | None = None,
        scope: str | None = None,
        gender: str | None = None,
        embedding_status: str | None = None,
        q: str | None = None,
        limit: int = 50,
    ) -> list[Voice]:
        v = voices.c
        stmt = (
            sa.select(voices, licenses)
            .outerjoin(licenses, licenses.c.voice_id == v.id)
            .where(_visible(principal.tenant_id, principal.user_id))
        )
        if language:
            stmt = stmt.where(v.language_primary == language)
        if scope:
            stmt = stmt.where(v.scope == scope)
        if gender:
            stmt = stmt.where(v.gender_hint == gender)
        if embedding_status:
            stmt = stmt.where(v.embedding_status == embedding_status)
        if q:
            like = f"%{q.lower()}%"
            stmt = stmt.where(
                sa.or_(
                    sa.func.lower(v.display_name).like(like),
                    sa.func.lower(sa.func.coalesce(v.description, "")).like(like),
                    sa.func.lower(sa.cast(v.style_tags, sa.String)).like(like),
                )
            )
        stmt = stmt.order_by(v.scope, v.display_name, v.id).limit(limit)
        async with self._db.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        return [to_voice(r, _license_of(r)) for r in rows]

    async def get_visible(self, principal: Principal, voice_id: str) -> tuple[Any, Voice]:
        """The row and its wire record; 404 ``SCAISPEAK_VOICE_NOT_FOUND`` when not visible."""
        return await self.get_for(principal.tenant_id, principal.user_id, voice_id)

    async def get_for(self, tenant_id: str, user_id: str | None, voice_id: str) -> tuple[Any, Voice]:
        """:meth:`get_visible` for a (tenant, user) pair (a job runs for the user who asked)."""
        stmt = (
            sa.select(voices, licenses)
            .outerjoin(licenses, licenses.c.voice_id == voices.c.id)
            .where(voices.c.id == voice_id, _visible(tenant_id, user_id))
        )
        async with self._db.connect() as conn:
            row = (await conn.execute(stmt)).first()
        if row is None:
            raise voice_not_found()
        return row, to_voice(row, _license_of(row))

    async def tenant_voice_ids(self, tenant_id: str) -> list[str]:
        async with self._db.connect() as conn:
            return list(
                (await conn.execute(sa.select(voices.c.id).where(voices.c.tenant_id == tenant_id))).scalars()
            )

    async def delete_tenant(self, tenant_id: str) -> int:
        """Remove a tenant's own voices (tenant and user scope); global voices are untouched."""
        async with self._db.begin() as conn:
            ids = list(
                (await conn.execute(sa.select(voices.c.id).where(voices.c.tenant_id == tenant_id))).scalars()
            )
            if ids:
                await conn.execute(licenses.delete().where(licenses.c.voice_id.in_(ids)))
                await conn.execute(consents.delete().where(consents.c.voice_id.in_(ids)))
                await conn.execute(voices.delete().where(voices.c.id.in_(ids)))
        return len(ids)

    async def delete_all(self) -> None:
        async with self._db.begin() as conn:
            await conn.execute(licenses.delete())
            await conn.execute(consents.delete())
            await conn.execute(voices.delete())


class _License:
    def __init__(self, row: Any) -> None:
        m = row._mapping
        self.id = m[licenses.c.id]
        self.license_type = m[licenses.c.license_type]
        self.licensor_name = m[licenses.c.licensor_name]
        self.terms_summary = m[licenses.c.terms_summary]
        self.status = m[licenses.c.status]


def _license_of(row: Any) -> _License | None:
    return _License(row) if row._mapping[licenses.c.id] is not None else None
