"""The aiortc audio plane: one peer connection whose audio track feeds the streaming engine.

Decoded ``av.AudioFrame``s (Opus → 48 kHz s16 from aiortc) go through
:class:`~scaiecho.streaming.decoder.FrameInput` (resampled to 16 kHz mono) into
the session's :class:`~scaiecho.streaming.engine.StreamingSession`, the same
engine ``WS /stream/transcribe`` uses. When the track ends (peer closed, DELETE,
control ``close``) the engine is flushed so the last utterance still gets its final.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from scaigrid.errors import ScaigridError

from scaiecho.errors import bad_request
from scaiecho.streaming.decoder import FrameInput
from scaiecho.streaming.engine import StreamingSession
from scaiecho.streaming.errors import stream_failed
from scaiecho.streaming.webrtc.records import IceCandidateBody, IceServer

__all__ = ["AudioPlane"]

log = logging.getLogger("scaiecho.streaming.webrtc")


def _rtc_ice_servers(servers: list[IceServer]) -> list[Any]:
    from aiortc import RTCIceServer

    return [RTCIceServer(urls=s.urls, username=s.username, credential=s.credential) for s in servers]


class AudioPlane:
    """One ``RTCPeerConnection`` receiving audio for one engine session."""

    def __init__(
        self,
        engine: StreamingSession,
        *,
        ice_servers: list[IceServer],
        on_state: Callable[[str], Awaitable[None]],
        on_ended: Callable[[ScaigridError | None], Awaitable[None]],
    ) -> None:
        from aiortc import RTCConfiguration, RTCPeerConnection

        self.engine = engine
        self.frames = FrameInput(engine.feed)
        self._on_state = on_state
        self._on_ended = on_ended
        self._ended_reported = False
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=_rtc_ice_servers(ice_servers)))
        self._consumer: asyncio.Task[None] | None = None
        self._pending_candidates: list[IceCandidateBody] = []
        self._remote_set = False
        self.pc.on("track", self._on_track)
        self.pc.on("connectionstatechange", self._on_connection_state)

    async def answer(self, offer_sdp: str) -> str:
        """Apply the client's offer; return our answer SDP (candidates gathered, non-trickle)."""
        from aiortc import RTCSessionDescription

        try:
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
        except (ValueError, AttributeError, IndexError, KeyError) as exc:
            raise bad_request(f"invalid SDP offer: {exc}") from exc
        if not any(t.kind == "audio" for t in self.pc.getTransceivers()):
            raise bad_request("the SDP offer has no audio media section")
        self._remote_set = True
        for candidate in self._pending_candidates:
            await self._add_candidate(candidate)
        self._pending_candidates.clear()
        answer = await self.pc.createAnswer()
        await self.pc.setLocalDescription(answer)
        return str(self.pc.localDescription.sdp)

    async def add_candidate(self, body: IceCandidateBody) -> None:
        """Trickle one remote candidate (kept until the offer arrives if it comes first)."""
        if not self._remote_set:
            self._pending_candidates.append(body)
            return
        await self._add_candidate(body)

    async def _add_candidate(self, body: IceCandidateBody) -> None:
        from aiortc.sdp import candidate_from_sdp

        text = body.candidate.strip()
        if not text:
            await self.pc.addIceCandidate(None)  # end-of-candidates
            return
        if text.startswith("candidate:"):
            text = text[len("candidate:") :]
        # foundation component transport priority address port "typ" type: aiortc only asserts it
        if len(text.split()) < 8:
            raise bad_request("invalid ICE candidate: expected at least 8 fields (RFC 8839)")
        try:
            candidate = candidate_from_sdp(text)
        except (ValueError, IndexError, AssertionError) as exc:
            raise bad_request(f"invalid ICE candidate: {exc or type(exc).__name__}") from exc
        candidate.sdpMid = body.sdp_mid
        candidate.sdpMLineIndex = body.sdp_mline_index
        if candidate.sdpMid is None and candidate.sdpMLineIndex is None:
            candidate.sdpMLineIndex = 0
        try:
            await self.pc.addIceCandidate(candidate)
        except ValueError as exc:
            raise bad_request(f"ICE candidate rejected: {exc}") from exc

    def _on_track(self, track: Any) -> None:
        if track.kind != "audio" or self._consumer is not None:
            return
        self._consumer = asyncio.create_task(self._consume(track), name="scaiecho-webrtc-audio")

    async def _on_connection_state(self) -> None:
        state = self.pc.connectionState
        await self._on_state(state)
        if state in ("failed", "closed") and self._consumer is None:
            await self._report_end(None)  # no audio ever arrived

    async def _consume(self, track: Any) -> None:
        from aiortc.mediastreams import MediaStreamError

        error: ScaigridError | None = None
        try:
            while True:
                try:
                    frame = await track.recv()
                except MediaStreamError:
                    break
                await self.frames.push(frame)
            await self.frames.end()
        except ScaigridError as err:  # flood (server too slow) or the engine's own failure
            error = err
        except Exception as exc:
            log.exception("WebRTC audio plane failed")
            error = stream_failed(f"WebRTC audio plane failed: {type(exc).__name__}", status=500)
        await self._report_end(error)

    async def _report_end(self, error: ScaigridError | None) -> None:
        if not self._ended_reported:
            self._ended_reported = True
            await self._on_ended(error)

    async def close(self, *, report: bool = True) -> None:
        """Close the connection and wait (bounded) for the audio consumer to report the end.

        ``report=False`` (a rejected offer) closes without ending the session.
        """
        if not report:
            self._ended_reported = True
        with contextlib.suppress(Exception):
            await self.pc.close()
        if self._consumer is not None:
            with contextlib.suppress(asyncio.CancelledError, asyncio.TimeoutError, Exception):
                await asyncio.wait_for(asyncio.shield(self._consumer), timeout=10)
        await self._report_end(None)
