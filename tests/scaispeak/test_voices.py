"""scaispeak/voices.py and routes/voices.py: the preset library, visibility, filters, preview."""

from __future__ import annotations

from tests.harness import Host
from tests.scaispeak.conftest import PREFIX


def test_install_creates_the_bundled_voices_with_a_licence(host: Host, key: str) -> None:
    resp = host.client.get(f"{PREFIX}/voices", headers=host.headers(key))
    assert resp.status_code == 200
    voices = {v["voice_id"]: v for v in resp.json()["data"]}
    joe = voices["preset-piper-joe"]
    assert joe["scope"] == "global" and joe["kind"] == "preset" and joe["embedding_status"] == "ready"
    assert joe["license"]["license_type"] == "perpetual" and "GPL-3.0" in joe["license"]["terms_summary"]
    assert {"preset-espeak-en-us-f3", "preset-espeak-de"} <= set(voices)
    assert voices["preset-espeak-en-us-f3"]["gender_hint"] == "female"


def test_filters(host: Host, key: str) -> None:
    h = host.headers(key)
    german = host.client.get(f"{PREFIX}/voices", params={"language": "de"}, headers=h).json()["data"]
    assert [v["voice_id"] for v in german] == ["preset-espeak-de"]
    assert host.client.get(f"{PREFIX}/voices", params={"q": "piper"}, headers=h).json()["data"][0][
        "voice_id"
    ] == ("preset-piper-joe")
    assert len(host.client.get(f"{PREFIX}/voices", params={"limit": 2}, headers=h).json()["data"]) == 2
    assert host.client.get(f"{PREFIX}/voices", params={"scope": "user"}, headers=h).json()["data"] == []
    for params in ({"limit": 0}, {"limit": 201}, {"language": "english"}, {"gender": "robot"}):
        resp = host.client.get(f"{PREFIX}/voices", params=params, headers=h)
        assert resp.status_code == 400 and resp.json()["error"]["code"] == "VALIDATION_ERROR", params


def test_an_unknown_voice_is_a_coded_404(host: Host, key: str) -> None:
    resp = host.client.get(f"{PREFIX}/voices/nope", headers=host.headers(key))
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "SCAISPEAK_VOICE_NOT_FOUND"
    assert host.client.get(f"{PREFIX}/voices/preset-piper-joe", headers=host.headers(key)).status_code == 200


def test_reading_needs_the_permission(host: Host) -> None:
    nobody = host.key(host.tenant("acme"), "bob", permissions=["scaispeak:synthesize"])
    assert host.client.get(f"{PREFIX}/voices", headers=host.headers(nobody)).status_code == 403
    assert host.client.get(f"{PREFIX}/voices").status_code == 401


def test_preview_is_short_and_real(host: Host, key: str) -> None:
    h = host.headers(key)
    resp = host.client.post(
        f"{PREFIX}/voices/preset-piper-joe/preview",
        json={"text": "Hello there.", "response_format": "wav"},
        headers=h,
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()["data"]
    assert body["format"] == "wav" and body["sample_rate"] == 22050 and body["duration_seconds"] > 0.5
    long = host.client.post(f"{PREFIX}/voices/preset-piper-joe/preview", json={"text": "a" * 301}, headers=h)
    assert long.status_code == 400 and long.json()["error"]["code"] == "SCAISPEAK_TEXT_TOO_LONG"
