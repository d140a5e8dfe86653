"""``/api/actions`` through HTTP (scryon/routes/actions.py), on action items stored for a finished call."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from scaigrid.db import utcnow
from scryon.analysis.records import ActionItemDraft
from scryon.store.actions import action_rows, insert_items
from scryon.tables import calls

from tests.harness import Host


def _seed(host: Host, tenant: str, user: str, count: int) -> str:
    """A COMPLETED call of ``user`` with ``count`` action items (every third one owned by OTHER)."""
    call_id = str(uuid.uuid4())
    drafts = [
        ActionItemDraft(
            text=f"Task {i}",
            owner="OTHER" if i % 3 == 0 else "USER",
            speaker="SPEAKER_00",
            kind="COMMITMENT",
            quote=f"I'll do task {i} by Friday.",
            start=float(i),
            due_date=dt.date(2026, 5, 29),
            due_text="Friday",
        )
        for i in range(count)
    ]

    async def insert() -> None:
        now = utcnow()
        async with host.platform.db.begin() as conn:
            await conn.execute(
                calls.insert().values(
                    id=call_id,
                    tenant_id=tenant,
                    user_id=user,
                    status="COMPLETED",
                    recorded_at=now,
                    timezone="UTC",
                    backend_preference="ANY",
                    client_metadata={},
                    audio_key="k",
                    audio_filename="a.wav",
                    audio_content_type="audio/wav",
                    audio_size=1,
                    audio_sha256="0" * 64,
                    created_at=now,
                    updated_at=now,
                    completed_at=now,
                )
            )
            await insert_items(conn, action_rows(call_id, tenant, user, drafts, now))

    host.call(insert)
    return call_id


@pytest.fixture(scope="module")
def seeded(scryon_host: Host) -> dict[str, object]:
    tenant = scryon_host.tenant("tasks")
    call_id = _seed(scryon_host, tenant, "tom", 5)
    _seed(scryon_host, tenant, "una", 1)
    return {
        "call": call_id,
        "tom": scryon_host.headers(scryon_host.key(tenant, "tom")),
        "una": scryon_host.headers(scryon_host.key(tenant, "una")),
    }


def test_list_pages_and_filters(scryon_host: Host, seeded: dict[str, object]) -> None:
    client, tom = scryon_host.client, seeded["tom"]
    seen, cursor = [], None
    while True:
        body = client.get(
            "/api/actions", headers=tom, params={"limit": 2, **({"cursor": cursor} if cursor else {})}
        ).json()
        seen += body["items"]
        cursor = body.get("nextCursor")
        if not cursor:
            break
    assert len(seen) == 5 and len({i["id"] for i in seen}) == 5
    item = seen[0]
    assert item["status"] == "OPEN" and item["dueDate"] == "2026-05-29" and item["callId"] == seeded["call"]
    assert "completedAt" not in item
    others = client.get("/api/actions", headers=tom, params={"owner": "OTHER"}).json()["items"]
    assert {i["text"] for i in others} == {"Task 0", "Task 3"}
    by_call = client.get("/api/actions", headers=tom, params={"callId": seeded["call"]}).json()["items"]
    assert len(by_call) == 5
    assert client.get("/api/actions", headers=tom, params={"status": "LATER"}).status_code == 400


def test_patch_status_text_and_due_date(scryon_host: Host, seeded: dict[str, object]) -> None:
    client, tom = scryon_host.client, seeded["tom"]
    item = client.get("/api/actions", headers=tom, params={"limit": 1}).json()["items"][0]
    url = f"/api/actions/{item['id']}"
    done = client.patch(url, headers=tom, json={"status": "DONE"}).json()
    assert done["status"] == "DONE" and done["completedAt"].endswith("Z")
    assert (
        client.get("/api/actions", headers=tom, params={"status": "DONE"}).json()["items"][0]["id"]
        == item["id"]
    )
    edited = client.patch(url, headers=tom, json={"text": "Task renamed", "dueDate": "2026-06-30"}).json()
    assert edited["text"] == "Task renamed" and edited["dueDate"] == "2026-06-30" and "dueText" not in edited
    cleared = client.patch(url, headers=tom, json={"dueDate": None, "status": "OPEN"}).json()
    assert "dueDate" not in cleared and cleared["status"] == "OPEN" and "completedAt" not in cleared
    for bad in ({}, {"status": "MAYBE"}, {"dueDate": "tomorrow"}, {"text": ""}):
        assert client.patch(url, headers=tom, json=bad).status_code == 400


def test_other_users_items_are_forbidden(scryon_host: Host, seeded: dict[str, object]) -> None:
    client = scryon_host.client
    item = client.get("/api/actions", headers=seeded["tom"], params={"limit": 1}).json()["items"][0]
    resp = client.patch(f"/api/actions/{item['id']}", headers=seeded["una"], json={"status": "DONE"})
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "action_item_forbidden"
    assert len(client.get("/api/actions", headers=seeded["una"]).json()["items"]) == 1
    resp = client.patch(f"/api/actions/{uuid.uuid4()}", headers=seeded["tom"], json={"status": "DONE"})
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "action_item_not_found"
