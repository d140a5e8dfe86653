"""WebRTC speech sessions: the records of the signalling routes, the outgoing RTP audio track and
the per-process registry of live sessions (scoped by tenant and user)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import fractions
import time
import uuid
from typing import Annotated, Any, Literal

import msgspec
import numpy as np
from scaigrid.auth import Principal
from scaigrid.errors import BadRequest, NotFound

__all__ = [
    "FRAME",
    "RATE",
    "CreateSession",
    "IceCandidateBody",
    "OfferBody",
    "SpeakSession",
    "WebRtcSessions",
]

RATE = 48000
FRAME = 960  # 20 ms of Opus at 48 kHz
TTL_SECONDS = 900
_BASE = "/stream/speak/webrtc/sessions"
_ICE_URL = "^(stun|stuns|turn|turns):.+$"


class IceServer(msgspec.Struct, kw_only=True, frozen=True):
    urls: (
        Annotated[str, msgspec.Meta(pattern=_ICE_URL)] | list[Annotated[str, msgspec.Meta(pattern=_ICE_URL)]]
    )
    username: str | None = None
    credential: str | None = None


class OutputSpec(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    codec: Literal["opus", "pcm"] = "opus"
    """What RTP carries: Opus (``pcm`` is accepted and sent as Opus too: RTP audio to a browser is Opus)."""
    sample_rate: Annotated[int, msgspec.Meta(ge=8000, le=48000)] = 48000


class ControlSpec(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    transport: Literal["websocket", "datachannel"] = "websocket"


class CreateSession(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    voice_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    language_hint: Annotated[str, msgspec.Meta(pattern="^[a-z]{2}$")] | None = None
    speed: Annotated[float, msgspec.Meta(ge=0.5, le=2.0)] = 1.0
    output: OutputSpec = msgspec.field(default_factory=OutputSpec)
    control: ControlSpec = msgspec.field(default_factory=ControlSpec)
    ice_servers: list[IceServer] | None = None
    backend_preference: Literal["prefer_self_hosted", "prefer_relay", "any"] = "any"


class OfferBody(msgspec.Struct, kw_only=True, frozen=True):
    sdp: Annotated[str, msgspec.Meta(min_length=1, max_length=65536)]
    type: Literal["offer"] = "offer"


class IceCandidateBody(msgspec.Struct, kw_only=True, frozen=True):
    candidate: Annotated[str, msgspec.Meta(max_length=4096)]
    sdp_mid: str | None = None
    sdp_mline_index: Annotated[int, msgspec.Meta(ge=0)] | None = None


def _not_found() -> NotFound:
    return NotFound("WebRTC session not found", code="SCAISPEAK_WEBRTC_SESSION_NOT_FOUND")


def _speak_track() -> Any:
    from aiortc import MediaStreamTrack

    class SpeakTrack(MediaStreamTrack):  # type: ignore[misc]
        """Plays queued 48 kHz PCM in real time; silence between phrases keeps RTP flowing."""

        kind = "audio"

        def __init__(self) -> None:
            super().__init__()
            self.buffer = np.zeros(0, dtype=np.float32)
            self.pts = 0
            self.started: float | None = None

        def push(self, pcm: np.ndarray) -> None:
            self.buffer = np.concatenate([self.buffer, pcm.astype(np.float32)])

        def clear(self) -> None:
            self.buffer = np.zeros(0, dtype=np.float32)

        async def recv(self) -> Any:
            import av

            if self.started is None:
                self.started = time.monotonic()
            delay = self.started + self.pts / RATE - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            chunk, self.buffer = self.buffer[:FRAME], self.buffer[FRAME:]
            chunk = np.pad(chunk, (0, FRAME - len(chunk)))
            samples = (np.clip(chunk, -1, 1) * 32767).astype(np.int16).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
            frame.sample_rate = RATE
            frame.pts = self.pts
            frame.time_base = fractions.Fraction(1, RATE)
            self.pts += FRAME
            return frame

    return SpeakTrack()


class SpeakSession:
    def __init__(self, principal: Principal, voice: Any, body: CreateSession) -> None:
        from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection

        self.id = f"wrtc_{uuid.uuid4().hex}"
        self.tenant_id, self.user_id = principal.tenant_id, principal.user_id
        self.principal = principal
        self.voice = voice
        self.body = body
        now = dt.datetime.now(dt.UTC)
        self.created_at, self.expires_at = now, now + dt.timedelta(seconds=TTL_SECONDS)
        servers = body.ice_servers or []
        config = RTCConfiguration(
            iceServers=[
                RTCIceServer(urls=s.urls, username=s.username, credential=s.credential) for s in servers
            ]
        )
        self.pc = RTCPeerConnection(config)
        self.track = _speak_track()
        self.control_attached = False
        self.chars = 0
        self.backend_used: str | None = None
        self._remote_set = False
        self._pending: list[IceCandidateBody] = []

    def view(self, prefix: str) -> dict[str, Any]:
        return {
            "session_id": self.id,
            "voice_id": self.voice.id,
            "status": self.pc.connectionState,
            "created_at": self.created_at.isoformat().replace("+00:00", "Z"),
            "expires_at": self.expires_at.isoformat().replace("+00:00", "Z"),
            "ice_servers": [msgspec.to_builtins(s) for s in self.body.ice_servers or []],
            "output": msgspec.to_builtins(self.body.output),
            "control_ws_url": f"{prefix}{_BASE}/{self.id}/control",
            "offer_url": f"{prefix}{_BASE}/{self.id}/offer",
            "ice_candidates_url": f"{prefix}{_BASE}/{self.id}/ice-candidates",
        }

    async def answer(self, sdp: str) -> str:
        from aiortc import RTCSessionDescription

        try:
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        except (ValueError, AttributeError, IndexError, KeyError) as exc:
            raise BadRequest(f"invalid SDP offer: {exc}", code="SCAISPEAK_BAD_REQUEST") from exc
        if not any(t.kind == "audio" for t in self.pc.getTransceivers()):
            raise BadRequest("the SDP offer has no audio media section", code="SCAISPEAK_BAD_REQUEST")
        self.pc.addTrack(self.track)
        self._remote_set = True
        for candidate in self._pending:
            await self.add_candidate(candidate)
        answer = await self.pc.createAnswer()
        await self.pc.setLocalDescription(answer)
        return str(self.pc.localDescription.sdp)

    async def add_candidate(self, body: IceCandidateBody) -> None:
        from aiortc.sdp import candidate_from_sdp

        if not self._remote_set:
            self._pending.append(body)
            return
        text = body.candidate.strip()
        if not text:
            await self.pc.addIceCandidate(None)
            return
        text = text.removeprefix("candidate:")
        if len(text.split()) < 8:
            raise BadRequest(
                "invalid ICE candidate: expected at least 8 fields", code="SCAISPEAK_BAD_REQUEST"
            )
        try:
            candidate = candidate_from_sdp(text)
        except (ValueError, IndexError, AssertionError) as exc:
            raise BadRequest(f"invalid ICE candidate: {exc}", code="SCAISPEAK_BAD_REQUEST") from exc
        candidate.sdpMid = body.sdp_mid
        candidate.sdpMLineIndex = body.sdp_mline_index if body.sdp_mline_index is not None else 0
        await self.pc.addIceCandidate(candidate)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.pc.close()


class WebRtcSessions:
    """Live sessions of this process, scoped by (tenant, user), expired on access and at shutdown."""

    def __init__(self) -> None:
        self.sessions: dict[str, SpeakSession] = {}

    def add(self, session: SpeakSession) -> None:
        self.sessions[session.id] = session

    async def get(self, principal: Principal, session_id: str) -> SpeakSession:
        session = self.sessions.get(session_id)
        if session is None or (session.tenant_id, session.user_id) != (
            principal.tenant_id,
            principal.user_id,
        ):
            raise _not_found()
        if dt.datetime.now(dt.UTC) >= session.expires_at:
            await self.remove(session)
            raise _not_found()
        return session

    async def remove(self, session: SpeakSession) -> None:
        self.sessions.pop(session.id, None)
        await session.close()

    async def close_all(self) -> None:
        for session in list(self.sessions.values()):
            await self.remove(session)
