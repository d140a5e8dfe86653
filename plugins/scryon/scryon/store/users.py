"""The user as Scryon sees them: profile (display name, timezone), voice profile, stats, erasure.

Identity (id, tenant, e-mail) is the host's; Scryon keeps only what it adds,
in its own tables, and reads the host's ``users`` row for the rest.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import sqlalchemy as sa
from msgspec import UNSET
from scaigrid import tables as host_tables
from scaigrid.auth import Principal
from scaigrid.db import utcnow
from sqlalchemy.ext.asyncio import AsyncConnection

from scryon.errors import validation_failed
from scryon.store.calls import aware, delete_call_rows
from scryon.tables import action_items, analyses, calls, idempotency_keys, user_profiles, voice_profiles
from scryon.wire import UserPatch, UserProfile, UserStats, VoiceProfileStatus, iso

__all__ = [
    "check_timezone",
    "erase_user",
    "load_profile",
    "patch_profile",
    "user_stats",
    "user_timezone",
    "voice_status",
]


def _mine(table: sa.Table, principal: Principal) -> Any:
    return sa.and_(table.c.tenant_id == principal.tenant_id, table.c.user_id == principal.user_id)


def check_timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise validation_failed(
            f"unknown timezone {name!r}; use an IANA name such as Europe/Berlin", field="timezone"
        ) from None
    return name


async def user_timezone(conn: AsyncConnection, principal: Principal, default: str) -> str:
    row = (
        await conn.execute(sa.select(user_profiles.c.timezone).where(_mine(user_profiles, principal)))
    ).first()
    return row.timezone if row is not None and row.timezone else default


async def voice_status(conn: AsyncConnection, principal: Principal) -> VoiceProfileStatus:
    row = (await conn.execute(sa.select(voice_profiles).where(_mine(voice_profiles, principal)))).first()
    if row is None:
        return VoiceProfileStatus(status="NOT_ENROLLED")
    return VoiceProfileStatus(
        status="READY",
        method=row.method,
        sample_seconds=round(row.sample_seconds, 3),
        created_at=iso(aware(row.created_at)),
        updated_at=iso(aware(row.updated_at)),
    )


async def voice_embedding(conn: AsyncConnection, tenant_id: str, user_id: str) -> list[float] | None:
    row = (
        await conn.execute(
            sa.select(voice_profiles.c.embedding).where(
                voice_profiles.c.tenant_id == tenant_id, voice_profiles.c.user_id == user_id
            )
        )
    ).first()
    return [float(x) for x in row.embedding] if row is not None else None


async def save_voice_profile(
    conn: AsyncConnection, principal: Principal, embedding: list[float], sample_seconds: float
) -> bool:
    """Create or replace; True when it was created."""
    now = utcnow()
    existing = (
        await conn.execute(sa.select(voice_profiles.c.user_id).where(_mine(voice_profiles, principal)))
    ).first()
    values = {
        "method": "VOICE_EMBEDDING",
        "embedding": embedding,
        "sample_seconds": sample_seconds,
        "updated_at": now,
    }
    if existing is None:
        await conn.execute(
            voice_profiles.insert().values(
                tenant_id=principal.tenant_id, user_id=principal.user_id, created_at=now, **values
            )
        )
        return True
    await conn.execute(voice_profiles.update().where(_mine(voice_profiles, principal)).values(**values))
    return False


async def delete_voice_profile(conn: AsyncConnection, principal: Principal) -> bool:
    result = await conn.execute(voice_profiles.delete().where(_mine(voice_profiles, principal)))
    return bool(result.rowcount)


async def load_profile(conn: AsyncConnection, principal: Principal, default_timezone: str) -> UserProfile:
    host = host_tables.users
    host_row = (
        await conn.execute(
            sa.select(host).where(host.c.id == principal.user_id, host.c.tenant_id == principal.tenant_id)
        )
    ).first()
    own = (await conn.execute(sa.select(user_profiles).where(_mine(user_profiles, principal)))).first()
    email = principal.email or (host_row.email if host_row is not None else None)
    name = (own.display_name if own is not None else None) or (
        host_row.display_name if host_row is not None else None
    )
    created = (
        host_row.created_at
        if host_row is not None and host_row.created_at
        else (own.created_at if own else None)
    )
    return UserProfile(
        id=principal.user_id,
        tenant_id=principal.tenant_id,
        auth_kind="JWT" if principal.auth_kind == "jwt" else "API_KEY",
        timezone=(own.timezone if own is not None and own.timezone else default_timezone),
        voice_profile=await voice_status(conn, principal),
        email=email or UNSET,
        display_name=name or UNSET,
        created_at=iso(aware(created)) if created else UNSET,
        updated_at=iso(aware(own.updated_at)) if own is not None else UNSET,
    )


async def patch_profile(conn: AsyncConnection, principal: Principal, patch: UserPatch) -> None:
    values: dict[str, Any] = {}
    if patch.display_name is not UNSET:
        values["display_name"] = patch.display_name.strip() if isinstance(patch.display_name, str) else None
    if patch.timezone is not UNSET:
        values["timezone"] = check_timezone(patch.timezone) if isinstance(patch.timezone, str) else None
    if not values:
        raise validation_failed("nothing to update: send displayName and/or timezone")
    now = utcnow()
    result = await conn.execute(
        user_profiles.update().where(_mine(user_profiles, principal)).values(updated_at=now, **values)
    )
    if not result.rowcount:
        await conn.execute(
            user_profiles.insert().values(
                tenant_id=principal.tenant_id,
                user_id=principal.user_id,
                created_at=now,
                updated_at=now,
                **values,
            )
        )


async def user_stats(conn: AsyncConnection, principal: Principal, today: dt.date) -> UserStats:
    by_status = {
        row.status: int(row.n)
        for row in await conn.execute(
            sa.select(calls.c.status, sa.func.count().label("n"))
            .where(_mine(calls, principal))
            .group_by(calls.c.status)
        )
    }
    totals = (
        await conn.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(calls.c.duration_seconds), 0.0).label("seconds"),
                sa.func.max(calls.c.created_at).label("last"),
            ).where(_mine(calls, principal))
        )
    ).one()
    items = {
        row.status: int(row.n)
        for row in await conn.execute(
            sa.select(action_items.c.status, sa.func.count().label("n"))
            .where(_mine(action_items, principal))
            .group_by(action_items.c.status)
        )
    }
    overdue = (
        await conn.execute(
            sa.select(sa.func.count()).where(
                _mine(action_items, principal),
                action_items.c.status == "OPEN",
                action_items.c.due_date < today,
            )
        )
    ).scalar_one()
    shares: list[float] = []
    for row in await conn.execute(sa.select(analyses.c.data).where(_mine(analyses, principal))):
        for entry in (row.data or {}).get("talkTime", []):
            if entry.get("role") == "USER":
                shares.append(float(entry["share"]))
    return UserStats(
        total_calls=sum(by_status.values()),
        calls_by_status={s: by_status.get(s, 0) for s in ("INCOMING", "PROCESSING", "COMPLETED", "FAILED")},
        total_duration_seconds=round(float(totals.seconds or 0.0), 3),
        action_items_open=items.get("OPEN", 0),
        action_items_done=items.get("DONE", 0),
        action_items_overdue=int(overdue),
        average_user_talk_share=round(sum(shares) / len(shares), 4) if shares else None,
        last_call_at=iso(aware(totals.last)) if totals.last else UNSET,
    )


async def erase_user(conn: AsyncConnection, principal: Principal, *, keep_key: str | None) -> int:
    """Delete every row the user owns in Scryon; returns the number of calls. Blobs are the caller's."""
    call_ids = [r.id for r in await conn.execute(sa.select(calls.c.id).where(_mine(calls, principal)))]
    await delete_call_rows(conn, call_ids)
    await conn.execute(voice_profiles.delete().where(_mine(voice_profiles, principal)))
    await conn.execute(user_profiles.delete().where(_mine(user_profiles, principal)))
    keys = idempotency_keys.delete().where(_mine(idempotency_keys, principal))
    if keep_key is not None:
        keys = keys.where(idempotency_keys.c.key != keep_key)  # the erasure's own key records its answer
    await conn.execute(keys)
    return len(call_ids)
