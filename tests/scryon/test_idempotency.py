"""``Idempotency-Key`` semantics through HTTP (scryon/idempotency.py)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from scaigrid.db import utcnow
from scryon.idempotency import fingerprint, purge_expired
from scryon.tables import calls, idempotency_keys

from tests.harness import Host
from tests.scryon.scryon_client import upload, wav_bytes


def _headers(host: Host, user: str) -> dict[str, str]:
    return host.headers(host.key(host.tenant("idem"), user))


def _count_calls(host: Host, user: str) -> int:
    async def count() -> int:
        async with host.platform.db.connect() as conn:
            q = sa.select(sa.func.count()).select_from(calls).where(calls.c.user_id == user)
            return int((await conn.execute(q)).scalar_one())

    return host.call(count)


def test_retry_returns_the_original_response_once(scryon_host: Host) -> None:
    me = _headers(scryon_host, "retrier")
    audio = wav_bytes()
    first = upload(scryon_host.client, me, audio, {"title": "one"}, key="analyze-1")
    again = upload(scryon_host.client, me, audio, {"title": "one"}, key="analyze-1")
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert _count_calls(scryon_host, "retrier") == 1
    # Without a key every request is its own.
    upload(scryon_host.client, me, audio, {"title": "one"})
    assert _count_calls(scryon_host, "retrier") == 2


def test_same_key_different_payload_is_422(scryon_host: Host) -> None:
    me = _headers(scryon_host, "reuser")
    assert upload(scryon_host.client, me, wav_bytes(), {"title": "a"}, key="k").status_code == 202
    resp = upload(scryon_host.client, me, wav_bytes(), {"title": "b"}, key="k")
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "idempotency_key_reused"
    resp = scryon_host.client.patch(
        "/api/users/me", headers={**me, "Idempotency-Key": "k"}, json={"timezone": "UTC"}
    )
    assert resp.status_code == 422


def test_keys_are_per_user(scryon_host: Host) -> None:
    one, two = _headers(scryon_host, "u1"), _headers(scryon_host, "u2")
    body = {"displayName": "One"}
    assert (
        scryon_host.client.patch(
            "/api/users/me", headers={**one, "Idempotency-Key": "shared"}, json=body
        ).json()["id"]
        == "u1"
    )
    resp = scryon_host.client.patch("/api/users/me", headers={**two, "Idempotency-Key": "shared"}, json=body)
    assert resp.json()["id"] == "u2" and "Idempotent-Replayed" not in resp.headers


def _insert(
    host: Host, user: str, key: str, fp: str, *, state: str, age: dt.timedelta = dt.timedelta()
) -> None:
    async def insert() -> None:
        now = utcnow() - age
        async with host.platform.db.begin() as conn:
            await conn.execute(
                idempotency_keys.insert().values(
                    tenant_id="idem",
                    user_id=user,
                    key=key,
                    fingerprint=fp,
                    state=state,
                    created_at=now,
                    expires_at=now + dt.timedelta(hours=24),
                )
            )

    host.call(insert)


def _fp(method: str, path: str, *content: Any) -> str:
    return fingerprint(
        SimpleNamespace(method=method, url=SimpleNamespace(path=path, query="")), list(content)
    )


def test_while_the_first_is_running_a_retry_is_409(scryon_host: Host) -> None:
    me = _headers(scryon_host, "racer")
    _insert(scryon_host, "racer", "slow", _fp("DELETE", "/api/users/me/voice-profile"), state="RUNNING")
    resp = scryon_host.client.delete("/api/users/me/voice-profile", headers={**me, "Idempotency-Key": "slow"})
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "idempotency_key_in_use"
    # An attempt that stopped long ago (crashed worker) no longer blocks the key.
    _insert(
        scryon_host,
        "racer",
        "stale",
        _fp("DELETE", "/api/users/me/voice-profile"),
        state="RUNNING",
        age=dt.timedelta(hours=1),
    )
    resp = scryon_host.client.delete(
        "/api/users/me/voice-profile", headers={**me, "Idempotency-Key": "stale"}
    )
    assert resp.status_code == 404


def test_client_errors_are_replayed_and_expired_keys_forgotten(scryon_host: Host) -> None:
    me = _headers(scryon_host, "erring")
    url = "/api/users/me/voice-profile"
    first = scryon_host.client.delete(url, headers={**me, "Idempotency-Key": "e1"})
    again = scryon_host.client.delete(url, headers={**me, "Idempotency-Key": "e1"})
    assert first.status_code == again.status_code == 404
    assert again.json() == first.json() and again.json()["error"]["code"] == "voice_profile_not_found"
    assert again.headers["Idempotent-Replayed"] == "true"

    async def expire() -> int:
        async with scryon_host.platform.db.begin() as conn:
            await conn.execute(
                idempotency_keys.update()
                .where(idempotency_keys.c.key == "e1")
                .values(expires_at=utcnow() - dt.timedelta(seconds=1))
            )
        return await purge_expired(scryon_host.platform.db)

    assert scryon_host.call(expire) >= 1
    fresh = scryon_host.client.delete(url, headers={**me, "Idempotency-Key": "e1"})
    assert fresh.status_code == 404 and "Idempotent-Replayed" not in fresh.headers


def test_key_length_is_checked(scryon_host: Host) -> None:
    me = _headers(scryon_host, "long")
    resp = scryon_host.client.delete(
        "/api/users/me/voice-profile", headers={**me, "Idempotency-Key": "x" * 300}
    )
    assert resp.status_code == 400
