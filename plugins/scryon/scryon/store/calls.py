"""Call rows: access checks, listing, bulk status, hard deletion (rows and blobs), job bookkeeping.

Every query names the tenant. Another tenant's call answers 404; another user's
call in the same tenant answers 403 ``call_forbidden``, as the Scryon reference
says ("trying to read another user's call"), unless the caller holds
``scryon:admin``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import msgspec
import sqlalchemy as sa
from msgspec import UNSET
from scaigrid.auth import Principal
from scaigrid.db import utcnow
from sqlalchemy.ext.asyncio import AsyncConnection

from scryon.errors import call_forbidden, call_not_found
from scryon.pagination import after_cursor, encode_cursor
from scryon.tables import action_items, analyses, calls, transcripts
from scryon.wire import AudioInfo, Call, CallStatusItem, Failure, Page, UserIdentification, iso

__all__ = [
    "ADMIN_PERMISSION",
    "aware",
    "call_prefix",
    "delete_call_rows",
    "is_uuid",
    "list_calls",
    "load_call",
    "status_items",
    "to_call",
    "touch",
    "user_prefix",
]

ADMIN_PERMISSION = "scryon:admin"


def aware(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; every timestamp scryon writes is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False


def user_prefix(tenant_id: str, user_id: str) -> str:
    """Blob prefix of everything one user owns."""
    return f"scryon/{quote(tenant_id, safe='')}/{quote(user_id, safe='')}/"


def call_prefix(tenant_id: str, user_id: str, call_id: str) -> str:
    return f"{user_prefix(tenant_id, user_id)}{call_id}/"


async def load_call(conn: AsyncConnection, principal: Principal, call_id: str) -> sa.Row[Any]:
    """The call row if the caller may see it: 404 when unknown here, 403 when another user's."""
    if not is_uuid(call_id):
        raise call_not_found()
    row = (
        await conn.execute(
            sa.select(calls).where(calls.c.id == call_id, calls.c.tenant_id == principal.tenant_id)
        )
    ).first()
    if row is None:
        raise call_not_found()
    if row.user_id != principal.user_id and not principal.has(ADMIN_PERMISSION):
        raise call_forbidden()
    return row


def _failure(row: Any) -> Failure | msgspec.UnsetType:
    if row.failure_code:
        return Failure(code=row.failure_code, message=row.failure_message or "")
    return UNSET


def _identification(row: Any) -> UserIdentification | msgspec.UnsetType | None:
    value = row.identification
    if value is None:
        return UNSET
    if value.get("speaker") is None:
        return None  # a voice profile was compared and matched nobody
    return msgspec.convert(value, UserIdentification)


def to_call(row: Any, *, progress: float | None = None) -> Call:
    def opt(value: Any) -> Any:
        return UNSET if value is None else value

    return Call(
        id=row.id,
        status=row.status,
        recorded_at=iso(aware(row.recorded_at)),
        created_at=iso(aware(row.created_at)),
        updated_at=iso(aware(row.updated_at)),
        timezone=row.timezone,
        audio=AudioInfo(
            filename=row.audio_filename, content_type=row.audio_content_type, size_bytes=row.audio_size
        ),
        title=opt(row.title),
        language=opt(row.language),
        duration_seconds=opt(row.duration_seconds),
        speech_seconds=opt(row.speech_seconds),
        speaker_count=opt(row.speaker_count),
        user_speaker=_identification(row),
        analysis_backend=opt(row.analysis_backend),
        completed_at=iso(aware(row.completed_at)) if row.completed_at else UNSET,
        progress=UNSET if progress is None else round(progress, 3),
        failure=_failure(row),
        metadata=row.client_metadata or UNSET,
    )


async def list_calls(
    conn: AsyncConnection,
    principal: Principal,
    *,
    statuses: Sequence[str],
    recorded_from: dt.datetime | None,
    recorded_to: dt.datetime | None,
    limit: int,
    cursor: str | None,
) -> Page:
    """The caller's calls, newest upload first."""
    query = sa.select(calls).where(
        calls.c.tenant_id == principal.tenant_id,
        calls.c.user_id == principal.user_id,
        after_cursor(calls, cursor),
    )
    if statuses:
        query = query.where(calls.c.status.in_(list(statuses)))
    if recorded_from is not None:
        query = query.where(calls.c.recorded_at >= recorded_from)
    if recorded_to is not None:
        query = query.where(calls.c.recorded_at < recorded_to)
    rows = (
        await conn.execute(query.order_by(calls.c.created_at.desc(), calls.c.id.desc()).limit(limit + 1))
    ).all()
    page = rows[:limit]
    next_cursor = encode_cursor(aware(page[-1].created_at), page[-1].id) if len(rows) > limit else UNSET
    return Page(items=[to_call(r) for r in page], next_cursor=next_cursor)


async def status_items(
    conn: AsyncConnection, principal: Principal, ids: Sequence[str], progress: dict[str, float]
) -> tuple[list[CallStatusItem], list[str]]:
    """Status of the caller's calls among ``ids``; the rest (unknown or not theirs) as not found."""
    wanted = [i for i in dict.fromkeys(ids) if is_uuid(i)]
    rows = (
        await conn.execute(
            sa.select(calls).where(
                calls.c.tenant_id == principal.tenant_id,
                calls.c.user_id == principal.user_id,
                calls.c.id.in_(wanted),
            )
        )
    ).all()
    found = {r.id: r for r in rows}
    items = [
        CallStatusItem(
            id=r.id,
            status=r.status,
            updated_at=iso(aware(r.updated_at)),
            progress=progress.get(r.id, UNSET),
            failure=_failure(r),
        )
        for i in dict.fromkeys(ids)
        if (r := found.get(i)) is not None
    ]
    return items, [i for i in dict.fromkeys(ids) if i not in found]


async def delete_call_rows(conn: AsyncConnection, call_ids: Sequence[str]) -> None:
    """Remove calls and everything hanging off them (explicitly: not every database cascades)."""
    if not call_ids:
        return
    ids = list(call_ids)
    for table in (action_items, analyses, transcripts):
        await conn.execute(table.delete().where(table.c.call_id.in_(ids)))
    await conn.execute(calls.delete().where(calls.c.id.in_(ids)))


async def touch(conn: AsyncConnection, call_id: str, **values: Any) -> int:
    result = await conn.execute(
        calls.update().where(calls.c.id == call_id).values(updated_at=utcnow(), **values)
    )
    return int(result.rowcount or 0)


async def insert_call(conn: AsyncConnection, values: dict[str, Any]) -> None:
    """A new call row (status ``INCOMING``), built by the upload route."""
    await conn.execute(calls.insert().values(**values))


async def owned_calls(
    conn: AsyncConnection, principal: Principal, call_ids: Sequence[str]
) -> list[sa.Row[Any]]:
    """The caller's calls among ``call_ids`` (tenant and user scoped in the query; others are absent)."""
    stmt = sa.select(calls).where(
        calls.c.tenant_id == principal.tenant_id,
        calls.c.user_id == principal.user_id,
        calls.c.id.in_(list(call_ids)),
    )
    return list((await conn.execute(stmt)).all())


async def transcript_row(conn: AsyncConnection, call_id: str) -> sa.Row[Any] | None:
    return (await conn.execute(sa.select(transcripts).where(transcripts.c.call_id == call_id))).first()


async def analysis_row(conn: AsyncConnection, call_id: str) -> sa.Row[Any] | None:
    return (await conn.execute(sa.select(analyses).where(analyses.c.call_id == call_id))).first()
