"""routes/speak.py and synthesis.py: every format decodes back to the speech, heard by scaiecho."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest
from scaiecho.contracts import TRANSCRIPTION, TranscribeOptions, TranscriptionService
from scaigrid.audio import resample

from tests.harness import Host
from tests.scaiecho.conftest import wer
from tests.scaispeak.conftest import PREFIX, audio_of, decode_any

TEXT = "Please call me back tomorrow morning about the invoice."


def _speak(host: Host, key: str, **body: Any) -> Any:
    return host.client.post(
        f"{PREFIX}/speak",
        json={"voice_id": "preset-piper-joe", "text": TEXT, **body},
        headers=host.headers(key),
    )


def _heard(host: Host, pcm: np.ndarray, rate: int) -> str:
    pcm16 = np.asarray(resample(pcm, rate, 16000), dtype=np.float32)
    stt = host.platform.services.get(TRANSCRIPTION, TranscriptionService)
    transcript = host.call(
        lambda: stt.transcribe_pcm(pcm16, TranscribeOptions(language="en"), tenant_id="acme")
    )
    return transcript.text


@pytest.mark.parametrize("fmt", ["mp3", "opus", "wav", "flac", "aac", "pcm"])
def test_every_format_decodes_back_to_the_spoken_text(host: Host, key: str, fmt: str) -> None:
    resp = _speak(host, key, response_format=fmt)
    assert resp.status_code == 200, resp.text
    body = resp.json()["data"]
    assert body["format"] == fmt and body["backend_used"] == "A" and body["characters"] == len(TEXT)
    pcm, rate = decode_any(audio_of(body), fmt, body["sample_rate"])
    # Opus always decodes at 48 kHz; the body names the rate it was encoded at (24 kHz for piper's 22.05).
    assert rate == (48000 if fmt == "opus" else body["sample_rate"])
    assert abs(len(pcm) / rate - body["duration_seconds"]) < 0.15  # codec padding only
    assert wer(TEXT, _heard(host, pcm, rate)) <= 0.2


def test_speed_changes_the_duration(host: Host, key: str) -> None:
    normal = _speak(host, key, response_format="wav").json()["data"]["duration_seconds"]
    fast = _speak(host, key, response_format="wav", speed=2.0).json()["data"]["duration_seconds"]
    slow = _speak(host, key, response_format="wav", speed=0.5).json()["data"]["duration_seconds"]
    assert fast < normal * 0.7 and slow > normal * 1.5


ESPEAK_SENTENCES = (
    "Please send the report before noon.",
    "The children played in the park all day.",
    "We need two more chairs for the kitchen.",
)


def test_an_espeak_voice_is_intelligible_and_speaks_german(host: Host, key: str) -> None:
    # espeak-ng is a formant synthesizer: on held-out sentences tiny.en heard en-us+m3 at a mean WER
    # of 0.03 (one sentence 0.11); a single robotic sentence can still go badly, so the bound is on
    # the mean of three, generous: at least half the words understood.
    rates = []
    for sentence in ESPEAK_SENTENCES:
        resp = host.client.post(
            f"{PREFIX}/speak",
            json={"voice_id": "preset-espeak-en-us-m3", "text": sentence, "response_format": "flac"},
            headers=host.headers(key),
        )
        body = resp.json()["data"]
        pcm, rate = decode_any(audio_of(body), "flac", body["sample_rate"])
        rates.append(wer(sentence, _heard(host, pcm, rate)))
    assert sum(rates) / len(rates) <= 0.5, rates
    german = host.client.post(
        f"{PREFIX}/speak",
        json={
            "voice_id": "preset-espeak-de",
            "text": "Guten Morgen, wie geht es Ihnen?",
            "response_format": "wav",
        },
        headers=host.headers(key),
    )
    assert german.status_code == 200 and german.json()["data"]["duration_seconds"] > 1.0


@pytest.mark.parametrize("voice", ["preset-kokoro-jf_alpha", "preset-kokoro-jm_kumo"])
def test_kokoro_speaks_english(host: Host, key: str, voice: str) -> None:
    resp = host.client.post(
        f"{PREFIX}/speak",
        json={"voice_id": voice, "text": TEXT, "response_format": "wav"},
        headers=host.headers(key),
    )
    body = resp.json()["data"]
    assert resp.status_code == 200 and body["sample_rate"] == 24000
    pcm, rate = decode_any(audio_of(body), "wav", body["sample_rate"])
    assert wer(TEXT, _heard(host, pcm, rate)) <= 0.2


def test_cloning_knobs_on_a_preset_are_ignored_with_a_note(host: Host, key: str) -> None:
    body = _speak(host, key, response_format="wav", cfg_value=3.0, warmup_trim_ms=150).json()["data"]
    assert any("cfg_value" in n for n in body["notes"]) and any("warmup_trim_ms" in n for n in body["notes"])


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"speed": 3.0}, 400, "VALIDATION_ERROR"),
        ({"response_format": "ogg"}, 400, "VALIDATION_ERROR"),
        ({"text": ""}, 400, "VALIDATION_ERROR"),
        ({"text": "   "}, 400, "SCAISPEAK_BAD_REQUEST"),
        ({"voice_id": "nope"}, 404, "SCAISPEAK_VOICE_NOT_FOUND"),
        ({"unknown": 1}, 400, "VALIDATION_ERROR"),
        ({"cfg_value": 9}, 400, "VALIDATION_ERROR"),
        ({"save_to": {"share_id": "s"}}, 400, "SCAISPEAK_SAVE_TO_REQUIRES_JWT"),
    ],
)
def test_bad_requests_are_coded(host: Host, key: str, body: dict[str, Any], status: int, code: str) -> None:
    resp = _speak(host, key, **body)
    assert resp.status_code == status and resp.json()["error"]["code"] == code, resp.text


def test_save_to_with_a_jwt_says_scaidrive_is_not_configured(host: Host) -> None:
    token = host.jwt("acme", "alice", permissions=["scaispeak:synthesize", "scaispeak:voice.read"])
    resp = host.client.post(
        f"{PREFIX}/speak",
        json={"voice_id": "preset-piper-joe", "text": "hi", "save_to": {"share_id": "s"}},
        headers=host.headers(token),
    )
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "SCAISPEAK_SCAIDRIVE_NOT_AVAILABLE"


def _wait(host: Host, key: str, job_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    for _ in range(600):
        resp = host.client.get(f"{PREFIX}/speak/jobs/{job_id}", headers=headers or host.headers(key))
        body = resp.json()["data"]
        if body["status"] in ("completed", "failed"):
            return dict(body)
        time.sleep(0.05)
    raise AssertionError("the speak job did not finish")


def test_long_text_becomes_a_job_scoped_to_its_user(host: Host, key: str) -> None:
    text = " ".join([TEXT] * 10)  # over 500 characters
    resp = _speak(host, key, text=text, response_format="mp3")
    assert resp.status_code == 202, resp.text
    accepted = resp.json()["data"]
    assert accepted["poll_url"] == f"{PREFIX}/speak/jobs/{accepted['job_id']}"
    done = _wait(host, key, accepted["job_id"])
    assert done["status"] == "completed", done
    result = done["result"]
    pcm, rate = decode_any(audio_of(result), "mp3", result["sample_rate"])
    assert result["characters"] == len(text) and len(pcm) / rate > 20
    other = host.key(host.tenant("acme"), "mallory")
    stolen = host.client.get(f"{PREFIX}/speak/jobs/{accepted['job_id']}", headers=host.headers(other))
    assert stolen.status_code == 404 and stolen.json()["error"]["code"] == "SCAISPEAK_JOB_NOT_FOUND"
    forced = _speak(host, key, force_async=True, response_format="wav")
    assert forced.status_code == 202


def test_a_policy_without_a_usable_backend_is_a_coded_503(host: Host) -> None:
    admin = host.key(host.tenant("relayonly"), "root", role="tenant_admin")
    h = host.headers(admin)
    resp = host.client.put(f"{PREFIX}/admin/policy", json={"allowed_backends": ["B"]}, headers=h)
    assert resp.status_code == 200 and resp.json()["data"]["allowed_backends"] == ["B"]
    denied = host.client.post(
        f"{PREFIX}/speak", json={"voice_id": "preset-piper-joe", "text": "hi"}, headers=h
    )
    assert denied.status_code == 503 and denied.json()["error"]["code"] == "SCAISPEAK_BACKEND_UNAVAILABLE"


def test_an_idempotency_key_replays_the_same_audio_without_synthesizing(host: Host, key: str) -> None:
    calls: list[int] = []
    synth = host.platform.modules.modules["scaispeak"].state.synthesizer
    original = synth.pcm

    async def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return await original(*args, **kwargs)

    synth.pcm = counting  # type: ignore[method-assign]
    try:
        first = _speak(host, key, response_format="wav", idempotency_key="retry-1").json()["data"]
        second = _speak(host, key, response_format="wav", idempotency_key="retry-1").json()["data"]
    finally:
        synth.pcm = original  # type: ignore[method-assign]
    assert first["audio_base64"] == second["audio_base64"] and len(calls) == 1
    clash = _speak(host, key, response_format="mp3", idempotency_key="retry-1")
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "SCAISPEAK_IDEMPOTENCY_CONFLICT"
    other_user = host.key(host.tenant("acme"), "zed")
    fresh = _speak(host, other_user, response_format="mp3", idempotency_key="retry-1")
    assert fresh.status_code == 200  # keys are per user
    long = " ".join([TEXT] * 10)
    job_a = _speak(host, key, text=long, idempotency_key="long-1").json()["data"]["job_id"]
    job_b = _speak(host, key, text=long, idempotency_key="long-1").json()["data"]["job_id"]
    assert job_a == job_b
