"""``/api/users/me…`` through HTTP (scryon/routes/users.py); enrolment itself is in test_e2e_calls."""

from __future__ import annotations

import sqlalchemy as sa
from scryon.tables import calls, user_profiles

from tests.harness import Host
from tests.scryon.scryon_client import upload, wait_done, wav_bytes


def test_profile_read_and_update(scryon_host: Host) -> None:
    tenant = scryon_host.tenant("people")
    me = scryon_host.headers(scryon_host.key(tenant, "ann", email="ann@example.com"))
    client = scryon_host.client
    body = client.get("/api/users/me", headers=me).json()
    assert body["id"] == "ann" and body["tenantId"] == "people" and body["authKind"] == "API_KEY"
    assert body["timezone"] == "UTC" and body["voiceProfile"] == {"status": "NOT_ENROLLED"}
    assert "displayName" not in body
    resp = client.patch("/api/users/me", headers=me, json={"displayName": "Ann", "timezone": "Europe/Berlin"})
    assert resp.status_code == 200
    assert resp.json()["displayName"] == "Ann" and resp.json()["timezone"] == "Europe/Berlin"
    assert client.get("/api/users/me", headers=me).json()["timezone"] == "Europe/Berlin"
    for bad in ({"timezone": "Nowhere/Else"}, {}, {"nickname": "x"}):
        assert client.patch("/api/users/me", headers=me, json=bad).status_code == 400
    jwt = scryon_host.jwt("people", "ann", permissions=["scryon:use"])
    assert client.get("/api/users/me", headers={"Authorization": f"Bearer {jwt}"}).json()["authKind"] == "JWT"
    # The user's timezone becomes the call's when the upload names none.
    call = upload(client, me, wav_bytes()).json()
    assert call["timezone"] == "Europe/Berlin"


def test_stats_count_calls_by_status(scryon_host: Host) -> None:
    tenant = scryon_host.tenant("people")
    me = scryon_host.headers(scryon_host.key(tenant, "stat"))
    client = scryon_host.client
    empty = client.get("/api/users/me/stats", headers=me).json()
    assert empty["totalCalls"] == 0 and empty["averageUserTalkShare"] is None and "lastCallAt" not in empty
    for _ in range(2):
        wait_done(client, me, upload(client, me, wav_bytes()).json()["id"])
    stats = client.get("/api/users/me/stats", headers=me).json()
    assert stats["totalCalls"] == 2 and stats["callsByStatus"]["FAILED"] == 2
    assert stats["actionItemsOpen"] == 0 and stats["lastCallAt"].endswith("Z")


def test_voice_profile_status_and_delete_without_profile(scryon_host: Host) -> None:
    me = scryon_host.headers(scryon_host.key(scryon_host.tenant("people"), "novoice"))
    client = scryon_host.client
    assert client.get("/api/users/me/voice-profile/status", headers=me).json() == {"status": "NOT_ENROLLED"}
    resp = client.delete("/api/users/me/voice-profile", headers=me)
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "voice_profile_not_found"
    resp = client.post(
        "/api/users/me/voice-profile", headers=me, files={"audio": ("x.txt", b"not audio" * 20, "text/plain")}
    )
    assert resp.status_code == 415


def test_delete_account_removes_calls_blobs_and_profile(scryon_host: Host) -> None:
    tenant = scryon_host.tenant("people")
    me = scryon_host.headers(scryon_host.key(tenant, "leaver"))
    keep = scryon_host.headers(scryon_host.key(tenant, "stayer"))
    client = scryon_host.client
    client.patch("/api/users/me", headers=me, json={"displayName": "Leaver"})
    mine = [upload(client, me, wav_bytes()).json()["id"] for _ in range(2)]
    theirs = upload(client, keep, wav_bytes()).json()["id"]
    for call_id in mine:
        wait_done(client, me, call_id)
    resp = client.delete("/api/users/me", headers={**me, "Idempotency-Key": "bye"})
    assert resp.status_code == 204
    again = client.delete("/api/users/me", headers={**me, "Idempotency-Key": "bye"})
    assert again.status_code == 204 and again.headers["Idempotent-Replayed"] == "true"

    async def leftovers() -> tuple[int, int, list[str], list[str]]:
        async with scryon_host.platform.db.connect() as conn:
            n_calls = (
                await conn.execute(
                    sa.select(sa.func.count()).select_from(calls).where(calls.c.user_id == "leaver")
                )
            ).scalar_one()
            n_prof = (
                await conn.execute(
                    sa.select(sa.func.count())
                    .select_from(user_profiles)
                    .where(user_profiles.c.user_id == "leaver")
                )
            ).scalar_one()
        blobs = [b.key async for b in scryon_host.platform.blobs.list("scryon/people/leaver/")]
        others = [b.key async for b in scryon_host.platform.blobs.list("scryon/people/stayer/")]
        return n_calls, n_prof, blobs, others

    n_calls, n_prof, blobs, others = scryon_host.call(leftovers)
    assert (n_calls, n_prof, blobs) == (0, 0, [])
    assert others and client.get(f"/api/calls/{theirs}", headers=keep).status_code == 200
    assert client.get("/api/calls", headers=me).json()["items"] == []
    assert client.get("/api/users/me", headers=me).json().get("displayName") is None
