"""WebRTC under ``/stream/speak/webrtc/``: sessions, SDP offer/answer, ICE trickle, teardown, and the
control WebSocket; synthesized audio leaves as an RTP Opus track (aiortc) paced in real time.

The control socket takes the vocabulary of ``WS /stream/speak`` (``text``, ``flush``,
``interrupt``, ``close``); audio rides RTP instead of binary frames. Sessions live in the process
that created them and are scoped by tenant and user (anyone else's id is 404).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import msgspec
import numpy as np
from litestar import WebSocket, delete, post, websocket
from litestar.exceptions import WebSocketDisconnect
from scaigrid.audio import resample
from scaigrid.auth import Principal, requires
from scaigrid.errors import BadRequest, Conflict, ScaigridError

from scaispeak.phrases import complete_phrases, split_phrases
from scaispeak.state import Module
from scaispeak.streaming.frames import CloseFrame, FlushFrame, InterruptFrame, TextFrame, decode_client_frame
from scaispeak.streaming.sessions import _BASE, RATE, CreateSession, IceCandidateBody, OfferBody, SpeakSession
from scaispeak.streaming.ws import CLOSE_BAD, CLOSE_NORMAL, close_code

__all__ = ["webrtc_routes"]

SYNTHESIZE = requires("scaispeak:synthesize")


def _prefix(module: Module) -> str:
    return "/" + module.info.prefix.strip("/")


@post(_BASE, guards=[SYNTHESIZE], status_code=201, summary="Create a WebRTC speech session")
async def create_session(data: CreateSession, module: Module, principal: Principal) -> dict[str, Any]:
    try:
        import aiortc  # noqa: F401
    except ImportError as exc:
        raise ScaigridError(503, "SCAISPEAK_WEBRTC_UNAVAILABLE", "aiortc is not installed") from exc
    if data.control.transport != "websocket":
        raise BadRequest(
            "control over a data channel is not offered yet; use transport websocket",
            code="SCAISPEAK_BAD_REQUEST",
            details={"field": "control.transport"},
        )
    row, _ = await module.state.voices.get_visible(principal, data.voice_id)
    await module.state.policy.order(principal.tenant_id, data.backend_preference)
    session = SpeakSession(principal, row, data)
    module.state.webrtc.add(session)
    return {"data": session.view(_prefix(module))}


@post(f"{_BASE}/{{session_id:str}}/offer", guards=[SYNTHESIZE], status_code=200, summary="SDP offer → answer")
async def offer(session_id: str, data: OfferBody, module: Module, principal: Principal) -> dict[str, Any]:
    session = await module.state.webrtc.get(principal, session_id)
    if session._remote_set:
        raise Conflict("the session already has an offer", code="SCAISPEAK_WEBRTC_OFFER_APPLIED")
    return {"data": {"sdp": await session.answer(data.sdp), "type": "answer"}}


@post(
    f"{_BASE}/{{session_id:str}}/ice-candidates", guards=[SYNTHESIZE], status_code=204, summary="Trickle ICE"
)
async def ice_candidate(
    session_id: str, data: IceCandidateBody, module: Module, principal: Principal
) -> None:
    session = await module.state.webrtc.get(principal, session_id)
    await session.add_candidate(data)


@delete(f"{_BASE}/{{session_id:str}}", guards=[SYNTHESIZE], status_code=204, summary="Tear down a session")
async def delete_session(session_id: str, module: Module, principal: Principal) -> None:
    session = await module.state.webrtc.get(principal, session_id)
    await module.state.webrtc.remove(session)


@websocket(f"{_BASE}/{{session_id:str}}/control", guards=[SYNTHESIZE], name="scaispeak-webrtc-control")
async def control(
    socket: WebSocket[Any, Any, Any], session_id: str, principal: Principal, module: Module
) -> None:
    await socket.accept()

    async def send(kind: str, **fields: object) -> None:
        await socket.send_text(msgspec.json.encode({"type": kind, **fields}).decode())

    try:
        session = await module.state.webrtc.get(principal, session_id)
        if session.control_attached:
            raise Conflict("another control socket is attached", code="SCAISPEAK_WEBRTC_CONTROL_IN_USE")
        session.control_attached = True
        await send("ready", voice_id=session.voice.id, session_id=session.id)
        buffer = ""
        state = module.state
        synthesis: asyncio.Task[None] | None = None
        queue: asyncio.Queue[str | None] = asyncio.Queue()

        async def speaker() -> None:
            while (phrase := await queue.get()) is not None:
                voiced = await state.synthesizer.pcm(
                    session.voice,
                    phrase,
                    tenant_id=principal.tenant_id,
                    user_id=principal.user_id,
                    speed=session.body.speed,
                    language=session.body.language_hint,
                    preference=session.body.backend_preference,
                )
                session.backend_used = "A" if voiced.kind == "A" else "B"
                session.chars += len(phrase)
                pcm48 = await module.platform.run_cpu(resample, voiced.pcm, voiced.sample_rate, RATE)
                session.track.push(np.asarray(pcm48, dtype=np.float32))

        synthesis = asyncio.create_task(speaker(), name="scaispeak-webrtc-speaker")
        while True:
            receive = asyncio.ensure_future(socket.receive())
            done, _ = await asyncio.wait({receive, synthesis}, return_when=asyncio.FIRST_COMPLETED)
            if synthesis in done:
                receive.cancel()
                synthesis.result()  # a backend failure surfaces here
                break
            message: Any = receive.result()
            if message["type"] == "websocket.disconnect":
                break
            try:
                frame = decode_client_frame(message.get("text") or "")
            except (msgspec.ValidationError, msgspec.DecodeError) as exc:
                raise BadRequest(f"invalid frame: {exc}", code="SCAISPEAK_BAD_FRAME") from exc
            if isinstance(frame, TextFrame):
                phrases, buffer = complete_phrases(buffer + frame.delta)
                for phrase in phrases:
                    await queue.put(phrase)
            elif isinstance(frame, FlushFrame):
                for phrase in split_phrases(buffer):
                    await queue.put(phrase)
                buffer = ""
            elif isinstance(frame, InterruptFrame):
                buffer = ""
                while not queue.empty():
                    queue.get_nowait()
                session.track.clear()
                await send("interrupted")
            elif isinstance(frame, CloseFrame):
                for phrase in split_phrases(buffer):
                    await queue.put(phrase)
                await queue.put(None)
                await synthesis
                await send("closed", stats={"chars": session.chars, "backend_used": session.backend_used})
                break
            else:
                raise BadRequest("the open frame belongs to WS /stream/speak", code="SCAISPEAK_BAD_FRAME")
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await socket.close(code=CLOSE_NORMAL)
    except ScaigridError as err:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await send("error", code=err.code, message=err.message)
            await socket.close(code=close_code(err) if err.status_code != 404 else CLOSE_BAD)
    except WebSocketDisconnect:
        pass


webrtc_routes: list[Any] = [create_session, offer, ice_candidate, delete_session, control]
