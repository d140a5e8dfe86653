"""scaispeak/streaming/webrtc.py end to end: a real aiortc client peer receives synthesized speech as
RTP Opus, and scaiecho's transcription of what arrived recovers the text."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import numpy as np
from scaiecho.contracts import TRANSCRIPTION, TranscribeOptions, TranscriptionService
from scaigrid.audio import resample
from scaispeak.phrases import split_phrases

from tests.harness import Host
from tests.scaiecho.conftest import wer
from tests.scaispeak.conftest import PREFIX

BASE = f"{PREFIX}/stream/speak/webrtc/sessions"
TEXT = "The audio plane works now. Every phrase arrives as real time speech."


def test_speech_arrives_over_rtp(host: Host) -> None:
    from aiortc import RTCPeerConnection, RTCSessionDescription
    from aiortc.mediastreams import MediaStreamError
    from websockets.asyncio.client import connect

    key = host.key(host.tenant("rtc"), "listener")

    async def scenario(base: str) -> tuple[np.ndarray, list[dict[str, Any]]]:
        async with httpx.AsyncClient(base_url=base, headers=host.headers(key), timeout=60) as http:
            created = await http.post(
                BASE, json={"voice_id": "preset-piper-joe", "output": {"codec": "opus"}}
            )
            assert created.status_code == 201, created.text
            session = created.json()["data"]
            assert session["control_ws_url"].endswith("/control") and session["expires_at"].endswith("Z")
            pc = RTCPeerConnection()
            pc.addTransceiver("audio", direction="recvonly")
            chunks: list[np.ndarray] = []
            got_track = asyncio.Event()
            consumers: list[asyncio.Task[None]] = []

            async def consume(track: Any) -> None:
                while True:
                    try:
                        frame = await track.recv()
                    except MediaStreamError:
                        return
                    data = frame.to_ndarray().astype(np.float32) / 32768.0
                    chunks.append(
                        data.reshape(-1, len(frame.layout.channels)).mean(axis=1) if data.ndim else data
                    )

            @pc.on("track")
            def on_track(track: Any) -> None:
                got_track.set()
                consumers.append(asyncio.ensure_future(consume(track)))

            await pc.setLocalDescription(await pc.createOffer())
            answered = await http.post(
                f"{BASE}/{session['session_id']}/offer", json={"sdp": pc.localDescription.sdp}
            )
            assert answered.status_code == 200, answered.text
            await pc.setRemoteDescription(RTCSessionDescription(**answered.json()["data"]))
            await asyncio.wait_for(got_track.wait(), 30)
            frames: list[dict[str, Any]] = []
            async with connect(
                base.replace("http://", "ws://") + session["control_ws_url"] + f"?token={key}"
            ) as ws:
                frames.append(json.loads(await ws.recv()))
                await ws.send(json.dumps({"type": "text", "delta": TEXT}))
                await ws.send(json.dumps({"type": "close"}))
                async for message in ws:
                    frames.append(json.loads(message))
            await asyncio.sleep(6.0)  # the audio plays out in real time after synthesis
            deleted = await http.delete(f"{BASE}/{session['session_id']}")
            assert deleted.status_code == 204
            gone = await http.post(f"{BASE}/{session['session_id']}/offer", json={"sdp": "x"})
            assert (
                gone.status_code == 404
                and gone.json()["error"]["code"] == "SCAISPEAK_WEBRTC_SESSION_NOT_FOUND"
            )
            await pc.close()
            return np.concatenate(chunks) if chunks else np.zeros(0, np.float32), frames

    with host.live() as base:
        audio, frames = asyncio.run(scenario(base))
    assert frames[0]["type"] == "ready" and frames[-1]["type"] == "closed"
    assert frames[-1]["stats"]["chars"] == sum(len(p) for p in split_phrases(TEXT))  # spoken characters
    rate = 48000
    pcm16 = np.asarray(resample(audio, rate, 16000), dtype=np.float32)
    stt = host.platform.services.get(TRANSCRIPTION, TranscriptionService)
    heard = host.call(
        lambda: stt.transcribe_pcm(pcm16, TranscribeOptions(language="en"), tenant_id="rtc")
    ).text
    assert wer(TEXT, heard) <= 0.25, heard


def test_session_fields_are_validated(host: Host) -> None:
    key = host.key(host.tenant("rtc"), "validator")
    h = host.headers(key)
    for body in (
        {"voice_id": "preset-piper-joe", "speed": 3},
        {"voice_id": "preset-piper-joe", "output": {"sample_rate": 4000}},
        {"voice_id": "preset-piper-joe", "output": {"codec": "mp3"}},
        {"voice_id": "preset-piper-joe", "ice_servers": [{"urls": "http://x"}]},
        {"voice_id": "preset-piper-joe", "backend_preference": "cheap"},
    ):
        resp = host.client.post(BASE, json=body, headers=h)
        assert resp.status_code == 400, (body, resp.text)
    unknown = host.client.post(BASE, json={"voice_id": "nope"}, headers=h)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "SCAISPEAK_VOICE_NOT_FOUND"
    other = host.key(host.tenant("rtc"), "other")
    created = host.client.post(BASE, json={"voice_id": "preset-piper-joe"}, headers=h).json()["data"]
    stolen = host.client.delete(f"{BASE}/{created['session_id']}", headers=host.headers(other))
    assert stolen.status_code == 404
    bad_sdp = host.client.post(
        f"{BASE}/{created['session_id']}/offer", json={"sdp": "v=0 garbage"}, headers=h
    )
    assert bad_sdp.status_code == 400
    assert host.client.delete(f"{BASE}/{created['session_id']}", headers=h).status_code == 204
