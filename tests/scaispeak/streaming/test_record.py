"""scaispeak/streaming/record.py: live voice intake over a WebSocket, PCM and a container format."""

from __future__ import annotations

from typing import Any

import numpy as np

from tests.audio_fixtures import concat, piper_speech, silence, webm_opus
from tests.harness import Host
from tests.scaispeak.conftest import PREFIX
from tests.scaispeak.streaming.test_ws import receive_all
from tests.scaispeak.test_voice_write import CONSENT_TEXT, REFERENCE_TEXT, wait_ready

URL = f"{PREFIX}/voices/record"


def speech(text: str) -> np.ndarray:
    return concat(silence(0.3), piper_speech(text, sr=16000)[0], silence(0.3))


def s16(pcm: np.ndarray) -> bytes:
    return (np.clip(pcm, -1, 1) * 32767).astype("<i2").tobytes()


def start(**audio: Any) -> dict[str, Any]:
    return {
        "type": "start",
        "display_name": "Recorded live",
        "language_primary": "en",
        "consent_user_full_name": "Joe Example",
        "consent_stated_purpose": "support articles",
        "consent_text": CONSENT_TEXT,
        "audio": audio or {"encoding": "pcm_s16le", "sample_rate": 16000},
    }


def record(
    host: Host, key: str, first: Any, reference: bytes, consent: bytes, chunk: int = 8000
) -> tuple[list[Any], int]:
    with host.client.websocket_connect(f"{URL}?token={key}") as ws:
        ws.send_json(first)
        assert ws.receive_json() == {"type": "phase", "phase": "reference"}
        for i in range(0, len(reference), chunk):
            ws.send_bytes(reference[i : i + chunk])
        ws.send_json({"type": "phase_complete"})
        assert ws.receive_json() == {"type": "phase", "phase": "consent"}
        for i in range(0, len(consent), chunk):
            ws.send_bytes(consent[i : i + chunk])
        ws.send_json({"type": "finalize"})
        return receive_all(ws)


def test_recording_pcm_creates_a_voice(host: Host) -> None:
    key = host.key(host.tenant("recordco"), "rec")
    frames, code = record(host, key, start(), s16(speech(REFERENCE_TEXT)), s16(speech(CONSENT_TEXT)))
    assert code == 1000, frames
    created = frames[-1]
    assert created["type"] == "created" and created["preflight"]["passed"]
    voice = wait_ready(host, key, created["voice"]["voice_id"])
    assert voice["matched_base_voice"] == "preset-piper-joe"


def test_recording_a_container_format(host: Host) -> None:
    key = host.key(host.tenant("recordco"), "rec2")
    reference = webm_opus(speech(REFERENCE_TEXT), 16000)
    consent = webm_opus(speech(CONSENT_TEXT), 16000)
    frames, code = record(host, key, start(encoding="container", media_type="audio/webm"), reference, consent)
    assert code == 1000 and frames[-1]["type"] == "created", frames


def test_the_same_checks_as_post_voices(host: Host) -> None:
    key = host.key(host.tenant("recordco"), "rec3")
    frames, code = record(
        host, key, start(), s16(speech(REFERENCE_TEXT)), s16(speech("Something else entirely."))
    )
    assert code == 4400 and frames[-1]["code"] == "SCAISPEAK_CONSENT_INVALID"
    frames, code = record(host, key, start(), s16(speech("Hi.")), s16(speech(CONSENT_TEXT)))
    assert (
        code == 4400
        and frames[-1]["code"] == "SCAISPEAK_VOICE_PREFLIGHT_FAILED"
        and "preflight" in frames[-1]
    )


def test_bad_frames_and_auth(host: Host) -> None:
    key = host.key(host.tenant("recordco"), "rec4")
    with host.client.websocket_connect(f"{URL}?token={key}") as ws:
        ws.send_json({"type": "start"})
        frames, code = receive_all(ws)
    assert code == 4400 and frames[-1]["code"] == "SCAISPEAK_BAD_FRAME"
    with host.client.websocket_connect(f"{URL}?token={key}") as ws:
        ws.send_json(start())
        ws.receive_json()
        ws.send_json({"type": "finalize"})  # before phase_complete
        frames, code = receive_all(ws)
    assert code == 4400 and frames[-1]["code"] == "SCAISPEAK_BAD_FRAME"
    with host.client.websocket_connect(URL) as ws:
        _, code = receive_all(ws)
    assert code == 4401
    reader = host.key(host.tenant("recordco"), "reader4", permissions=["scaispeak:voice.read"])
    with host.client.websocket_connect(f"{URL}?token={reader}") as ws:
        _, code = receive_all(ws)
    assert code == 4403
