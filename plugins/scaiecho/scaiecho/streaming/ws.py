"""``WS /stream/transcribe``: real-time speech-to-text over one WebSocket.

Protocol: the client sends an ``open`` JSON frame, then binary audio frames, then
``{"type": "close"}``; the server answers ``ready``, streams ``delta`` frames, and
after draining the audio sends ``closed`` and closes with 1000. Any failure is an
``error`` frame followed by close code 4400 (bad request, garbage, flood), 4403
(diarize without ``scaiecho:diarize``), 4502 (backend) or 4500 (server error);
4401/4403 for missing credentials or permission come from the route's guard.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import msgspec
from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect
from scaigrid.auth import Principal, requires
from scaigrid.errors import ScaigridError

from scaiecho.state import Module
from scaiecho.streaming.decoder import AudioInput, open_input
from scaiecho.streaming.engine import StreamingSession
from scaiecho.streaming.errors import (
    CLOSE_NORMAL,
    bad_frame,
    bad_open_frame,
    close_code_for,
    frame_too_large,
    open_timeout,
    stream_failed,
)
from scaiecho.streaming.frames import (
    ClosedFrame,
    CloseFrame,
    ErrorFrame,
    OpenFrame,
    ReadyFrame,
    ServerFrame,
    decode_client_frame,
    encode_frame,
)
from scaiecho.streaming.runtime import TRANSCRIBE_PERMISSION, StreamingRuntime

__all__ = ["FrameChannel", "stream_transcribe"]

log = logging.getLogger("scaiecho.streaming.ws")

_CLIENT_GONE = "gone"
_CLIENT_CLOSE = "close"


class FrameChannel:
    """Serialised JSON frame sending plus the one close a socket may get."""

    def __init__(self, socket: WebSocket[Any, Any, Any]) -> None:
        self.socket = socket
        self._lock = asyncio.Lock()
        self.closed = False

    async def send(self, frame: ServerFrame) -> None:
        async with self._lock:
            if not self.closed:
                await self.socket.send_text(encode_frame(frame))

    async def fail(self, err: ScaigridError) -> None:
        """``error`` frame, then the reference close code for ``err``."""
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await self.send(ErrorFrame(code=err.code, message=err.message))
        await self.close(close_code_for(err), err.code)

    async def close(self, code: int = CLOSE_NORMAL, reason: str = "") -> None:
        async with self._lock:
            if self.closed:
                return
            self.closed = True
            with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
                await self.socket.close(code=code, reason=reason[:120])


def parse_open(message: dict[str, Any]) -> OpenFrame:
    """The first client message must be the JSON ``open`` frame."""
    if message.get("text") is None:
        raise bad_open_frame("the first frame must be the JSON open frame, not binary audio")
    try:
        frame = decode_client_frame(message["text"])
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise bad_open_frame(f"invalid open frame: {exc}") from exc
    if not isinstance(frame, OpenFrame):
        raise bad_open_frame("the first frame must be the open frame")
    return frame


class _Stream:
    """One accepted socket driving one engine session."""

    def __init__(
        self, channel: FrameChannel, runtime: StreamingRuntime, session: StreamingSession, source: AudioInput
    ) -> None:
        self.channel = channel
        self.runtime = runtime
        self.session = session
        self.source = source

    async def run(self) -> None:
        receiver = asyncio.create_task(self._receive(), name="scaiecho-ws-receive")
        sender = asyncio.create_task(self._send_deltas(), name="scaiecho-ws-send")
        try:
            done, _ = await asyncio.wait({receiver, sender}, return_when=asyncio.FIRST_COMPLETED)
            if receiver in done:
                outcome = receiver.result()  # raises the client's error (garbage, flood, ...)
                if outcome == _CLIENT_GONE:
                    return
                await self.source.end()
                await self.session.flush()
                await sender  # raises the session's error, if any
                await self.channel.send(
                    ClosedFrame(
                        audio_bytes=self.source.bytes_received,
                        audio_seconds=round(self.session.received_seconds, 3),
                    )
                )
                await self.channel.close(CLOSE_NORMAL)
            else:
                sender.result()  # only ends early by raising
        finally:
            for task in (receiver, sender):
                task.cancel()
            await asyncio.gather(receiver, sender, return_exceptions=True)
            await self.session.aclose()
            await self.source.aclose()
            self.runtime.forget(self.session)

    async def _receive(self) -> str:
        limit = self.runtime.settings.max_frame_bytes
        socket = self.channel.socket
        while True:
            try:
                message: Any = await socket.receive()
            except WebSocketDisconnect:
                return _CLIENT_GONE
            if message["type"] == "websocket.disconnect":
                return _CLIENT_GONE
            data = message.get("bytes")
            if data is not None:
                if len(data) > limit:
                    raise frame_too_large(len(data), limit)
                await self.source.write(data)
                continue
            try:
                frame = decode_client_frame(message.get("text") or "")
            except (msgspec.ValidationError, msgspec.DecodeError) as exc:
                raise bad_frame(f"unrecognised text frame: {exc}") from exc
            if isinstance(frame, CloseFrame):
                return _CLIENT_CLOSE
            raise bad_frame("the open frame may be sent only once")

    async def _send_deltas(self) -> None:
        async for delta in self.session:
            await self.channel.send(delta)


@websocket(
    "/stream/transcribe",
    guards=[requires(TRANSCRIBE_PERMISSION)],
    name="scaiecho-stream-transcribe",
    opt={"scaigrid_ws": True},
)
async def stream_transcribe(socket: WebSocket[Any, Any, Any], principal: Principal, module: Module) -> None:
    """Real-time STT: ``open`` frame, binary audio, ``{"type": "close"}``; see the module docs."""
    runtime = module.state.streaming
    await socket.accept()
    channel = FrameChannel(socket)
    try:
        try:
            message: Any = await asyncio.wait_for(socket.receive(), runtime.settings.open_timeout_seconds)
        except TimeoutError as exc:
            raise open_timeout(runtime.settings.open_timeout_seconds) from exc
        if message["type"] == "websocket.disconnect":
            return
        opened = parse_open(message)
        choice = await runtime.resolve(principal, opened.backend_preference)
        session = await runtime.new_session(
            principal,
            choice,
            language=opened.language_hint,
            diarize=opened.diarize,
            interim_results=opened.interim_results,
        )
        try:
            source = open_input(
                session.feed,
                encoding=opened.encoding,
                sample_rate=opened.sample_rate,
                channels=opened.channels,
                media_type=opened.media_type,
                run_cpu=module.platform.run_cpu,
            )
        except BaseException:
            await session.aclose()
            runtime.forget(session)
            raise
        await channel.send(
            ReadyFrame(
                backend_used=choice.kind,
                backend=choice.name,
                interim_results=opened.interim_results,
            )
        )
        await _Stream(channel, runtime, session, source).run()
    except WebSocketDisconnect:
        pass
    except ScaigridError as err:
        await channel.fail(err)
    except Exception as exc:
        log.exception("streaming socket failed")
        await channel.fail(stream_failed(f"internal error: {type(exc).__name__}", status=500))
    finally:
        await channel.close(CLOSE_NORMAL)
