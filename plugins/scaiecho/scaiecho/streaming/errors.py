"""The coded errors of the streaming endpoints and the WebSocket close code each one ends with.

``/stream/transcribe`` closes with exactly one of 4400, 4401, 4403, 4500 or 4502;
:func:`close_code_for` folds any coded error (including the core module's and the
host's) onto that set so a client never sees a code the reference does not list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scaigrid.errors import BadRequest, NotFound, ScaigridError

__all__ = [
    "CLOSE_BACKEND",
    "CLOSE_BAD_REQUEST",
    "CLOSE_FORBIDDEN",
    "CLOSE_NORMAL",
    "CLOSE_SERVER_ERROR",
    "CLOSE_UNAUTHORIZED",
    "bad_frame",
    "bad_open_frame",
    "close_code_for",
    "frame_too_large",
    "open_timeout",
    "stream_failed",
    "stream_flood",
    "stream_too_long",
    "undecodable_stream",
    "webrtc_session_not_found",
    "webrtc_state_lost",
    "webrtc_unavailable",
]

CLOSE_NORMAL = 1000
CLOSE_BAD_REQUEST = 4400
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_SERVER_ERROR = 4500
CLOSE_BACKEND = 4502


def close_code_for(err: ScaigridError) -> int:
    """The reference close code for ``err``: 401 → 4401, 403 → 4403, other 4xx → 4400,
    502/503/504 → 4502, anything else → 4500."""
    status = err.status_code
    if status == 401:
        return CLOSE_UNAUTHORIZED
    if status == 403:
        return CLOSE_FORBIDDEN
    if 400 <= status < 500:
        return CLOSE_BAD_REQUEST
    if status in (502, 503, 504):
        return CLOSE_BACKEND
    return CLOSE_SERVER_ERROR


def bad_open_frame(message: str, *, details: Mapping[str, Any] | None = None) -> ScaigridError:
    return BadRequest(message, code="SCAIECHO_BAD_OPEN_FRAME", details=details)


def bad_frame(message: str) -> ScaigridError:
    return BadRequest(message, code="SCAIECHO_BAD_FRAME")


def frame_too_large(size: int, limit: int) -> ScaigridError:
    return BadRequest(
        f"binary frame of {size} bytes exceeds the limit of {limit} bytes",
        code="SCAIECHO_FRAME_TOO_LARGE",
        details={"frame_bytes": size, "max_frame_bytes": limit},
    )


def stream_flood(buffered_seconds: float, limit: float) -> ScaigridError:
    return BadRequest(
        f"client is {buffered_seconds:.1f} s of audio ahead of the server (limit {limit:.1f} s); "
        "send audio at real-time pace",
        code="SCAIECHO_STREAM_FLOOD",
        details={"buffered_seconds": round(buffered_seconds, 3), "max_buffered_seconds": limit},
    )


def stream_too_long(limit: float) -> ScaigridError:
    return BadRequest(f"stream exceeds {limit:.0f} s of audio", code="SCAIECHO_STREAM_TOO_LONG")


def open_timeout(seconds: float) -> ScaigridError:
    return BadRequest(f"no open frame within {seconds:g} s", code="SCAIECHO_OPEN_TIMEOUT")


def undecodable_stream(message: str) -> ScaigridError:
    return BadRequest(message, code="SCAIECHO_UNDECODABLE_AUDIO")


def stream_failed(message: str, *, status: int = 502, cause: str | None = None) -> ScaigridError:
    """Mid-stream failure: 502 (→ 4502) when the backend failed, 500 (→ 4500) otherwise."""
    details = {"cause": cause} if cause else None
    return ScaigridError(status, "SCAIECHO_STREAM_FAILED", message, details=details)


def webrtc_unavailable(missing: str) -> ScaigridError:
    return ScaigridError(
        501,
        "SCAIECHO_WEBRTC_UNAVAILABLE",
        f"WebRTC streaming needs aiortc and av in this deployment ({missing} is not importable); "
        "install scaigrid-scaiecho[webrtc]",
    )


def webrtc_session_not_found() -> ScaigridError:
    return NotFound("WebRTC session not found or expired", code="SCAIECHO_WEBRTC_SESSION_NOT_FOUND")


def webrtc_state_lost() -> ScaigridError:
    return ScaigridError(
        410,
        "SCAIECHO_WEBRTC_SESSION_STATE_LOST",
        "the WebRTC session's state was lost (server restart); create a new session",
    )
