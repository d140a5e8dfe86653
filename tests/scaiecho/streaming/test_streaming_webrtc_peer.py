"""The WebRTC audio plane end to end: a real aiortc client peer sends piper speech over Opus/RTP
to a live uvicorn server and receives transcript deltas on the control WebSocket."""

from __future__ import annotations

import asyncio
import fractions
import json
import time
from collections.abc import Iterator
from typing import Any

import av
import httpx
import numpy as np
import pytest
import scaiecho.plugin as scaiecho_plugin

from tests.audio_fixtures import piper_speech, silence
from tests.harness import Host
from tests.scaiecho.streaming.stream_helpers import SENTENCES, wer

BASE = "/v1/modules/scaiecho/stream/transcribe/webrtc/sessions"
RATE = 48000
FRAME = 960  # 20 ms, what a browser's Opus track delivers


def pcm_track(pcm: np.ndarray) -> Any:
    """An audio ``MediaStreamTrack`` playing ``pcm`` (48 kHz mono) at real-time pace."""
    from aiortc import MediaStreamTrack
    from aiortc.mediastreams import MediaStreamError

    samples = (np.clip(pcm, -1, 1) * 32767).astype(np.int16)

    class PcmTrack(MediaStreamTrack):  # type: ignore[misc]
        kind = "audio"

        def __init__(self) -> None:
            super().__init__()
            self.pos = 0
            self.started: float | None = None
            self.finished = asyncio.Event()

        async def recv(self) -> av.AudioFrame:
            if self.pos >= len(samples):
                self.finished.set()
                self.stop()
                raise MediaStreamError
            if self.started is None:
                self.started = time.monotonic()
            delay = self.started + self.pos / RATE - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            chunk = samples[self.pos : self.pos + FRAME]
            chunk = np.pad(chunk, (0, FRAME - len(chunk)))
            frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = RATE
            frame.pts = self.pos
            frame.time_base = fractions.Fraction(1, RATE)
            self.pos += FRAME
            return frame

    return PcmTrack()


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Host]:
    with Host(tmp_path_factory.mktemp("webrtc-peer"), plugins=[scaiecho_plugin]) as h:
        yield h


def test_speech_over_webrtc_comes_back_as_deltas(host: Host) -> None:
    from aiortc import RTCPeerConnection, RTCSessionDescription
    from websockets.asyncio.client import connect

    key = host.key(host.tenant("acme"), "alice")
    a, _ = piper_speech(SENTENCES[0], sr=RATE)
    b, _ = piper_speech(SENTENCES[1], sr=RATE)
    audio = np.concatenate([silence(0.5, RATE), a, silence(1.0, RATE), b, silence(1.2, RATE)])

    async def scenario(base: str) -> tuple[list[dict[str, Any]], int | None, dict[str, Any]]:
        async with httpx.AsyncClient(base_url=base, headers=host.headers(key), timeout=60) as http:
            created = await http.post(BASE, json={"language_hint": "en", "chunk_seconds": 15})
            assert created.status_code == 201, created.text
            session = created.json()["data"]
            sid = session["session_id"]
            control_url = base.replace("http://", "ws://") + f"{session['control_url']}?token={key}"
            async with connect(control_url) as control:
                ready = json.loads(await control.recv())
                assert ready["type"] == "ready"

                pc = RTCPeerConnection()
                track = pcm_track(audio)
                pc.addTrack(track)
                await pc.setLocalDescription(await pc.createOffer())
                offer = pc.localDescription
                answered = await http.post(f"{BASE}/{sid}/offer", json={"sdp": offer.sdp, "type": offer.type})
                assert answered.status_code == 200, answered.text
                answer = answered.json()["data"]
                await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))
                # trickle our own candidates too: the route accepts what a browser would send
                for line in offer.sdp.splitlines():
                    if line.startswith("a=candidate:"):
                        trickled = await http.post(
                            f"{BASE}/{sid}/ice-candidates",
                            json={"candidate": line[2:], "sdp_mid": "0", "sdp_mline_index": 0},
                        )
                        assert trickled.status_code == 204, trickled.text

                frames: list[dict[str, Any]] = []

                async def read() -> None:
                    async for message in control:
                        frames.append(json.loads(message))

                reader = asyncio.create_task(read())
                await asyncio.wait_for(track.finished.wait(), timeout=120)
                status = (await http.get(f"{BASE}/{sid}")).json()["data"]
                await asyncio.sleep(0.5)  # the last RTP packets are in flight
                await control.send(json.dumps({"type": "close"}))
                await asyncio.wait_for(reader, timeout=120)
                await pc.close()
                gone = await http.get(f"{BASE}/{sid}")
                assert gone.status_code == 404
                return frames, control.close_code, status

    with host.live() as base:
        frames, close_code, status = asyncio.run(scenario(base))

    assert status["status"] == "connected"
    assert close_code == 1000
    assert frames[-1]["type"] == "closed" and frames[-1]["audio_bytes"] > 0
    assert frames[-1]["audio_seconds"] == pytest.approx(len(audio) / RATE, abs=1.0)
    deltas = [f for f in frames if f["type"] == "delta"]
    finals = [d for d in deltas if d["is_final"]]
    assert len(finals) == 2
    assert wer(" ".join(SENTENCES), " ".join(d["text"] for d in finals)) <= 0.2
    assert finals[0]["end"] <= finals[1]["start"]
    first_final = deltas.index(finals[0])
    assert any(not d["is_final"] for d in deltas[:first_final]), "no partial before the first final"
