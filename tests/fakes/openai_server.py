"""A real OpenAI-compatible HTTP server on loopback, for relay (B) backend tests.

It runs a small Litestar app under uvicorn in a background thread and speaks the
three endpoints the relay client uses, deterministically:

- ``POST /v1/audio/transcriptions``: the next scripted transcript, else text
  derived from the upload (``"<file name> <size> bytes"``); duration from the
  WAV header when the file is a WAV.
- ``POST /v1/chat/completions``: ``chat_response`` (a dict, or a function of the
  request body) as the message content.
- ``POST /v1/audio/speech``: a 440 Hz tone as WAV/FLAC/PCM, 0.05 s per character.

Every request needs ``Authorization: Bearer <api_key>``. ``fail_next(status)``
answers the next requests with an error; ``delay_seconds`` delays answers (for
client timeouts). ``requests`` records what arrived.
"""

from __future__ import annotations

import asyncio
import io
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import soundfile as sf
import uvicorn
from litestar import Litestar, Request, Response, post

__all__ = ["FakeOpenAI", "RecordedRequest"]

SPEECH_RATE = 24000
SECONDS_PER_CHAR = 0.05


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    json: dict[str, Any] | None = None
    form: dict[str, list[str]] = field(default_factory=dict)
    file_name: str | None = None
    file_size: int | None = None


def _openai_error(status: int, message: str, kind: str = "invalid_request_error") -> Response[Any]:
    return Response({"error": {"message": message, "type": kind, "code": None}}, status_code=status)


def _wav_duration(data: bytes) -> float | None:
    try:
        info = sf.info(io.BytesIO(data))
    except Exception:
        return None
    return float(info.frames) / float(info.samplerate)


