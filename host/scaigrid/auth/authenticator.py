"""Turn a request's credentials into a :class:`Principal`.

Accepted: ``Authorization: Bearer <sgk_ key | JWT>``, ``X-API-Key: sgk_...`` and,
on WebSocket routes, ``?token=``. Absent credentials give ``None`` (the route's
guard decides); present but invalid ones raise 401.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType

from scaigrid import tables
from scaigrid.auth.identity import ensure_user
from scaigrid.auth.keys import lookup_key
from scaigrid.auth.principal import ROLES, Principal, Role
from scaigrid.auth.tokens import looks_like_jwt, verify_jwt
from scaigrid.db import Database, utcnow
from scaigrid.errors import Unauthorized
from scaigrid.settings import Settings

__all__ = ["Authenticator", "credentials_of"]

_STATE_KEY = "scaigrid_principal"
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)
"""How stale ``api_keys.last_used_at`` may get before a request refreshes it."""
_MISSING = object()


def credentials_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The raw credential string of a connection, wherever the client put it."""
    auth = connection.headers.get("authorization")
    if auth:
        scheme, _, value = auth.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
        raise Unauthorized("Authorization header must be 'Bearer <token>'", code="INVALID_CREDENTIALS")
    key = connection.headers.get("x-api-key")
    if key:
        return key.strip()
    if connection.scope["type"] == ScopeType.WEBSOCKET:
        token = connection.query_params.get("token")
        if token:
            return str(token)
    return None


class Authenticator:
    """Resolves principals against the host database; one per platform."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        role_permissions: Callable[[Role], Iterable[str]],
    ) -> None:
        self.db = db
        self.settings = settings
        self.role_permissions = role_permissions

    async def principal(self, connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
        """Resolve (once per connection) the caller, or ``None`` without credentials."""
        state = connection.scope.setdefault("state", {})
        cached = state.get(_STATE_KEY, _MISSING)
        if cached is not _MISSING:
            if isinstance(cached, Unauthorized):
                raise cached
            return cached  # type: ignore[no-any-return]
        try:
            credential = credentials_of(connection)
            result = await self.from_credential(credential) if credential else None
        except Unauthorized as exc:
            state[_STATE_KEY] = exc
            raise
        state[_STATE_KEY] = result
        return result

    async def from_credential(self, credential: str) -> Principal:
        if credential.startswith("sgk_"):
            return await self._from_key(credential)
        if looks_like_jwt(credential):
            return await self._from_jwt(credential)
        raise Unauthorized("unrecognised credential", code="INVALID_CREDENTIALS")

    async def _from_key(self, key: str) -> Principal:
        async with self.db.begin() as conn:
            row = await lookup_key(conn, key)
            if row is None:
                raise Unauthorized("invalid or revoked API key", code="INVALID_API_KEY")
            now = utcnow()
            last = row.last_used_at
            if last is not None and last.tzinfo is None:  # SQLite hands back naive UTC
                last = last.replace(tzinfo=dt.UTC)
            # A write per request would serialise every call on SQLite's lock: refresh it coarsely.
            if last is None or now - last > LAST_USED_RESOLUTION:
                await conn.execute(
                    tables.api_keys.update().where(tables.api_keys.c.id == row.id).values(last_used_at=now)
                )
        role: Role = row.role if row.role in ROLES else "member"
        perms = row.permissions if row.permissions is not None else self.role_permissions(role)
        return Principal(
            tenant_id=row.tenant_id,
            user_id=row.user_id,
            role=role,
            permissions=frozenset(perms),
            auth_kind="api_key",
            api_key_id=row.id,
            email=row.email,
        )

    async def _from_jwt(self, token: str) -> Principal:
        claims = verify_jwt(token, self.settings)
        tenant_id = str(claims.get("tenant_id") or claims.get("tid"))
        user_id = str(claims["sub"])
        claimed_role = claims.get("role")
        async with self.db.begin() as conn:
            exists = (
                await conn.execute(sa.select(tables.tenants.c.id).where(tables.tenants.c.id == tenant_id))
            ).first()
            if exists is None:
                raise Unauthorized(f"unknown tenant {tenant_id!r} in token", code="INVALID_TOKEN")
            user = await ensure_user(conn, tenant_id=tenant_id, user_id=user_id, email=claims.get("email"))
        role: Role = claimed_role if claimed_role in ("tenant_admin", "member") else user.role
        if "permissions" in claims:
            perms = frozenset(str(p) for p in claims["permissions"])
        elif "scope" in claims:
            perms = frozenset(str(claims["scope"]).split())
        else:
            perms = frozenset(self.role_permissions(role))
        return Principal(
            tenant_id=tenant_id,
            user_id=user_id,
            role=role,
            permissions=perms,
            auth_kind="jwt",
            email=user.email,
        )
