"""The one exception root of the host and its modules, and the error envelopes.

Every error a client can see is a :class:`ScaigridError` with an HTTP status and
a stable machine code. Modules subclass nothing: they create errors with their
own codes (``ScaigridError(400, "SCAIECHO_EMPTY_AUDIO", "...")``) where the
error arises, and pick their envelope (how the error is rendered) once, in their
:class:`~scaigrid.records.ModuleInfo` (see :mod:`scaigrid.envelopes`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

__all__ = [
    "BadRequest",
    "Conflict",
    "Forbidden",
    "NotFound",
    "PayloadTooLarge",
    "ScaigridError",
    "ServiceUnavailable",
    "StartupError",
    "Unauthorized",
    "UnsupportedMediaType",
    "render_scaigrid",
]


class ScaigridError(Exception):
    """An error with an HTTP status, a stable code and optional structured details.

    ``extra`` holds additional top-level members of the error object (for example
    scaiecho's ``error.preflight``); ``details`` is the free-form details object.
    ``ws_close_code`` overrides the WebSocket close code (default ``4000 + status``).
    """

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        *,
        details: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        ws_close_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.details = dict(details) if details else {}
        self.extra = dict(extra) if extra else {}
        self.headers = dict(headers) if headers else {}
        self.ws_close_code = ws_close_code or (4000 + status_code if status_code < 600 else 4500)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status_code}, {self.code!r}, {self.message!r})"


class _Fixed(ScaigridError):
    """Base for errors whose status is fixed by the class; the code may vary."""

    status: int = 500
    default_code: str = "INTERNAL_ERROR"

    def __init__(self, message: str, code: str | None = None, **kwargs: Any) -> None:
        super().__init__(self.status, code or self.default_code, message, **kwargs)


class BadRequest(_Fixed):
    """400: the request did not validate."""

    status, default_code = 400, "BAD_REQUEST"


class Unauthorized(_Fixed):
    """401: missing or invalid credentials."""

    status, default_code = 401, "UNAUTHORIZED"


class Forbidden(_Fixed):
    """403: authenticated but not permitted."""

    status, default_code = 403, "FORBIDDEN"


class NotFound(_Fixed):
    """404: no such resource visible to the caller (cross-tenant ids answer this too)."""

    status, default_code = 404, "NOT_FOUND"


class Conflict(_Fixed):
    """409: the resource is in a conflicting state."""

    status, default_code = 409, "CONFLICT"


class PayloadTooLarge(_Fixed):
    """413: the upload exceeds the configured limit."""

    status, default_code = 413, "PAYLOAD_TOO_LARGE"


class UnsupportedMediaType(_Fixed):
    """415: the media type is not recognised."""

    status, default_code = 415, "UNSUPPORTED_MEDIA_TYPE"


class ServiceUnavailable(_Fixed):
    """503: a dependency is not ready."""

    status, default_code = 503, "SERVICE_UNAVAILABLE"


class StartupError(Exception):
    """Raised while building the host: bad settings, plugin conflicts, contract errors.

    The message is meant to be read by an operator: it names the variable or the
    providers involved and what would be allowed.
    """


def render_scaigrid(err: ScaigridError) -> dict[str, Any]:
    """ScaiGrid's standard envelope: ``{"error": {"code", "message", "details", ...extra}}``."""
    body: dict[str, Any] = {"code": err.code, "message": err.message}
    if err.details:
        body["details"] = err.details
    body.update(err.extra)
    return {"error": body}


def to_builtins(value: Any) -> Any:
    """Convert structs and other msgspec-known values into JSON-ready builtins."""
    return msgspec.to_builtins(value)
