"""``Idempotency-Key`` for every mutating endpoint: a retry gets the original response back.

The first request with a key inserts a ``RUNNING`` row scoped to the caller
(tenant, user, key) together with a fingerprint of the request (method, path,
body). When the handler finishes, the status and body are stored for
``idempotency_ttl_seconds`` (24 h). Then, for the same key:

- same fingerprint, finished → the stored status and body, with ``Idempotent-Replayed: true``;
- same key, different fingerprint → 422 ``idempotency_key_reused``;
- first request still running → 409 ``idempotency_key_in_use``.

Client errors (4xx) are stored like successes, as the original answer; a
server error (5xx) or a crash releases the key so the client can retry. A
``RUNNING`` row older than ``RUNNING_TIMEOUT`` is treated as abandoned.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import msgspec
import sqlalchemy as sa
from litestar import Request, Response
from scaigrid.auth import Principal
from scaigrid.db import Database, utcnow
from scaigrid.errors import ScaigridError
from sqlalchemy.exc import IntegrityError

from scryon.envelope import render_error_object
from scryon.errors import idempotency_conflict, idempotency_mismatch, validation_failed
from scryon.tables import idempotency_keys as keys

__all__ = ["HEADER", "REPLAYED_HEADER", "Outcome", "fingerprint", "idempotent"]

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
RUNNING_TIMEOUT = dt.timedelta(minutes=15)
MAX_KEY_LENGTH = 255


class Outcome(msgspec.Struct, frozen=True):
    """What a mutating handler answered: status code and JSON-ready body (``None`` for 204)."""

    status: int
    body: Any = None

    def response(self, *, replayed: bool = False) -> Response[Any]:
        headers = {REPLAYED_HEADER: "true"} if replayed else None
        return Response(content=self.body, status_code=self.status, headers=headers)


def fingerprint(request: Request[Any, Any, Any], parts: Sequence[str | bytes]) -> str:
    """A hash of the method, path, query and the request's meaningful content."""
    digest = hashlib.sha256()
    for part in (request.method, request.url.path, request.url.query or "", *parts):
        chunk = part.encode() if isinstance(part, str) else part
        digest.update(len(chunk).to_bytes(8, "big"))
        digest.update(chunk)
    return digest.hexdigest()


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _scope(principal: Principal, key: str) -> Any:
    return sa.and_(
        keys.c.tenant_id == principal.tenant_id, keys.c.user_id == principal.user_id, keys.c.key == key
    )


async def _claim(db: Database, principal: Principal, key: str, fp: str, ttl: int) -> Outcome | None:
    """Insert the RUNNING row, or return the stored outcome of a finished twin."""
    for _ in range(2):
        now = utcnow()
        try:
            async with db.begin() as conn:
                await conn.execute(
                    keys.insert().values(
                        tenant_id=principal.tenant_id,
                        user_id=principal.user_id,
                        key=key,
                        fingerprint=fp,
                        state="RUNNING",
                        created_at=now,
                        expires_at=now + dt.timedelta(seconds=ttl),
                    )
                )
            return None
        except IntegrityError:
            pass
        async with db.begin() as conn:
            row = (await conn.execute(sa.select(keys).where(_scope(principal, key)))).first()
            if row is None:
                continue  # expired and deleted by someone else meanwhile: insert again
            expired = _aware(row.expires_at) <= now
            abandoned = row.state == "RUNNING" and _aware(row.created_at) <= now - RUNNING_TIMEOUT
            if expired or abandoned:
                await conn.execute(keys.delete().where(_scope(principal, key)))
                continue
        if row.fingerprint != fp:
            raise idempotency_mismatch()
        if row.state == "RUNNING":
            raise idempotency_conflict()
        return Outcome(status=int(row.status_code), body=row.response)
    raise idempotency_conflict()


async def _store(db: Database, principal: Principal, key: str, outcome: Outcome) -> None:
    async with db.begin() as conn:
        await conn.execute(
            keys.update()
            .where(_scope(principal, key))
            .values(state="DONE", status_code=outcome.status, response=outcome.body)
        )


async def _release(db: Database, principal: Principal, key: str) -> None:
    async with db.begin() as conn:
        await conn.execute(keys.delete().where(_scope(principal, key), keys.c.state == "RUNNING"))


async def idempotent(
    request: Request[Any, Any, Any],
    db: Database,
    principal: Principal,
    ttl_seconds: int,
    content: Sequence[str | bytes],
    run: Callable[[], Awaitable[Outcome]],
) -> Response[Any]:
    """Run ``run`` at most once per ``Idempotency-Key`` (or plainly when the header is absent).

    ``content`` is what makes two requests "the same" besides method and path:
    the raw JSON body, or the upload's hash and its metadata part.
    """
    key = request.headers.get(HEADER)
    if key is None:
        return (await run()).response()
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise validation_failed(f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters", header=HEADER)
    stored = await _claim(db, principal, key, fingerprint(request, content), ttl_seconds)
    if stored is not None:
        return stored.response(replayed=True)
    try:
        outcome = await run()
    except ScaigridError as err:
        if err.status_code >= 500:
            await _release(db, principal, key)
            raise
        await _store(db, principal, key, Outcome(status=err.status_code, body=render_error_object(err)))
        raise
    except BaseException:
        await _release(db, principal, key)
        raise
    await _store(db, principal, key, outcome)
    return outcome.response()


async def purge_expired(db: Database) -> int:
    """Delete rows past their expiry (run now and then; expired rows are also ignored on read)."""
    async with db.begin() as conn:
        result = await conn.execute(keys.delete().where(keys.c.expires_at <= utcnow()))
    return int(result.rowcount or 0)
