"""HTTP helpers the scryon route tests share: upload a recording, wait for a call to finish."""

from __future__ import annotations

import io
import json
import time
from typing import Any

import numpy as np
import soundfile as sf
from litestar.testing import TestClient

from tests.audio_fixtures import tone


def wav_bytes(pcm: np.ndarray | None = None, sr: int = 16000) -> bytes:
    """A 16-bit WAV of ``pcm`` (default: one second of 440 Hz)."""
    data = tone(440.0, 1.0, sr) if pcm is None else pcm
    buf = io.BytesIO()
    sf.write(buf, data, sr, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def upload(
    client: TestClient[Any],
    headers: dict[str, str],
    audio: bytes,
    metadata: dict[str, Any] | None = None,
    *,
    key: str | None = None,
    filename: str = "call.wav",
    content_type: str = "audio/wav",
) -> Any:
    extra = {"Idempotency-Key": key} if key else {}
    data = {"metadata": json.dumps(metadata)} if metadata is not None else {}
    return client.post(
        "/api/calls/analyze",
        headers={**headers, **extra},
        files={"audio": (filename, audio, content_type)},
        data=data,
    )


def wait_done(
    client: TestClient[Any], headers: dict[str, str], call_id: str, timeout: float = 300.0
) -> dict[str, Any]:
    """Poll ``GET /api/calls/{id}`` until COMPLETED or FAILED."""
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = client.get(f"/api/calls/{call_id}", headers=headers).json()
        if body.get("status") in ("COMPLETED", "FAILED"):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"call {call_id} still {body.get('status')} after {timeout} s")
        time.sleep(0.2)
