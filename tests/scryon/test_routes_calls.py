"""``/api/calls…`` through HTTP without speech models (scryon/routes/calls.py).

Analyses fail here at the transcription step (scaiecho is not loaded), which
is itself checked: a provider that is missing fails the call with a coded reason.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.audio_fixtures import noise
from tests.harness import Host
from tests.scryon.conftest import MAX_FILE_SIZE
from tests.scryon.scryon_client import upload, wait_done, wav_bytes


@pytest.fixture(scope="module")
def people(scryon_host: Host) -> dict[str, dict[str, str]]:
    acme = scryon_host.tenant("acme")
    other = scryon_host.tenant("globex")
    return {
        "alice": scryon_host.headers(scryon_host.key(acme, "alice")),
        "bob": scryon_host.headers(scryon_host.key(acme, "bob")),
        "eve": scryon_host.headers(scryon_host.key(other, "eve")),
        "admin": scryon_host.headers(scryon_host.key(acme, "carol", role="tenant_admin")),
        "nobody": scryon_host.headers(scryon_host.key(acme, "dave", permissions=["scaiecho:transcribe"])),
    }


def _error(resp: Any) -> dict[str, Any]:
    body = resp.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]  # type: ignore[no-any-return]


def test_health_is_public(scryon_host: Host) -> None:
    body = scryon_host.client.get("/api/health").json()
    assert body["status"] == "ok" and body["time"].endswith("Z")


def test_auth_errors_use_the_scryon_envelope(scryon_host: Host, people: dict[str, dict[str, str]]) -> None:
    client = scryon_host.client
    resp = client.get("/api/calls")
    assert resp.status_code == 401 and _error(resp)["code"] == "unauthenticated"
    resp = client.get("/api/calls", headers=people["nobody"])
    assert resp.status_code == 403 and _error(resp)["code"] == "permission_denied"
    jwt = scryon_host.jwt("acme", "alice", permissions=["scryon:use"])
    assert client.get("/api/calls", headers={"Authorization": f"Bearer {jwt}"}).status_code == 200


def test_submit_returns_202_with_an_incoming_call_then_fails_with_a_coded_reason(
    scryon_host: Host, people: dict[str, dict[str, str]]
) -> None:
    client = scryon_host.client
    meta = {"title": "Weekly sync", "recordedAt": "2026-05-27T10:00:00Z", "externalId": "crm-42"}
    resp = upload(client, people["alice"], wav_bytes(), meta)
    assert resp.status_code == 202, resp.text
    call = resp.json()
    assert uuid.UUID(call["id"]).version == 4
    assert call["status"] == "INCOMING" and call["title"] == "Weekly sync"
    assert call["recordedAt"] == "2026-05-27T10:00:00Z" and call["createdAt"].endswith("Z")
    assert call["audio"] == {
        "filename": "call.wav",
        "contentType": "audio/wav",
        "sizeBytes": len(wav_bytes()),
    }
    assert call["metadata"] == {"externalId": "crm-42"}
    assert "durationSeconds" not in call and "failure" not in call  # omitted, not null
    done = wait_done(client, people["alice"], call["id"])
    assert done["status"] == "FAILED"
    # a 440 Hz tone: the host's VAD (always there, whatever modules are loaded) finds no speech
    assert done["failure"]["code"] == "no_speech_detected"
    for part in ("transcript", "analysis"):
        resp = client.get(f"/api/calls/{call['id']}/{part}", headers=people["alice"])
        assert resp.status_code == 404 and _error(resp)["code"] == f"{part}_not_ready"
        assert _error(resp)["details"] == {"status": "FAILED"}


@pytest.mark.parametrize(
    ("audio", "filename", "content_type", "status", "code"),
    [
        (
            b"this is plain text, not audio at all" * 10,
            "notes.txt",
            "text/plain",
            415,
            "unsupported_audio_format",
        ),
        (b"", "empty.wav", "audio/wav", 400, "empty_audio"),
    ],
)
def test_bad_uploads(
    scryon_host: Host,
    people: dict[str, dict[str, str]],
    audio: bytes,
    filename: str,
    content_type: str,
    status: int,
    code: str,
) -> None:
    resp = upload(scryon_host.client, people["alice"], audio, filename=filename, content_type=content_type)
    assert resp.status_code == status and _error(resp)["code"] == code


def test_oversized_upload_is_413(scryon_host: Host, people: dict[str, dict[str, str]]) -> None:
    resp = upload(scryon_host.client, people["alice"], wav_bytes(noise(10.0)))
    assert resp.status_code == 413
    err = _error(resp)
    assert err["code"] == "file_too_large" and err["details"]["maxFileSize"] == MAX_FILE_SIZE


def test_metadata_is_validated(scryon_host: Host, people: dict[str, dict[str, str]]) -> None:
    client = scryon_host.client
    for meta in (
        {"numSpeakers": 0},
        {"unknownField": 1},
        {"backendPreference": "FASTEST"},
        {"timezone": "Mars/Base"},
    ):
        resp = upload(client, people["alice"], wav_bytes(), meta)
        assert resp.status_code == 400, (meta, resp.text)
        assert _error(resp)["code"] == "validation_error"
    resp = client.post(
        "/api/calls/analyze", headers=people["alice"], data={"metadata": "{}"}, files={"x": ("a", b"1")}
    )
    assert resp.status_code == 400


def test_pagination_filters_and_bulk_status(scryon_host: Host, people: dict[str, dict[str, str]]) -> None:
    client = scryon_host.client
    tenant = scryon_host.tenant("paging")
    me = scryon_host.headers(scryon_host.key(tenant, "pager"))
    ids = []
    for day in range(1, 6):
        resp = upload(client, me, wav_bytes(), {"recordedAt": f"2026-03-0{day}T09:00:00Z"})
        ids.append(resp.json()["id"])
    for call_id in ids:
        wait_done(client, me, call_id)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/calls", headers=me, params=params).json()
        pages += 1
        seen += [c["id"] for c in body["items"]]
        cursor = body.get("nextCursor")
        if not cursor:
            break
    assert pages == 3 and seen == list(reversed(ids))  # newest first, no repeats, nothing lost
    window = client.get("/api/calls", headers=me, params={"from": "2026-03-02", "to": "2026-03-04"}).json()
    assert {c["id"] for c in window["items"]} == set(ids[1:3])
    assert client.get("/api/calls", headers=me, params={"status": "COMPLETED"}).json()["items"] == []
    assert (
        len(client.get("/api/calls", headers=me, params={"status": "failed,completed"}).json()["items"]) == 5
    )
    assert client.get("/api/calls", headers=me, params={"status": "DONE"}).status_code == 400
    assert client.get("/api/calls", headers=me, params={"limit": 500}).status_code == 400
    assert client.get("/api/calls", headers=me, params={"cursor": "garbage"}).status_code == 400

    unknown = str(uuid.uuid4())
    polled = client.get(
        "/api/calls/status", headers=me, params={"ids": f"{ids[0]},{unknown},{ids[1]}"}
    ).json()
    assert [i["id"] for i in polled["items"]] == [ids[0], ids[1]]
    assert all(i["status"] == "FAILED" and i["failure"]["code"] for i in polled["items"])
    assert polled["notFound"] == [unknown]


def test_cross_user_and_cross_tenant_isolation(scryon_host: Host, people: dict[str, dict[str, str]]) -> None:
    client = scryon_host.client
    call_id = upload(client, people["alice"], wav_bytes()).json()["id"]
    resp = client.get(f"/api/calls/{call_id}", headers=people["bob"])
    assert resp.status_code == 403 and _error(resp)["code"] == "call_forbidden"
    resp = client.get(f"/api/calls/{call_id}", headers=people["eve"])
    assert resp.status_code == 404 and _error(resp)["code"] == "call_not_found"
    assert client.delete(f"/api/calls/{call_id}", headers=people["bob"]).status_code == 403
    assert call_id not in [c["id"] for c in client.get("/api/calls", headers=people["bob"]).json()["items"]]
    polled = client.get("/api/calls/status", headers=people["bob"], params={"ids": call_id}).json()
    assert polled == {"items": [], "notFound": [call_id]}
    bulk = client.request("DELETE", "/api/calls", headers=people["bob"], json={"ids": [call_id]}).json()
    assert bulk == {"deleted": [], "notFound": [call_id]}
    # A tenant admin holds scryon:admin and may read a member's call.
    assert client.get(f"/api/calls/{call_id}", headers=people["admin"]).status_code == 200
    assert client.get("/api/calls/not-a-uuid", headers=people["alice"]).status_code == 404
    assert client.get(f"/api/calls/{call_id}", headers=people["alice"]).status_code == 200


def _blob_keys(host: Host, prefix: str) -> list[str]:
    async def keys() -> list[str]:
        return [info.key async for info in host.platform.blobs.list(prefix)]

    return host.call(keys)


def test_delete_is_hard_rows_and_blobs(scryon_host: Host, people: dict[str, dict[str, str]]) -> None:
    client = scryon_host.client
    first = upload(client, people["alice"], wav_bytes()).json()["id"]
    second = upload(client, people["alice"], wav_bytes()).json()["id"]
    third = upload(client, people["alice"], wav_bytes()).json()["id"]
    for call_id in (first, second, third):
        wait_done(client, people["alice"], call_id)
        assert _blob_keys(scryon_host, f"scryon/acme/alice/{call_id}/")
    assert client.delete(f"/api/calls/{first}", headers=people["alice"]).status_code == 204
    assert client.get(f"/api/calls/{first}", headers=people["alice"]).status_code == 404
    assert _blob_keys(scryon_host, f"scryon/acme/alice/{first}/") == []
    assert client.delete(f"/api/calls/{first}", headers=people["alice"]).status_code == 404

    missing = str(uuid.uuid4())
    resp = client.request("DELETE", "/api/calls", headers=people["alice"], json={"ids": [second, missing]})
    assert resp.status_code == 200 and resp.json() == {"deleted": [second], "notFound": [missing]}
    resp = client.delete("/api/calls", headers=people["alice"], params={"ids": third})
    assert resp.json() == {"deleted": [third], "notFound": []}
    for call_id in (second, third):
        assert _blob_keys(scryon_host, f"scryon/acme/alice/{call_id}/") == []
    assert (
        client.request("DELETE", "/api/calls", headers=people["alice"], json={"ids": []}).status_code == 400
    )
