"""JWT bearer tokens, verified with PyJWT against a configured HS256 secret or RS256 public key.

Claims: ``sub`` (user id), ``tenant_id`` (or ``tid``), optional ``role``,
``permissions`` (list) or ``scope`` (space separated), ``email``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jwt

from scaigrid.errors import Unauthorized
from scaigrid.settings import Settings

__all__ = ["JwtClaims", "issue_hs256", "looks_like_jwt", "verify_jwt"]

JwtClaims = dict[str, Any]


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and not token.startswith("sgk_")


def _rs256_key(settings: Settings) -> str:
    value = settings.jwt_rs256_public_key.strip()
    if value.startswith("-----BEGIN"):
        return value
    return Path(value).read_text()


def verify_jwt(token: str, settings: Settings) -> JwtClaims:
    """Verify signature, expiry and (when configured) audience/issuer; return the claims."""
    keys: list[tuple[str, str]] = []
    if settings.jwt_rs256_public_key:
        keys.append(("RS256", _rs256_key(settings)))
    if settings.jwt_hs256_secret:
        keys.append(("HS256", settings.jwt_hs256_secret))
    if not keys:
        raise Unauthorized("JWT bearer tokens are not configured on this host", code="JWT_NOT_CONFIGURED")
    try:
        alg = jwt.get_unverified_header(token).get("alg")
    except jwt.PyJWTError as exc:
        raise Unauthorized("malformed bearer token", code="INVALID_TOKEN") from exc
    key = next((k for a, k in keys if a == alg), None)
    if key is None:
        raise Unauthorized(f"token algorithm {alg!r} is not accepted", code="INVALID_TOKEN")
    try:
        claims: JwtClaims = jwt.decode(
            token,
            key,
            algorithms=[str(alg)],
            audience=settings.jwt_audience or None,
            issuer=settings.jwt_issuer or None,
            options={"require": ["exp", "sub"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("bearer token expired", code="TOKEN_EXPIRED") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"invalid bearer token: {exc}", code="INVALID_TOKEN") from exc
    if not (claims.get("tenant_id") or claims.get("tid")):
        raise Unauthorized("bearer token has no tenant_id claim", code="INVALID_TOKEN")
    return claims


def issue_hs256(
    secret: str,
    *,
    tenant_id: str,
    user_id: str,
    permissions: Sequence[str] | None = None,
    role: str | None = None,
    email: str | None = None,
    ttl_seconds: int = 3600,
    audience: str | None = None,
    issuer: str | None = None,
) -> str:
    """Mint a token (for tests, the CLI and operators wiring an identity provider)."""
    now = int(time.time())
    claims: JwtClaims = {"sub": user_id, "tenant_id": tenant_id, "iat": now, "exp": now + ttl_seconds}
    if permissions is not None:
        claims["permissions"] = list(permissions)
    if role:
        claims["role"] = role
    if email:
        claims["email"] = email
    if audience:
        claims["aud"] = audience
    if issuer:
        claims["iss"] = issuer
    return jwt.encode(claims, secret, algorithm="HS256")
