"""``/api/actions``: the caller's action items across calls, and updating one (status, text, due date)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, patch
from litestar.params import Parameter
from scaigrid.auth import Principal, requires
from scaigrid.platform import Platform

from scryon.errors import validation_failed
from scryon.idempotency import Outcome, idempotent
from scryon.pagination import DEFAULT_LIMIT, check_limit
from scryon.routes.common import decode_json, settings_of
from scryon.settings import Module
from scryon.store.actions import list_items, update_item
from scryon.wire import ActionItemPatch

__all__ = ["action_routes"]

USE = requires("scryon:use")
_STATUSES = ("OPEN", "DONE")


@get("/actions", guards=[USE])
async def list_actions(
    platform: Platform,
    principal: Principal,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
    status: str | None = None,
    owner: str | None = None,
    call_id: str | None = Parameter(query="callId", default=None),
) -> dict[str, Any]:
    """Newest first; filter by ``status`` (OPEN/DONE), ``owner`` (USER, OTHER or a label), ``callId``."""
    if status is not None and status.upper() not in _STATUSES:
        raise validation_failed(f"unknown status {status!r}", field="status", allowed=list(_STATUSES))
    async with platform.db.connect() as conn:
        page = await list_items(
            conn,
            principal,
            status=status.upper() if status else None,
            call_id=call_id,
            owner=owner,
            limit=check_limit(limit),
            cursor=cursor,
        )
    data: dict[str, Any] = msgspec.to_builtins(page)
    return data


@patch("/actions/{item_id:str}", guards=[USE])
async def patch_action(
    request: Request[Any, Any, Any], platform: Platform, principal: Principal, module: Module, item_id: str
) -> Response[Any]:
    """Change ``status`` (OPEN/DONE), ``text``, ``owner`` or ``dueDate`` (``null`` clears it)."""
    raw = await request.body()
    change = decode_json(raw, ActionItemPatch)
    if not msgspec.to_builtins(change):
        raise validation_failed("nothing to update: send status, text, owner or dueDate")

    async def run() -> Outcome:
        async with platform.db.begin() as conn:
            item = await update_item(conn, principal, item_id, change)
        return Outcome(200, msgspec.to_builtins(item))

    return await idempotent(
        request, platform.db, principal, settings_of(module).idempotency_ttl_seconds, [raw], run
    )


action_routes = [list_actions, patch_action]
