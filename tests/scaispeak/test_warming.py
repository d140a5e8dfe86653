"""warming.py and routes/warming.py: warm, inspect and evict a voice over the node registry."""

from __future__ import annotations

from tests.harness import Host
from tests.scaispeak.conftest import PREFIX
from tests.scaispeak.test_voice_write import CONSENT_TEXT, REFERENCE_TEXT, create, joe, wait_ready


def test_warm_inspect_evict(host: Host, key: str) -> None:
    h = host.headers(key)
    node = host.platform.node_id
    before = host.client.get(f"{PREFIX}/voices/preset-piper-joe/warm", headers=h).json()["data"]
    assert before["candidate_node_ids"] == [node] and before["stale_node_ids"] == []
    warmed = host.client.post(f"{PREFIX}/voices/preset-piper-joe/warm", json={"node_ids": []}, headers=h)
    assert warmed.status_code == 200, warmed.text
    (outcome,) = warmed.json()["data"]["outcomes"]
    assert (
        outcome["node_id"] == node and outcome["ok"] and outcome["cache_key"].startswith("scaispeak.voice:")
    )
    assert host.client.get(f"{PREFIX}/voices/preset-piper-joe/warm", headers=h).json()["data"][
        "warm_node_ids"
    ] == [node]
    skipped = host.client.post(
        f"{PREFIX}/voices/preset-piper-joe/warm", json={"node_ids": ["ghost"]}, headers=h
    )
    assert skipped.json()["data"]["outcomes"] == [
        {
            "node_id": "ghost",
            "ok": False,
            "error": "skipped_not_candidate",
            "load_ms": None,
            "cache_key": None,
        }
    ]
    evicted = host.client.post(f"{PREFIX}/voices/preset-piper-joe/evict", headers=h)
    assert evicted.status_code == 200 and evicted.json()["data"]["outcomes"][0]["ok"]
    assert (
        host.client.get(f"{PREFIX}/voices/preset-piper-joe/warm", headers=h).json()["data"]["warm_node_ids"]
        == []
    )
    missing = host.client.post(f"{PREFIX}/voices/nope/warm", json={}, headers=h)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "SCAISPEAK_VOICE_NOT_FOUND"


def test_erasing_a_warm_voice_evicts_it_everywhere(host: Host) -> None:
    owner = host.key(host.tenant("warmco"), "owner")
    created = create(host, owner, reference=joe(REFERENCE_TEXT), consent=joe(CONSENT_TEXT)).json()["data"]
    voice = wait_ready(host, owner, created["voice_id"])
    h = host.headers(owner)
    assert (
        host.client.post(f"{PREFIX}/voices/{voice['voice_id']}/warm", json={}, headers=h).status_code == 200
    )
    erased = host.client.delete(f"{PREFIX}/voices/{voice['voice_id']}", headers=h).json()["data"]
    assert erased["evicted_from"] == [host.platform.node_id]
    warmer = host.platform.modules.modules["scaispeak"].state.warmer
    assert voice["voice_id"] not in warmer.warm
