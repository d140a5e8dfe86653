"""intake/ and routes/voice_write.py: a voice from a reference + consent, matched, shared, erased."""

from __future__ import annotations

import io
import time
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from tests.audio_fixtures import concat, espeak_speech, piper_speech, silence
from tests.harness import Host
from tests.scaispeak.conftest import PREFIX

CONSENT_TEXT = "I agree that my voice may be used to read our support articles."
REFERENCE_TEXT = (
    "Thank you for calling the support line. Your ticket has been updated and an engineer "
    "will contact you tomorrow morning."
)


def wav(pcm: np.ndarray, sr: int = 16000) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, pcm, sr, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def joe(text: str) -> bytes:
    return wav(concat(silence(0.3), piper_speech(text, sr=16000)[0], silence(0.3)))


def form(**overrides: Any) -> dict[str, str]:
    fields = {
        "display_name": "My voice",
        "language_primary": "en",
        "consent_user_full_name": "Joe Example",
        "consent_stated_purpose": "support articles",
        "consent_text": CONSENT_TEXT,
        "style_tags_json": '["calm"]',
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def create(
    host: Host, key: str, *, reference: bytes | None = None, consent: bytes | None = None, **fields: Any
) -> Any:
    files = {}
    if reference is not None:
        files["reference"] = ("reference.wav", reference, "audio/wav")
    if consent is not None:
        files["consent"] = ("consent.wav", consent, "audio/wav")
    return host.client.post(f"{PREFIX}/voices", data=form(**fields), files=files, headers=host.headers(key))


def wait_ready(host: Host, key: str, voice_id: str) -> dict[str, Any]:
    for _ in range(600):
        voice = host.client.get(f"{PREFIX}/voices/{voice_id}", headers=host.headers(key)).json()["data"]
        if voice["embedding_status"] in ("ready", "failed"):
            return dict(voice)
        time.sleep(0.05)
    raise AssertionError("intake did not finish")


@pytest.fixture(scope="module")
def owner(host: Host) -> str:
    return host.key(host.tenant("voiceco"), "joe", permissions=None)


def test_a_voice_from_a_reference_is_matched_spoken_shared_and_erased(host: Host, owner: str) -> None:
    resp = create(host, owner, reference=joe(REFERENCE_TEXT), consent=joe(CONSENT_TEXT))
    assert resp.status_code == 201, resp.text
    created = resp.json()["data"]
    assert created["kind"] == "matched" and created["scope"] == "user" and created["preflight"]["passed"]
    assert created["embedding_status"] in ("pending", "processing", "ready")
    voice = wait_ready(host, owner, created["voice_id"])
    assert voice["embedding_status"] == "ready", voice
    # the reference is piper's joe: the matcher must find that preset, and say how close it is
    assert voice["matched_base_voice"] == "preset-piper-joe" and voice["similarity"] > 0.8
    h = host.headers(owner)
    spoken = host.client.post(
        f"{PREFIX}/speak", json={"voice_id": voice["voice_id"], "text": "Hello.", "cfg_value": 2.0}, headers=h
    ).json()["data"]
    assert spoken["backend_used"] == "A" and "not applied yet" in spoken["notes"][0]
    # another user of the tenant does not see it until it is shared
    colleague = host.key(host.tenant("voiceco"), "colleague")
    assert (
        host.client.get(f"{PREFIX}/voices/{voice['voice_id']}", headers=host.headers(colleague)).status_code
        == 404
    )
    not_owner = host.client.post(
        f"{PREFIX}/voices/{voice['voice_id']}/share", headers=host.headers(colleague)
    )
    assert not_owner.status_code == 403  # sharing needs scaispeak:voice.share, which members lack
    sharer = host.key(
        host.tenant("voiceco"), "joe", permissions=["scaispeak:voice.read", "scaispeak:voice.share"]
    )
    shared = host.client.post(f"{PREFIX}/voices/{voice['voice_id']}/share", headers=host.headers(sharer))
    assert shared.status_code == 200 and shared.json()["data"]["scope"] == "tenant"
    assert (
        host.client.get(f"{PREFIX}/voices/{voice['voice_id']}", headers=host.headers(colleague)).status_code
        == 200
    )
    other_tenant = host.key(host.tenant("elsewhere"), "x")
    assert (
        host.client.get(
            f"{PREFIX}/voices/{voice['voice_id']}", headers=host.headers(other_tenant)
        ).status_code
        == 404
    )
    renamed = host.client.patch(
        f"{PREFIX}/voices/{voice['voice_id']}", json={"display_name": "Support Joe"}, headers=h
    )
    assert renamed.status_code == 200 and renamed.json()["data"]["display_name"] == "Support Joe"
    scope = host.client.patch(f"{PREFIX}/voices/{voice['voice_id']}", json={"scope": "global"}, headers=h)
    assert scope.status_code == 400 and scope.json()["error"]["details"]["field"] == "scope"
    again = host.client.post(f"{PREFIX}/voices/{voice['voice_id']}/repromote", headers=h)
    assert again.status_code == 202 and again.json()["data"]["started"] is False  # ready: a no-op
    erased = host.client.delete(f"{PREFIX}/voices/{voice['voice_id']}", headers=h)
    assert erased.status_code == 200 and erased.json()["data"]["blobs_deleted"] == 2
    assert host.client.get(f"{PREFIX}/voices/{voice['voice_id']}", headers=h).status_code == 404

    async def blobs() -> list[str]:
        return [b.key async for b in host.platform.blobs.list(f"scaispeak/voices/{voice['voice_id']}/")]

    assert host.call(blobs) == []
    admin = host.key(host.tenant("voiceco"), "boss", role="tenant_admin")
    audit = host.client.get(f"{PREFIX}/admin/erasure/audit", headers=host.headers(admin)).json()["data"]
    assert audit[0]["voice_id"] == voice["voice_id"] and audit[0]["details"]["legal_basis"] == "GDPR Art. 17"


def test_consent_must_say_the_text_and_be_read_by_the_same_speaker(host: Host, owner: str) -> None:
    wrong_words = create(
        host, owner, reference=joe(REFERENCE_TEXT), consent=joe("The weather is lovely today.")
    )
    assert (
        wrong_words.status_code == 400 and wrong_words.json()["error"]["code"] == "SCAISPEAK_CONSENT_INVALID"
    )
    assert wrong_words.json()["error"]["details"]["word_error_rate"] > 0.35
    someone_else = wav(espeak_speech(CONSENT_TEXT, "en-us+f3")[0])
    other = create(host, owner, reference=joe(REFERENCE_TEXT), consent=someone_else)
    body = other.json()["error"]
    assert other.status_code == 400 and body["code"] == "SCAISPEAK_CONSENT_INVALID", body
    missing = create(host, owner, reference=joe(REFERENCE_TEXT))
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "SCAISPEAK_CONSENT_INVALID"
    fields = create(host, owner, reference=joe(REFERENCE_TEXT), consent=joe(CONSENT_TEXT), consent_text=None)
    assert fields.json()["error"]["code"] == "SCAISPEAK_CONSENT_INVALID"


def test_preflight_sources_and_fields(host: Host, owner: str) -> None:
    short = create(host, owner, reference=joe("Hi."), consent=joe(CONSENT_TEXT))
    error = short.json()["error"]
    assert short.status_code == 400 and error["code"] == "SCAISPEAK_VOICE_PREFLIGHT_FAILED"
    failed = {c["name"] for c in error["preflight"]["checks"] if not c["passed"]}
    assert not error["preflight"]["passed"] and "duration" in failed
    silent = create(host, owner, reference=wav(silence(5.0) + 1e-4), consent=joe(CONSENT_TEXT))
    assert silent.json()["error"]["code"] == "SCAISPEAK_VOICE_PREFLIGHT_FAILED"
    both = create(
        host,
        owner,
        reference=joe(REFERENCE_TEXT),
        consent=joe(CONSENT_TEXT),
        reference_scaidrive_json='{"file_id": "f1"}',
    )
    assert both.status_code == 400 and both.json()["error"]["code"] == "SCAISPEAK_AMBIGUOUS_SOURCE"
    drive = create(host, owner, consent=joe(CONSENT_TEXT), reference_scaidrive_json='{"file_id": "f1"}')
    assert drive.status_code == 404 and drive.json()["error"]["code"] == "SCAISPEAK_SCAIDRIVE_NOT_AVAILABLE"
    lang = create(
        host, owner, reference=joe(REFERENCE_TEXT), consent=joe(CONSENT_TEXT), language_primary="english"
    )
    assert lang.status_code == 400 and lang.json()["error"]["details"]["field"] == "language_primary"
    reader = host.key(host.tenant("voiceco"), "reader", permissions=["scaispeak:voice.read"])
    assert create(host, reader, reference=joe(REFERENCE_TEXT), consent=joe(CONSENT_TEXT)).status_code == 403
