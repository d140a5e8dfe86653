"""``WS /stream/speak``: ``open`` → ``ready``; ``text`` deltas are spoken phrase by phrase as soon as a
phrase is complete; ``flush`` speaks the rest of the buffer; ``interrupt`` drops what is queued and
answers ``interrupted``; ``close`` drains and answers ``closed`` with the stats.

Close codes (the reference's): 4401 unauthorized, 4403 forbidden (both from the guards), 4400 bad
request (garbage, a missing open frame, an unknown voice, a flood), 4502 backend unavailable,
4500 server error; 1000 after ``closed``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import msgspec
from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect
from scaigrid.audio.stream_encode import StreamEncoder
from scaigrid.auth import Principal, requires
from scaigrid.errors import ScaigridError

from scaispeak.phrases import complete_phrases, split_phrases
from scaispeak.state import Module
from scaispeak.streaming.frames import (
    CloseFrame,
    FlushFrame,
    InterruptFrame,
    OpenFrame,
    TextFrame,
    decode_client_frame,
    encode_frame,
)

__all__ = ["CLOSE_BAD", "CLOSE_NORMAL", "CLOSE_SERVER", "close_code", "stream_speak"]

log = logging.getLogger("scaigrid.modules.scaispeak.stream")

OPEN_TIMEOUT = 10.0
MAX_FRAME_CHARS = 10_000
CLOSE_NORMAL, CLOSE_BAD, CLOSE_BACKEND, CLOSE_SERVER = 1000, 4400, 4502, 4500


class _BadFrame(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def close_code(err: ScaigridError) -> int:
    if err.code in ("SCAISPEAK_BACKEND_UNAVAILABLE", "BACKEND_FAILED", "BACKEND_LOAD_FAILED"):
        return CLOSE_BACKEND
    if err.status_code in (401, 403):
        return 4000 + err.status_code
    return CLOSE_BAD if err.status_code < 500 else CLOSE_SERVER


class _Session:
    """One socket: a receiver (this coroutine) and a speaker task fed through a phrase queue."""

    def __init__(self, socket: WebSocket[Any, Any, Any], module: Module, principal: Principal) -> None:
        self.socket = socket
        self.module = module
        self.principal = principal
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.buffer = ""
        self.chars = 0
        self.backend_used: str | None = None
        self.send_lock = asyncio.Lock()
        self.closed = False
        self.interrupted = False
        """Set by ``interrupt``: the phrase being synthesized then is not sent."""

    async def send_text(self, kind: str, **fields: object) -> None:
        async with self.send_lock:
            if not self.closed:
                await self.socket.send_text(encode_frame(kind, **fields))

    async def send_bytes(self, data: bytes) -> None:
        if data:
            async with self.send_lock:
                if not self.closed:
                    await self.socket.send_bytes(data)

    async def close(self, code: int, reason: str = "") -> None:
        async with self.send_lock:
            if self.closed:
                return
            self.closed = True
            with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
                await self.socket.close(code=code, reason=reason[:120])

    async def fail(self, code: int, error: str, message: str) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
            await self.send_text("error", code=error, message=message)
        await self.close(code, error)


async def _receive_text(socket: WebSocket[Any, Any, Any]) -> str | None:
    message: Any = await socket.receive()
    if message["type"] == "websocket.disconnect":
        return None
    text = message.get("text")
    if text is None:
        raise _BadFrame("SCAISPEAK_BAD_FRAME", "only JSON text frames are accepted from the client")
    if len(text) > MAX_FRAME_CHARS:
        raise _BadFrame("SCAISPEAK_STREAM_FLOOD", f"a frame may carry at most {MAX_FRAME_CHARS} characters")
    return str(text)


@websocket("/stream/speak", guards=[requires("scaispeak:synthesize")], name="scaispeak-stream-speak")
async def stream_speak(socket: WebSocket[Any, Any, Any], principal: Principal, module: Module) -> None:
    await socket.accept()
    session = _Session(socket, module, principal)
    speaker: asyncio.Task[None] | None = None
    try:
        try:
            text = await asyncio.wait_for(_receive_text(socket), OPEN_TIMEOUT)
        except TimeoutError:
            raise _BadFrame("SCAISPEAK_OPEN_TIMEOUT", f"no open frame within {OPEN_TIMEOUT:g} s") from None
        if text is None:
            return
        opened = _parse(text)
        if not isinstance(opened, OpenFrame):
            raise _BadFrame("SCAISPEAK_BAD_FRAME", "the first frame must be the open frame")
        row, _ = await module.state.voices.get_visible(principal, opened.voice_id)
        order = await module.state.policy.order(principal.tenant_id, opened.backend_preference)
        await session.send_text("ready", voice_id=row.id, backend_used=order[0], codec=opened.output.codec)
        speaker = asyncio.create_task(_speak(session, row, opened), name="scaispeak-ws-speaker")
        await _receive_loop(session, speaker)
        if speaker is not None and not speaker.done():
            await session.queue.put(None)  # close: drain, then the speaker answers closed
            await speaker
    except _BadFrame as bad:
        await session.fail(CLOSE_BAD, bad.code, bad.message)
    except ScaigridError as err:
        await session.fail(close_code(err), err.code, err.message)
    except WebSocketDisconnect:
        pass
    except Exception as exc:  # a bug: the socket gets 4500, the server keeps serving
        log.exception("speech stream failed")
        await session.fail(CLOSE_SERVER, "SCAISPEAK_STREAM_FAILED", f"internal error: {type(exc).__name__}")
    finally:
        if speaker is not None and not speaker.done():
            speaker.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await speaker
        await session.close(CLOSE_NORMAL)


def _parse(text: str) -> Any:
    try:
        return decode_client_frame(text)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise _BadFrame("SCAISPEAK_BAD_FRAME", f"invalid frame: {exc}") from exc


async def _receive_loop(session: _Session, speaker: asyncio.Task[None]) -> None:
    limit = session.module.settings.max_chars
    while True:
        receive = asyncio.ensure_future(_receive_text(session.socket))
        done, _ = await asyncio.wait({receive, speaker}, return_when=asyncio.FIRST_COMPLETED)
        if speaker in done:  # the speaker failed (backend) or finished after close
            receive.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await receive
            speaker.result()
            return
        text = receive.result()
        if text is None:
            return
        frame = _parse(text)
        if isinstance(frame, TextFrame):
            session.buffer += frame.delta
            if len(session.buffer) > limit:
                raise _BadFrame(
                    "SCAISPEAK_STREAM_FLOOD", f"more than {limit} characters buffered without a phrase end"
                )
            phrases, session.buffer = complete_phrases(session.buffer)
            for phrase in phrases:
                await session.queue.put(phrase)
        elif isinstance(frame, FlushFrame):
            for phrase in split_phrases(session.buffer):
                await session.queue.put(phrase)
            session.buffer = ""
        elif isinstance(frame, InterruptFrame):
            session.buffer = ""
            while not session.queue.empty():
                session.queue.get_nowait()
            session.interrupted = True
            await session.send_text("interrupted")
        elif isinstance(frame, CloseFrame):
            for phrase in split_phrases(session.buffer):
                await session.queue.put(phrase)
            session.buffer = ""
            return
        else:
            raise _BadFrame("SCAISPEAK_BAD_FRAME", "open was already received")


async def _speak(session: _Session, row: Any, opened: OpenFrame) -> None:
    """Speak queued phrases in order; ``None`` in the queue ends the stream with ``closed``."""
    state, platform = session.module.state, session.module.platform
    encoder: StreamEncoder | None = None
    while True:
        phrase = await session.queue.get()
        if phrase is None:
            break
        session.interrupted = False
        voiced = await state.synthesizer.pcm(
            row,
            phrase,
            tenant_id=session.principal.tenant_id,
            user_id=session.principal.user_id,
            speed=opened.speed,
            language=opened.language_hint,
            preference=opened.backend_preference,
        )
        if session.interrupted:
            continue  # interrupted while this phrase was being synthesized: its audio is dropped
        session.backend_used = "A" if voiced.kind == "A" else "B"
        session.chars += len(phrase)
        if opened.output.codec == "pcm":
            await session.send_bytes(StreamEncoder("pcm", voiced.sample_rate).feed(voiced.pcm))
            continue
        if encoder is None:
            encoder = StreamEncoder(opened.output.codec, voiced.sample_rate)
        await session.send_bytes(await platform.run_cpu(encoder.feed, voiced.pcm))
    if encoder is not None:
        await session.send_bytes(await platform.run_cpu(encoder.close))
    await session.send_text("closed", stats={"chars": session.chars, "backend_used": session.backend_used})
