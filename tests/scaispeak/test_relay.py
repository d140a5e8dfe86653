"""Backend B: the relay to an OpenAI-compatible /v1/audio/speech (a fake server on loopback)."""

from __future__ import annotations

from pathlib import Path

import scaispeak.plugin

from tests.fakes import FakeOpenAI
from tests.harness import Host
from tests.scaispeak.conftest import PREFIX, audio_of, decode_any


def test_policy_b_relays_and_fallback_goes_back_to_a(tmp_path: Path, openai_fake: FakeOpenAI) -> None:
    with Host(tmp_path, plugins=[scaispeak.plugin], **openai_fake.settings_overrides()) as host:
        assert "scaispeak-relay" in host.platform.backends.names("tts", "B")
        tenant = host.tenant("relayco")
        admin = host.key(tenant, "root", role="tenant_admin")
        h = host.headers(admin)
        policy = {"allowed_backends": "BA", "default_backend": "B"}
        assert host.client.put(f"{PREFIX}/admin/policy", json=policy, headers=h).status_code == 200
        body = {"voice_id": "preset-piper-joe", "text": "Relayed speech.", "response_format": "flac"}
        resp = host.client.post(f"{PREFIX}/speak", json=body, headers=h)
        assert resp.status_code == 200, resp.text
        data = resp.json()["data"]
        assert data["backend_used"] == "B"
        pcm, rate = decode_any(audio_of(data), "flac", data["sample_rate"])
        assert rate == data["sample_rate"] and len(pcm) > 0
        (request,) = [r for r in openai_fake.requests if r.path.endswith("/audio/speech")]
        assert request.json["input"] == "Relayed speech." and request.headers["authorization"].startswith(
            "Bearer "
        )
        openai_fake.fail_next(503, times=5)  # the relay is down: BA falls back to A
        again = host.client.post(f"{PREFIX}/speak", json=body, headers=h).json()["data"]
        assert again["backend_used"] == "A"
