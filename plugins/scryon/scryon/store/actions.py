"""Action-item rows: created with a completed call, listed across calls, updated by their owner."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from msgspec import UNSET
from scaigrid.auth import Principal
from scaigrid.db import utcnow
from sqlalchemy.ext.asyncio import AsyncConnection

from scryon.analysis.records import ActionItemDraft
from scryon.errors import action_item_forbidden, action_item_not_found
from scryon.pagination import after_cursor, encode_cursor
from scryon.store.calls import ADMIN_PERMISSION, aware, is_uuid
from scryon.tables import action_items
from scryon.wire import ActionItem, ActionItemPatch, Page, iso

__all__ = [
    "action_rows",
    "insert_items",
    "items_of_call",
    "list_items",
    "load_item",
    "to_item",
    "update_item",
]


def action_rows(
    call_id: str, tenant_id: str, user_id: str, drafts: Sequence[ActionItemDraft], now: dt.datetime
) -> list[dict[str, Any]]:
    return [
        {
            "id": str(uuid.uuid4()),
            "call_id": call_id,
            "tenant_id": tenant_id,
            "user_id": user_id,
            "position": position,
            "text": d.text,
            "owner": d.owner,
            "speaker": d.speaker,
            "kind": d.kind,
            "quote": d.quote,
            "start_seconds": d.start,
            "due_date": d.due_date if isinstance(d.due_date, dt.date) else None,
            "due_text": d.due_text if isinstance(d.due_text, str) else None,
            "status": "OPEN",
            "created_at": now,
            "updated_at": now,
        }
        for position, d in enumerate(drafts)
    ]


async def insert_items(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    if rows:
        await conn.execute(action_items.insert(), rows)


def to_item(row: Any) -> ActionItem:
    return ActionItem(
        id=row.id,
        call_id=row.call_id,
        text=row.text,
        owner=row.owner,
        speaker=row.speaker,
        kind=row.kind,
        quote=row.quote,
        start=row.start_seconds,
        status=row.status,
        created_at=iso(aware(row.created_at)),
        updated_at=iso(aware(row.updated_at)),
        due_date=row.due_date if row.due_date is not None else UNSET,
        due_text=row.due_text if row.due_text is not None else UNSET,
        completed_at=iso(aware(row.completed_at)) if row.completed_at else UNSET,
    )


async def items_of_call(conn: AsyncConnection, call_id: str) -> list[ActionItem]:
    rows = await conn.execute(
        sa.select(action_items).where(action_items.c.call_id == call_id).order_by(action_items.c.position)
    )
    return [to_item(r) for r in rows]


async def list_items(
    conn: AsyncConnection,
    principal: Principal,
    *,
    status: str | None,
    call_id: str | None,
    owner: str | None,
    limit: int,
    cursor: str | None,
) -> Page:
    """The caller's action items across calls, newest first."""
    t = action_items
    query = sa.select(t).where(
        t.c.tenant_id == principal.tenant_id, t.c.user_id == principal.user_id, after_cursor(t, cursor)
    )
    if status:
        query = query.where(t.c.status == status)
    if call_id:
        query = query.where(t.c.call_id == call_id)
    if owner:
        query = query.where(t.c.owner == owner)
    rows = (await conn.execute(query.order_by(t.c.created_at.desc(), t.c.id.desc()).limit(limit + 1))).all()
    page = rows[:limit]
    next_cursor = encode_cursor(aware(page[-1].created_at), page[-1].id) if len(rows) > limit else UNSET
    return Page(items=[to_item(r) for r in page], next_cursor=next_cursor)


async def load_item(conn: AsyncConnection, principal: Principal, item_id: str) -> Any:
    if not is_uuid(item_id):
        raise action_item_not_found()
    row = (
        await conn.execute(
            sa.select(action_items).where(
                action_items.c.id == item_id, action_items.c.tenant_id == principal.tenant_id
            )
        )
    ).first()
    if row is None:
        raise action_item_not_found()
    if row.user_id != principal.user_id and not principal.has(ADMIN_PERMISSION):
        raise action_item_forbidden()
    return row


async def update_item(
    conn: AsyncConnection, principal: Principal, item_id: str, patch: ActionItemPatch
) -> ActionItem:
    row = await load_item(conn, principal, item_id)
    now = utcnow()
    values: dict[str, Any] = {"updated_at": now}
    for name in ("text", "owner", "due_date"):
        value = getattr(patch, name)
        if value is not UNSET:
            values[name] = value
    if patch.due_date is not UNSET:
        values["due_text"] = None  # the spoken phrase no longer describes an edited date
    if patch.status is not UNSET and patch.status != row.status:
        values["status"] = patch.status
        values["completed_at"] = now if patch.status == "DONE" else None
    await conn.execute(action_items.update().where(action_items.c.id == row.id).values(**values))
    updated = (await conn.execute(sa.select(action_items).where(action_items.c.id == row.id))).one()
    return to_item(updated)
