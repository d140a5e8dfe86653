"""scaispeak/streaming/ws.py: text in, audio out phrase by phrase, with every close code."""

from __future__ import annotations

import io
from typing import Any

import av
import numpy as np
import pytest
from litestar.exceptions import WebSocketDisconnect
from scaiecho.contracts import TRANSCRIPTION, TranscribeOptions, TranscriptionService
from scaigrid.audio import resample

from tests.harness import Host
from tests.scaiecho.conftest import wer
from tests.scaispeak.conftest import PREFIX

URL = f"{PREFIX}/stream/speak"
OPEN = {"type": "open", "voice_id": "preset-piper-joe"}
SENTENCE_A = "The first phrase is spoken at once."
SENTENCE_B = "The second one follows when it is complete."


def receive_all(ws: Any) -> tuple[list[Any], int]:
    """Every frame (JSON as dicts, audio as bytes) until the server closes, and the close code."""
    frames: list[Any] = []
    while True:
        try:
            message = ws.receive()
        except WebSocketDisconnect as exc:
            return frames, int(exc.code)
        if message["type"] == "websocket.close":
            return frames, int(message.get("code", 1000))
        if message.get("bytes") is not None:
            frames.append(message["bytes"])
        else:
            import json

            frames.append(json.loads(message["text"]))


def _heard(host: Host, pcm: np.ndarray, rate: int) -> str:
    stt = host.platform.services.get(TRANSCRIPTION, TranscriptionService)
    pcm16 = np.asarray(resample(pcm, rate, 16000), dtype=np.float32)
    return host.call(
        lambda: stt.transcribe_pcm(pcm16, TranscribeOptions(language="en"), tenant_id="acme")
    ).text


def test_phrases_are_spoken_as_they_complete(host: Host, key: str) -> None:
    with host.client.websocket_connect(f"{URL}?token={key}") as ws:
        ws.send_json(OPEN)
        ready = ws.receive_json()
        assert ready == {"type": "ready", "voice_id": "preset-piper-joe", "backend_used": "A", "codec": "pcm"}
        ws.send_json({"type": "text", "delta": SENTENCE_A + " The second one"})
        first = ws.receive_bytes()  # the complete phrase is spoken before the rest of the text exists
        assert len(first) > 22050  # more than half a second of s16le at 22.05 kHz
        ws.send_json({"type": "text", "delta": " follows when it is complete."})
        ws.send_json({"type": "close"})
        frames, code = receive_all(ws)
    assert code == 1000
    audio = first + b"".join(f for f in frames if isinstance(f, bytes))
    closed = frames[-1]
    assert closed["type"] == "closed"
    assert closed["stats"] == {"chars": len(SENTENCE_A) + len(SENTENCE_B), "backend_used": "A"}
    pcm = np.frombuffer(audio, dtype="<i2").astype(np.float32) / 32768.0
    assert wer(f"{SENTENCE_A} {SENTENCE_B}", _heard(host, pcm, 22050)) <= 0.2


def test_opus_frames_are_one_continuous_stream(host: Host, key: str) -> None:
    with host.client.websocket_connect(f"{URL}?token={key}") as ws:
        ws.send_json({**OPEN, "output": {"codec": "opus"}})
        assert ws.receive_json()["codec"] == "opus"
        ws.send_json({"type": "text", "delta": f"{SENTENCE_A} {SENTENCE_B}"})
        ws.send_json({"type": "flush"})
        ws.send_json({"type": "close"})
        frames, code = receive_all(ws)
    assert code == 1000 and frames[-1]["type"] == "closed"
    data = b"".join(f for f in frames if isinstance(f, bytes))
    with av.open(io.BytesIO(data)) as container:
        pcm = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(audio=0)])
    assert 3.0 < len(pcm) / 48000 < 10.0


def test_interrupt_drops_what_is_queued(host: Host, key: str) -> None:
    with host.client.websocket_connect(f"{URL}?token={key}") as ws:
        ws.send_json(OPEN)
        ws.receive_json()
        ws.send_json({"type": "text", "delta": "Some buffered text without an end"})
        ws.send_json({"type": "interrupt"})
        assert ws.receive_json() == {"type": "interrupted"}
        ws.send_json({"type": "close"})
        frames, code = receive_all(ws)
    assert code == 1000 and frames == [{"type": "closed", "stats": {"chars": 0, "backend_used": None}}]


@pytest.mark.parametrize(
    ("first", "code", "error"),
    [
        ("not json", 4400, "SCAISPEAK_BAD_FRAME"),
        ({"type": "text", "delta": "hi"}, 4400, "SCAISPEAK_BAD_FRAME"),
        ({"type": "open"}, 4400, "SCAISPEAK_BAD_FRAME"),
        ({"type": "open", "voice_id": "nope"}, 4400, "SCAISPEAK_VOICE_NOT_FOUND"),
        ({"type": "open", "voice_id": "preset-piper-joe", "speed": 5}, 4400, "SCAISPEAK_BAD_FRAME"),
        (b"\x00\x01", 4400, "SCAISPEAK_BAD_FRAME"),
    ],
)
def test_bad_first_frames_close_4400(host: Host, key: str, first: Any, code: int, error: str) -> None:
    with host.client.websocket_connect(f"{URL}?token={key}") as ws:
        if isinstance(first, bytes):
            ws.send_bytes(first)
        elif isinstance(first, str):
            ws.send_text(first)
        else:
            ws.send_json(first)
        frames, closed = receive_all(ws)
    assert closed == code and frames[-1]["code"] == error


def test_a_flood_closes_4400_and_the_server_stays_up(host: Host, key: str) -> None:
    with host.client.websocket_connect(f"{URL}?token={key}") as ws:
        ws.send_json(OPEN)
        ws.receive_json()
        ws.send_text("x" * 20_000)
        frames, code = receive_all(ws)
    assert code == 4400 and frames[-1]["code"] == "SCAISPEAK_STREAM_FLOOD"
    assert host.client.get(f"{PREFIX}/voices", headers=host.headers(key)).status_code == 200


def test_auth_close_codes(host: Host) -> None:
    with host.client.websocket_connect(URL) as ws:
        _, code = receive_all(ws)
    assert code == 4401
    reader = host.key(host.tenant("acme"), "reader", permissions=["scaispeak:voice.read"])
    with host.client.websocket_connect(f"{URL}?token={reader}") as ws:
        _, code = receive_all(ws)
    assert code == 4403


def test_no_usable_backend_closes_4502(host: Host) -> None:
    tenant = host.tenant("wsrelay")
    admin = host.key(tenant, "root", role="tenant_admin")
    host.client.put(f"{PREFIX}/admin/policy", json={"allowed_backends": "B"}, headers=host.headers(admin))
    with host.client.websocket_connect(f"{URL}?token={admin}") as ws:
        ws.send_json(OPEN)
        ws.receive_json()
        ws.send_json({"type": "text", "delta": "Hello there. "})
        frames, code = receive_all(ws)
    assert code == 4502 and frames[-1]["code"] == "SCAISPEAK_BACKEND_UNAVAILABLE"
