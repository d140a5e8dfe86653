"""Cursor + limit pagination: an opaque base64url cursor naming the last row of the previous page.

Lists are ordered newest first by ``(created_at, id)``; the cursor carries both
(``{"createdAt": "...", "id": "..."}``) so the next page starts strictly after
that row even when many rows share a timestamp, and rows created meanwhile
never shift a page.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import Any

import sqlalchemy as sa

from scryon.errors import validation_failed

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "after_cursor", "check_limit", "decode_cursor", "encode_cursor"]

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def encode_cursor(created_at: dt.datetime, row_id: str) -> str:
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=dt.UTC)
    stamp = created_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    raw = json.dumps({"createdAt": stamp, "id": row_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)
        created = dt.datetime.fromisoformat(str(value["createdAt"]).replace("Z", "+00:00"))
        row_id = str(value["id"])
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise validation_failed("cursor is not valid", field="cursor") from None
    if created.tzinfo is None:
        created = created.replace(tzinfo=dt.UTC)
    return created, row_id


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise validation_failed(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    return limit


def after_cursor(table: sa.Table, cursor: str | None) -> Any:
    """The WHERE clause selecting rows after ``cursor`` in ``(created_at desc, id desc)`` order."""
    if not cursor:
        return sa.true()
    created, row_id = decode_cursor(cursor)
    created_col, id_col = table.c.created_at, table.c.id
    return sa.or_(created_col < created, sa.and_(created_col == created, id_col < row_id))
