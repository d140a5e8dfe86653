"""``WS /stream/transcribe`` against the real app, real models and real speech.

Audio is sent at 10x real time in 20 ms frames. Every close code of the reference
is produced by a real cause (missing token, missing permission, garbage, flood, a
relay that fails, a transcription that crashes) and the server keeps serving after.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
import scaiecho.plugin as scaiecho_plugin
from litestar.exceptions import WebSocketDisconnect

from tests.audio_fixtures import piper_speech, silence
from tests.fakes.openai_server import FakeOpenAI
from tests.harness import Host
from tests.scaiecho.streaming.stream_helpers import SENTENCES, wer

URL = "/v1/modules/scaiecho/stream/transcribe"
FRAME_BYTES = 640  # 20 ms of 16 kHz s16le mono


@pytest.fixture(scope="module")
def relay() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory, relay: FakeOpenAI) -> Iterator[Host]:
    with Host(tmp_path_factory.mktemp("ws"), plugins=[scaiecho_plugin], **relay.settings_overrides()) as h:
        yield h


@pytest.fixture(scope="module")
def tenant(host: Host) -> str:
    return host.tenant("acme")


@pytest.fixture(scope="module")
def key(host: Host, tenant: str) -> str:
    return host.key(tenant, "alice")


def pcm_bytes(audio: np.ndarray) -> bytes:
    return (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()


def collect(ws: Any) -> tuple[list[dict[str, Any]], int]:
    """Every frame until the server closes; returns them and the close code."""
    frames: list[dict[str, Any]] = []
    while True:
        try:
            frames.append(ws.receive_json())
        except WebSocketDisconnect as exc:
            return frames, int(exc.code)


def stream(
    host: Host,
    *,
    open_frame: dict[str, Any],
    payload: bytes,
    query: str = "",
    headers: dict[str, str] | None = None,
    chunk: int = FRAME_BYTES,
    seconds_per_chunk: float = 0.002,
) -> tuple[list[dict[str, Any]], int]:
    with host.client.websocket_connect(URL + query, headers=headers) as ws:
        ws.send_json(open_frame)
        for i in range(0, len(payload), chunk):
            ws.send_bytes(payload[i : i + chunk])
            time.sleep(seconds_per_chunk)
        ws.send_json({"type": "close"})
        return collect(ws)


def open_and_collect(
    host: Host, first: Any, *, query: str = "", headers: dict[str, str] | None = None
) -> Any:
    with host.client.websocket_connect(URL + query, headers=headers) as ws:
        if isinstance(first, bytes):
            ws.send_bytes(first)
        elif isinstance(first, str):
            ws.send_text(first)
        elif first is not None:
            ws.send_json(first)
        return collect(ws)


def assert_still_serving(host: Host, key: str) -> None:
    speech, _ = piper_speech("Please call me back tomorrow morning.", sr=16000)
    frames, code = stream(
        host,
        open_frame={"type": "open", "interim_results": False},
        payload=pcm_bytes(np.concatenate([speech, silence(0.8)])),
        query=f"?token={key}",
    )
    assert code == 1000 and frames[0]["type"] == "ready" and frames[-1]["type"] == "closed"
    assert any(f["type"] == "delta" and f["is_final"] for f in frames)


def test_two_sentences_token_in_query(host: Host, key: str) -> None:
    a, _ = piper_speech(SENTENCES[0], sr=16000)
    b, _ = piper_speech(SENTENCES[1], sr=16000)
    payload = pcm_bytes(np.concatenate([silence(0.4), a, silence(1.0), b, silence(0.8)]))
    frames, code = stream(
        host,
        open_frame={"type": "open", "language_hint": "en", "sample_rate": 16000, "encoding": "pcm_s16le"},
        payload=payload,
        query=f"?token={key}",
    )
    assert code == 1000
    assert frames[0] == {
        "type": "ready",
        "backend_used": "A",
        "backend": frames[0]["backend"],
        "sample_rate": 16000,
        "interim_results": True,
    }
    assert frames[-1] == {
        "type": "closed",
        "audio_bytes": len(payload),
        "audio_seconds": round(len(payload) / 32000, 3),
    }
    deltas = [f for f in frames if f["type"] == "delta"]
    finals = [d for d in deltas if d["is_final"]]
    assert len(finals) == 2
    assert wer(" ".join(SENTENCES), " ".join(d["text"] for d in finals)) <= 0.15
    assert all("speaker_label" not in d for d in deltas)  # omitted when there is none
    assert set(deltas[0]) == {"type", "text", "is_final", "start", "end", "confidence"}
    first_final = next(i for i, d in enumerate(deltas) if d["is_final"])
    assert any(not d["is_final"] for d in deltas[:first_final]), "no partial before the first final"


def test_container_stream_with_bearer_header(host: Host, key: str) -> None:
    speech, rate = piper_speech(SENTENCES[1], sr=48000)
    audio = np.concatenate([speech, np.zeros(rate // 2, dtype=np.float32)])
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="webm") as container:
        stream_ = container.add_stream("libopus", rate=rate)
        stream_.layout = "mono"
        frame = av.AudioFrame.from_ndarray(
            (audio * 32767).astype(np.int16).reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate, frame.pts = rate, 0
        for packet in [*stream_.encode(frame), *stream_.encode(None)]:
            container.mux(packet)
    payload = buf.getvalue()
    frames, code = stream(
        host,
        open_frame={"type": "open", "encoding": "container", "media_type": "audio/webm;codecs=opus"},
        payload=payload,
        headers=host.headers(key),
        chunk=1000,
    )
    assert code == 1000, frames
    finals = [f for f in frames if f["type"] == "delta" and f["is_final"]]
    assert wer(SENTENCES[1], " ".join(f["text"] for f in finals)) <= 0.15
    assert frames[-1]["type"] == "closed" and frames[-1]["audio_bytes"] == len(payload)


def test_jwt_bearer_is_accepted(host: Host, tenant: str) -> None:
    token = host.jwt(tenant, "jwt-user", permissions=["scaiecho:transcribe"])
    frames, code = stream(
        host, open_frame={"type": "open"}, payload=pcm_bytes(silence(0.5)), headers=host.headers(token)
    )
    assert code == 1000
    assert [f["type"] for f in frames] == ["ready", "closed"]


def test_missing_token_closes_4401(host: Host) -> None:
    frames, code = open_and_collect(host, {"type": "open"})
    assert code == 4401
    assert frames and frames[-1]["type"] == "error"


def test_bad_token_closes_4401(host: Host) -> None:
    _, code = open_and_collect(host, {"type": "open"}, query="?token=sgk_nope_nope")
    assert code == 4401


def test_missing_permission_closes_4403(host: Host, tenant: str) -> None:
    reader = host.key(tenant, "enroller", permissions=["scaiecho:enroll"])
    frames, code = open_and_collect(host, {"type": "open"}, query=f"?token={reader}")
    assert code == 4403 and frames[-1]["type"] == "error"


def test_diarize_without_permission_closes_4403(host: Host, tenant: str) -> None:
    transcriber_only = host.key(tenant, "bob", permissions=["scaiecho:transcribe"])
    frames, code = open_and_collect(
        host, {"type": "open", "diarize": True}, query=f"?token={transcriber_only}"
    )
    assert code == 4403
    assert frames == [{"type": "error", "code": "SCAIECHO_FORBIDDEN", "message": frames[0]["message"]}]


@pytest.mark.parametrize(
    ("first", "code"),
    [
        (b"\x00\x01" * 320, "SCAIECHO_BAD_OPEN_FRAME"),  # audio before the open frame
        ("{not json", "SCAIECHO_BAD_OPEN_FRAME"),
        ({"type": "open", "sample_rate": 5}, "SCAIECHO_BAD_OPEN_FRAME"),
        ({"type": "close"}, "SCAIECHO_BAD_OPEN_FRAME"),
        ({"type": "open", "backend_preference": "fastest"}, "SCAIECHO_BAD_BACKEND_PREFERENCE"),
        ({"type": "open", "encoding": "container", "media_type": "video/mp4"}, "SCAIECHO_BAD_OPEN_FRAME"),
    ],
)
def test_bad_open_frames_close_4400(host: Host, key: str, first: Any, code: str) -> None:
    frames, close = open_and_collect(host, first, query=f"?token={key}")
    assert close == 4400
    assert frames[-1]["type"] == "error" and frames[-1]["code"] == code


def test_garbage_mid_stream_closes_4400_and_server_stays_up(host: Host, key: str) -> None:
    with host.client.websocket_connect(f"{URL}?token={key}") as ws:
        ws.send_json({"type": "open", "encoding": "webm"})
        assert ws.receive_json()["type"] == "ready"
        ws.send_bytes(b"definitely not a webm stream " * 100)
        ws.send_json({"type": "close"})
        frames, code = collect(ws)
    assert code == 4400
    assert frames[-1]["code"] == "SCAIECHO_UNSUPPORTED_AUDIO"
    with host.client.websocket_connect(f"{URL}?token={key}") as ws:
        ws.send_json({"type": "open"})
        assert ws.receive_json()["type"] == "ready"
        ws.send_text('{"type": "open"}')  # a second open frame
        frames, code = collect(ws)
    assert code == 4400 and frames[-1]["code"] == "SCAIECHO_BAD_FRAME"
    assert_still_serving(host, key)


def test_oversized_frame_closes_4400(host: Host, key: str) -> None:
    with host.client.websocket_connect(f"{URL}?token={key}") as ws:
        ws.send_json({"type": "open"})
        assert ws.receive_json()["type"] == "ready"
        ws.send_bytes(b"\x00" * (256 * 1024 + 2))
        frames, code = collect(ws)
    assert code == 4400 and frames[-1]["code"] == "SCAIECHO_FRAME_TOO_LARGE"


def test_flood_closes_4400_and_server_stays_up(host: Host, key: str) -> None:
    payload = pcm_bytes(silence(90.0))  # three times the 30 s flood limit, as fast as possible
    with host.client.websocket_connect(f"{URL}?token={key}") as ws:
        ws.send_json({"type": "open"})
        assert ws.receive_json()["type"] == "ready"
        for i in range(0, len(payload), 256 * 1024):
            ws.send_bytes(payload[i : i + 256 * 1024])
        frames, code = collect(ws)
    assert code == 4400 and frames[-1]["code"] == "SCAIECHO_STREAM_FLOOD"
    assert_still_serving(host, key)


def test_failing_relay_closes_4502(host: Host, key: str, relay: FakeOpenAI) -> None:
    relay.reset()
    relay.fail_next(503, times=20)
    speech, _ = piper_speech(SENTENCES[0], sr=16000)
    frames, code = stream(
        host,
        open_frame={"type": "open", "backend_preference": "prefer_relay", "interim_results": False},
        payload=pcm_bytes(np.concatenate([speech, silence(0.8)])),
        query=f"?token={key}",
    )
    relay.reset()
    assert frames[0]["type"] == "ready" and frames[0]["backend_used"] == "B"
    assert code == 4502
    assert frames[-1]["type"] == "error" and frames[-1]["code"] == "SCAIECHO_STREAM_FAILED"


def test_relay_backend_streams_deltas(host: Host, key: str, relay: FakeOpenAI) -> None:
    relay.reset()
    relay.script_transcripts("hello from the relay")
    speech, _ = piper_speech("Hello from the relay.", sr=16000)
    frames, code = stream(
        host,
        open_frame={"type": "open", "backend_preference": "prefer_relay", "interim_results": False},
        payload=pcm_bytes(np.concatenate([speech, silence(0.8)])),
        query=f"?token={key}",
    )
    assert code == 1000 and frames[0]["backend_used"] == "B"
    finals = [f for f in frames if f["type"] == "delta"]
    assert [f["text"] for f in finals] == ["hello from the relay"]
    assert relay.requests and relay.requests[0].path.endswith("/audio/transcriptions")


def test_crash_inside_transcription_closes_4500(
    host: Host, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = host.platform.services.get("scaiecho.transcription")

    async def crash(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("a bug, not a backend outage")

    monkeypatch.setattr(service, "transcribe_chunk", crash)
    speech, _ = piper_speech(SENTENCES[0], sr=16000)
    frames, code = stream(
        host,
        open_frame={"type": "open", "interim_results": False},
        payload=pcm_bytes(np.concatenate([speech, silence(0.8)])),
        query=f"?token={key}",
    )
    monkeypatch.undo()
    assert code == 4500
    assert frames[-1]["type"] == "error" and frames[-1]["code"] == "SCAIECHO_STREAM_FAILED"
    assert_still_serving(host, key)


def test_open_timeout_closes_4400(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCAIECHO_STREAM_OPEN_TIMEOUT_SECONDS", "0.5")
    with Host(tmp_path, plugins=[scaiecho_plugin]) as h:
        key = h.key(h.tenant("slow"), "sloth")
        with h.client.websocket_connect(f"{URL}?token={key}") as ws:
            frames, code = collect(ws)  # never sends the open frame
    assert code == 4400 and frames[-1]["code"] == "SCAIECHO_OPEN_TIMEOUT"


def test_client_vanishing_mid_stream_frees_its_session(host: Host, key: str) -> None:
    runtime = host.platform.modules.modules["scaiecho"].state.streaming
    speech, _ = piper_speech(SENTENCES[0], sr=16000)
    with host.client.websocket_connect(f"{URL}?token={key}") as ws:
        ws.send_json({"type": "open"})
        assert ws.receive_json()["type"] == "ready"
        ws.send_bytes(pcm_bytes(speech[: len(speech) // 2]))
        # leaving the block disconnects without {"type": "close"}
    deadline = time.monotonic() + 30
    while runtime.sessions and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not runtime.sessions
    assert_still_serving(host, key)
