"""WebRTC signalling under ``/stream/transcribe/webrtc/``: sessions, SDP offer/answer, ICE
trickle, teardown, and the control WebSocket that carries the transcript deltas."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
from litestar import WebSocket, delete, get, post, websocket
from litestar.exceptions import WebSocketDisconnect
from scaigrid.auth import Principal, requires
from scaigrid.errors import Conflict, ScaigridError

from scaiecho.state import Module
from scaiecho.streaming.errors import CLOSE_NORMAL, bad_frame, stream_failed
from scaiecho.streaming.frames import ClosedFrame, CloseFrame, ReadyFrame, decode_client_frame
from scaiecho.streaming.runtime import TRANSCRIBE_PERMISSION
from scaiecho.streaming.webrtc.manager import require_webrtc
from scaiecho.streaming.webrtc.records import AnswerView, CreateSessionBody, IceCandidateBody, OfferBody
from scaiecho.streaming.webrtc.session import WebRtcSession
from scaiecho.streaming.ws import FrameChannel

__all__ = ["webrtc_routes"]

_BASE = "/stream/transcribe/webrtc/sessions"
_GUARDS = [requires(TRANSCRIBE_PERMISSION)]


def _prefix(module: Module) -> str:
    return "/" + module.info.prefix.strip("/")


@post(_BASE, status_code=201, guards=_GUARDS, name="scaiecho-webrtc-create")
async def create_session(data: CreateSessionBody, principal: Principal, module: Module) -> dict[str, Any]:
    """Create a WebRTC transcription session (201)."""
    session = await module.state.streaming.webrtc.create(principal, data)
    return {"data": msgspec.to_builtins(session.view(_prefix(module)))}


@get(f"{_BASE}/{{session_id:str}}", guards=_GUARDS, name="scaiecho-webrtc-get")
async def get_session(session_id: str, principal: Principal, module: Module) -> dict[str, Any]:
    """Read a session's state (``created``, ``connecting``, ``connected``, ...)."""
    session = await module.state.streaming.webrtc.get(principal, session_id)
    return {"data": msgspec.to_builtins(session.view(_prefix(module)))}


@post(f"{_BASE}/{{session_id:str}}/offer", status_code=200, guards=_GUARDS, name="scaiecho-webrtc-offer")
async def apply_offer(
    session_id: str, data: OfferBody, principal: Principal, module: Module
) -> dict[str, Any]:
    """Apply the client's SDP offer; answer with ours (ICE candidates included)."""
    require_webrtc()
    session = await module.state.streaming.webrtc.get(principal, session_id)
    sdp = await session.answer(data.sdp)
    return {"data": msgspec.to_builtins(AnswerView(sdp=sdp))}


@post(
    f"{_BASE}/{{session_id:str}}/ice-candidates", status_code=204, guards=_GUARDS, name="scaiecho-webrtc-ice"
)
async def add_ice_candidate(
    session_id: str, data: IceCandidateBody, principal: Principal, module: Module
) -> None:
    """Trickle one ICE candidate (204); an empty candidate means end-of-candidates."""
    require_webrtc()
    session = await module.state.streaming.webrtc.get(principal, session_id)
    await session.add_candidate(data)


@delete(f"{_BASE}/{{session_id:str}}", status_code=204, guards=_GUARDS, name="scaiecho-webrtc-delete")
async def delete_session(session_id: str, principal: Principal, module: Module) -> None:
    """Tear down the peer connection and close the session (204)."""
    await module.state.streaming.webrtc.delete(principal, session_id)


async def _pump_control(channel: FrameChannel, session: WebRtcSession) -> None:
    while (delta := await session.outbox.get()) is not None:
        await channel.send(delta)
    if session.outbox.error is not None:
        raise session.outbox.error
    await channel.send(
        ClosedFrame(audio_bytes=session.audio_bytes, audio_seconds=round(session.engine.received_seconds, 3))
    )


async def _read_control(channel: FrameChannel, on_close: Any) -> None:
    """Client frames: ``{"type": "close"}`` tears the session down; a disconnect only detaches."""
    while True:
        try:
            message: Any = await channel.socket.receive()
        except WebSocketDisconnect:
            return
        if message["type"] == "websocket.disconnect":
            return
        try:
            frame = decode_client_frame(message.get("text") or b"")
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise bad_frame(f'the control socket takes only {{"type": "close"}} ({exc})') from exc
        if not isinstance(frame, CloseFrame):
            raise bad_frame('the control socket takes only {"type": "close"}')
        on_close()


@websocket(f"{_BASE}/{{session_id:str}}/control", guards=_GUARDS, name="scaiecho-webrtc-control")
async def control_socket(
    socket: WebSocket[Any, Any, Any],
    session_id: str,
    principal: Principal,
    module: Module,
) -> None:
    """Emits ``ready``, then the session's ``delta`` frames, then ``closed`` once it has ended."""
    manager = module.state.streaming.webrtc
    await socket.accept()
    channel = FrameChannel(socket)
    session: WebRtcSession | None = None
    try:
        session = await manager.get(principal, session_id)
        if session.control_attached:
            session = None
            raise Conflict(
                "another control socket is attached to this session", code="SCAIECHO_WEBRTC_CONTROL_IN_USE"
            )
        session.control_attached = True
        await channel.send(
            ReadyFrame(
                backend_used=session.choice.kind,
                backend=session.choice.name,
                interim_results=session.body.interim_results,
            )
        )
        current = session
        reader = asyncio.create_task(_read_control(channel, lambda: manager.end(current)))
        pump = asyncio.create_task(_pump_control(channel, session))
        try:
            done, _ = await asyncio.wait({reader, pump}, return_when=asyncio.FIRST_COMPLETED)
            if pump in done:
                pump.result()
                await channel.close(CLOSE_NORMAL)
            else:
                reader.result()  # a disconnect returns; garbage raises
        finally:
            for task in (reader, pump):
                task.cancel()
            await asyncio.gather(reader, pump, return_exceptions=True)
    except WebSocketDisconnect:
        pass
    except ScaigridError as err:
        await channel.fail(err)
    except Exception as exc:
        await channel.fail(stream_failed(f"internal error: {type(exc).__name__}", status=500))
    finally:
        if session is not None:
            session.control_attached = False
        await channel.close(CLOSE_NORMAL)


webrtc_routes: list[Any] = [
    create_session,
    get_session,
    apply_offer,
    add_ice_candidate,
    delete_session,
    control_socket,
]