class FakeOpenAI:
    """The fake server; ``start()`` binds a free loopback port, ``base_url`` points at it."""

    def __init__(self, api_key: str = "sk-fake-relay-key") -> None:
        self.api_key = api_key
        self.requests: list[RecordedRequest] = []
        self.chat_response: dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]] = {"ok": True}
        self.delay_seconds = 0.0
        self._transcripts: deque[str] = deque()
        self._failures: deque[int] = deque()
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self.base_url = ""

    # -- control from tests -------------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._transcripts.clear()
            self._failures.clear()
        self.chat_response = {"ok": True}
        self.delay_seconds = 0.0

    def script_transcripts(self, *texts: str) -> None:
        """The next transcription requests answer these texts, in order."""
        with self._lock:
            self._transcripts.extend(texts)

    def fail_next(self, status: int = 500, times: int = 1) -> None:
        """Answer the next ``times`` requests with HTTP ``status``."""
        with self._lock:
            self._failures.extend([status] * times)

    def settings_overrides(self) -> dict[str, str]:
        """``load_settings(**fake.settings_overrides())`` points the host's relay here."""
        return {"relay_base_url": self.base_url, "relay_api_key": self.api_key}

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> FakeOpenAI:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        port = self._sock.getsockname()[1]
        config = uvicorn.Config(
            self._app(), log_level="warning", lifespan="off", timeout_graceful_shutdown=1, access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, name="fake-openai", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the fake OpenAI server did not start")
            time.sleep(0.02)
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._sock is not None:
            self._sock.close()
        self._server = self._thread = self._sock = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the app ------------------------------------------------------------------------

    async def _gate(self, request: Request[Any, Any, Any]) -> Response[Any] | None:
        """Auth, scripted failures and delay, shared by every endpoint."""
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return _openai_error(401, "Incorrect API key provided", "invalid_api_key")
        with self._lock:
            failure = self._failures.popleft() if self._failures else None
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if failure is not None:
            return _openai_error(failure, f"scripted failure {failure}", "server_error")
        return None

    def _record(self, entry: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(entry)

    def _app(self) -> Litestar:
        fake = self

        @post("/v1/audio/transcriptions", status_code=200)
        async def transcriptions(request: Request[Any, Any, Any]) -> Response[Any]:
            form = await request.form()
            upload = form.get("file")
            fields = {k: [str(v) for v in form.getall(k)] for k in form if k != "file"}
            data = await upload.read() if hasattr(upload, "read") else b""
            name = getattr(upload, "filename", None)
            fake._record(
                RecordedRequest(
                    path=request.url.path,
                    headers=dict(request.headers),
                    form=fields,
                    file_name=name,
                    file_size=len(data),
                )
            )
            if (denied := await fake._gate(request)) is not None:
                return denied
            if not data or not name:
                return _openai_error(400, "file is required")
            if not fields.get("model"):
                return _openai_error(400, "model is required")
            with fake._lock:
                text = fake._transcripts.popleft() if fake._transcripts else f"{name} {len(data)} bytes"
            duration = _wav_duration(data) or len(data) / 32000.0
            response_format = fields.get("response_format", ["json"])[0]
            if response_format == "text":
                return Response(text, media_type="text/plain")
            if response_format == "json":
                return Response({"text": text})
            if response_format != "verbose_json":
                return _openai_error(400, f"unsupported response_format {response_format}")
            words = text.split()
            step = duration / max(1, len(words))
            body: dict[str, Any] = {
                "task": "transcribe",
                "language": "english" if fields.get("language", ["en"])[0] == "en" else fields["language"][0],
                "duration": round(duration, 3),
                "text": text,
                "segments": [
                    {
                        "id": 0,
                        "start": 0.0,
                        "end": round(duration, 3),
                        "text": " " + text,
                        "avg_logprob": -0.2,
                        "no_speech_prob": 0.01,
                        "temperature": float(fields.get("temperature", ["0"])[0]),
                    }
                ],
            }
            if "word" in fields.get("timestamp_granularities[]", []):
                body["words"] = [
                    {"word": w, "start": round(i * step, 3), "end": round((i + 1) * step, 3)}
                    for i, w in enumerate(words)
                ]
            return Response(body)

        @post("/v1/chat/completions", status_code=200)
        async def chat(request: Request[Any, Any, Any]) -> Response[Any]:
            body = await request.json()
            fake._record(RecordedRequest(path=request.url.path, headers=dict(request.headers), json=body))
            if (denied := await fake._gate(request)) is not None:
                return denied
            if not body.get("model") or not body.get("messages"):
                return _openai_error(400, "model and messages are required")
            reply = fake.chat_response
            content = reply(body) if callable(reply) else reply
            return Response(
                {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body["model"],
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": json.dumps(content), "refusal": None},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
            )

        @post("/v1/audio/speech", status_code=200)
        async def speech(request: Request[Any, Any, Any]) -> Response[Any]:
            body = await request.json()
            fake._record(RecordedRequest(path=request.url.path, headers=dict(request.headers), json=body))
            if (denied := await fake._gate(request)) is not None:
                return denied
            text = body.get("input") or ""
            if not text or not body.get("voice") or not body.get("model"):
                return _openai_error(400, "model, input and voice are required")
            fmt = body.get("response_format", "mp3")
            seconds = min(30.0, SECONDS_PER_CHAR * len(text))
            t = np.arange(int(SPEECH_RATE * seconds)) / SPEECH_RATE
            tone = (0.3 * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32)
            if fmt == "pcm":
                return Response((tone * 32767).astype("<i2").tobytes(), media_type="audio/pcm")
            if fmt not in ("wav", "flac"):
                return _openai_error(400, f"the fake speaks wav, flac and pcm, not {fmt}")
            out = io.BytesIO()
            sf.write(out, tone, SPEECH_RATE, format=fmt.upper(), subtype="PCM_16")
            return Response(out.getvalue(), media_type=f"audio/{fmt}")

        return Litestar(
            route_handlers=[transcriptions, chat, speech],
            request_max_body_size=64 * 1024 * 1024,
            debug=False,
        )
