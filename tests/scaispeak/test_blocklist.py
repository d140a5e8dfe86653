"""blocklist.py and routes/blocklist.py: entries enforced on HTTP, jobs, WS and the OpenAI route alike."""

from __future__ import annotations

import datetime as dt

from tests.harness import Host
from tests.scaispeak.conftest import PREFIX
from tests.scaispeak.streaming.test_ws import receive_all

SPEAK = {"voice_id": "preset-piper-joe", "text": "Blocked or not?", "response_format": "wav"}


def test_block_a_user_everywhere_then_unblock(host: Host) -> None:
    tenant = host.tenant("blockco")
    admin = host.headers(host.key(tenant, "admin", role="tenant_admin"))
    mallory_key = host.key(tenant, "mallory")
    mallory = host.headers(mallory_key)
    alice = host.headers(host.key(tenant, "alice"))
    resp = host.client.post(
        f"{PREFIX}/admin/blocklist",
        json={"scope": "user", "target_id": "mallory", "reason": "abuse"},
        headers=admin,
    )
    assert resp.status_code == 201, resp.text
    entry = resp.json()["data"]
    denied = host.client.post(f"{PREFIX}/speak", json=SPEAK, headers=mallory)
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "SCAISPEAK_VOICE_ACCESS_DENIED"
    assert host.client.post(f"{PREFIX}/speak", json=SPEAK, headers=alice).status_code == 200
    preview = host.client.post(
        f"{PREFIX}/voices/preset-piper-joe/preview", json={"text": "hi"}, headers=mallory
    )
    assert preview.status_code == 403
    oa = host.client.post(
        f"{PREFIX}/v1/audio/speech", json={"model": "tts-1", "voice": "alloy", "input": "hi"}, headers=mallory
    )
    assert oa.status_code == 403 and oa.json()["error"]["code"] == "SCAISPEAK_VOICE_ACCESS_DENIED"
    with host.client.websocket_connect(f"{PREFIX}/stream/speak?token={mallory_key}") as ws:
        ws.send_json({"type": "open", "voice_id": "preset-piper-joe"})
        ws.receive_json()
        ws.send_json({"type": "text", "delta": "Hello there. "})
        frames, code = receive_all(ws)
    assert code == 4403 and frames[-1]["code"] == "SCAISPEAK_VOICE_ACCESS_DENIED"
    listed = host.client.get(f"{PREFIX}/admin/blocklist", headers=admin).json()["data"]
    assert [e["block_id"] for e in listed] == [entry["block_id"]]
    assert (
        host.client.delete(f"{PREFIX}/admin/blocklist/{entry['block_id']}", headers=admin).status_code == 204
    )
    assert host.client.post(f"{PREFIX}/speak", json=SPEAK, headers=mallory).status_code == 200
    gone = host.client.delete(f"{PREFIX}/admin/blocklist/{entry['block_id']}", headers=admin)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "SCAISPEAK_BLOCKLIST_NOT_FOUND"


def test_voice_blocks_are_per_tenant_and_expire(host: Host) -> None:
    a, b = host.tenant("blocka"), host.tenant("blockb")
    admin_a = host.headers(host.key(a, "admin-a", role="tenant_admin"))
    user_a, user_b = host.headers(host.key(a, "ua")), host.headers(host.key(b, "ub"))
    host.client.post(
        f"{PREFIX}/admin/blocklist",
        json={"scope": "voice", "target_id": "preset-piper-joe", "reason": "licence review"},
        headers=admin_a,
    )
    assert host.client.post(f"{PREFIX}/speak", json=SPEAK, headers=user_a).status_code == 403
    assert host.client.post(f"{PREFIX}/speak", json=SPEAK, headers=user_b).status_code == 200  # other tenant
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).isoformat()
    bad = host.client.post(
        f"{PREFIX}/admin/blocklist",
        json={"scope": "tenant", "target_id": a, "reason": "x", "expires_at": past},
        headers=admin_a,
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "SCAISPEAK_BAD_REQUEST"


def test_only_admins_manage_the_blocklist(host: Host) -> None:
    member = host.headers(host.key(host.tenant("blockc"), "mc"))
    assert host.client.get(f"{PREFIX}/admin/blocklist", headers=member).status_code == 403
    bad_scope = host.client.post(
        f"{PREFIX}/admin/blocklist",
        json={"scope": "planet", "target_id": "x", "reason": "y"},
        headers=host.headers(host.key(host.tenant("blockc"), "adm", role="tenant_admin")),
    )
    assert bad_scope.status_code == 400
