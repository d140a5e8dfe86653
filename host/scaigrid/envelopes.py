"""Render any exception a route raises in the envelope of the module that owns the route.

The host ships one envelope, ``"scaigrid"``; a module brings its own through the
``scaigrid_envelopes`` hook (an :class:`~scaigrid.records.EnvelopeSpec`: renderer,
JSON schema, validation status). Litestar's own errors (validation, 404, 405,
oversized bodies) become :class:`ScaigridError` first, so clients see one shape per
module. An error is coded once, where it arises; only its rendering differs.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from scaigrid.errors import ScaigridError, StartupError, render_scaigrid
from scaigrid.records import HOST_ENVELOPE, EnvelopeSpec

__all__ = [
    "HOST_ENVELOPE_SPEC",
    "OPENAI_ENVELOPE",
    "EnvelopeRegistry",
    "handle_exception",
    "ok",
    "render_openai",
]

log = logging.getLogger("scaigrid.errors")

_LITESTAR_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "TOO_MANY_REQUESTS",
}


def ok(data: Any) -> dict[str, Any]:
    """ScaiGrid's success envelope."""
    return {"data": data}


HOST_ENVELOPE_SPEC = EnvelopeSpec(
    name=HOST_ENVELOPE,
    render=render_scaigrid,
    schema={
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "details": {"type": "object"},
                },
                "additionalProperties": True,
            }
        },
    },
    description="ScaiGrid's envelope: {error: {code, message, details?}}",
)


def render_openai(err: ScaigridError) -> dict[str, Any]:
    """OpenAI's error object, so the official clients raise their typed exceptions."""
    kind = err.extra.get("type") or ("server_error" if err.status_code >= 500 else "invalid_request_error")
    param = err.extra.get("param", err.details.get("field"))
    return {"error": {"message": err.message, "type": kind, "param": param, "code": err.code}}


OPENAI_ENVELOPE = EnvelopeSpec(
    name="openai",
    render=render_openai,
    schema={
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["message", "type"],
                "properties": {
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                    "param": {"type": ["string", "null"]},
                    "code": {"type": ["string", "null"]},
                },
            }
        },
    },
    description="OpenAI's error object {error: {message, type, param, code}}",
)
"""Not registered by the host: a module that serves an OpenAI-compatible API registers it
(``register(OPENAI_ENVELOPE)``) because the error object is OpenAI's public protocol, shared by
every such module rather than written again by each."""


class EnvelopeRegistry:
    """Each module's envelopes by name, plus the host's ``"scaigrid"``; checked at start-up."""

    def __init__(self) -> None:
        self._specs: dict[tuple[str, str], EnvelopeSpec] = {}

    def register(self, spec: EnvelopeSpec, module_id: str) -> None:
        if spec.name == HOST_ENVELOPE:
            raise StartupError(f"module {module_id!r} registers envelope {HOST_ENVELOPE!r}: the host's own")
        if (module_id, spec.name) in self._specs:
            raise StartupError(f"module {module_id!r} registers envelope {spec.name!r} twice")
        if not 400 <= spec.validation_status < 500:
            raise StartupError(
                f"module {module_id!r} envelope {spec.name!r}: validation_status must be a 4xx status"
            )
        self._specs[(module_id, spec.name)] = spec

    def get(self, module_id: str | None, name: str) -> EnvelopeSpec:
        """The module's envelope ``name`` (the host's for ``"scaigrid"``); unknown → the host's."""
        if name == HOST_ENVELOPE or module_id is None:
            return HOST_ENVELOPE_SPEC
        return self._specs.get((module_id, name), HOST_ENVELOPE_SPEC)

    def check(self, module_id: str, name: str, where: str) -> None:
        """Start-up check that ``name`` resolves for ``module_id`` (``where`` names the user)."""
        if name != HOST_ENVELOPE and (module_id, name) not in self._specs:
            known = [HOST_ENVELOPE, *sorted(n for m, n in self._specs if m == module_id)]
            raise StartupError(
                f"module {module_id!r}: {where} names envelope {name!r}, which it does not register "
                f"(scaigrid_envelopes); known: {', '.join(known)}"
            )

    def of_module(self, module_id: str) -> list[EnvelopeSpec]:
        return [spec for (mid, _), spec in sorted(self._specs.items()) if mid == module_id]


def _route_envelope(request: Request[Any, Any, Any]) -> tuple[str | None, str]:
    """(module id, envelope name) for the request: the route's own choice, else its module's."""
    platform = getattr(request.app.state, "platform", None)
    handler = request.scope.get("route_handler")
    opt = handler.opt if handler is not None else {}
    module_id: str | None = opt.get("scaigrid_module")
    name: str | None = opt.get("scaigrid_envelope")
    if module_id is None and platform is not None:
        # No route matched (404/405): the module whose prefix the path falls under (longest wins).
        best = 0
        path = request.url.path
        for ctx in platform.modules.modules.values():
            prefix = "/" + ctx.info.prefix.strip("/")
            if (path == prefix or path.startswith(prefix + "/")) and len(prefix) > best:
                best, module_id = len(prefix), ctx.id
    if name is None and module_id is not None and platform is not None:
        ctx = platform.modules.get(module_id)
        name = ctx.info.envelope if ctx is not None else None
    return module_id, name or HOST_ENVELOPE


def envelope_for(request: Request[Any, Any, Any]) -> EnvelopeSpec:
    """The envelope the error of this request is rendered in."""
    module_id, name = _route_envelope(request)
    platform = getattr(request.app.state, "platform", None)
    if platform is None:
        return HOST_ENVELOPE_SPEC
    spec: EnvelopeSpec = platform.envelopes.get(module_id, name)
    return spec


def _from_litestar(exc: HTTPException, envelope: EnvelopeSpec) -> ScaigridError:
    status = exc.status_code
    if isinstance(exc, ValidationException):
        details: dict[str, Any] = {"errors": exc.extra} if exc.extra else {}
        return ScaigridError(envelope.validation_status, "VALIDATION_ERROR", str(exc.detail), details=details)
    code = _LITESTAR_CODES.get(status, "HTTP_ERROR")
    return ScaigridError(status, code, str(exc.detail), headers=exc.headers)


def handle_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    envelope = envelope_for(request)
    if isinstance(exc, ScaigridError):
        err = exc
    elif isinstance(exc, HTTPException):
        err = _from_litestar(exc, envelope)
    else:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        err = ScaigridError(500, "INTERNAL_ERROR", "internal server error")
    return Response(content=envelope.render(err), status_code=err.status_code, headers=err.headers or None)
