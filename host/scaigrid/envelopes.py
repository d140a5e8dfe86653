"""Render any exception a route raises in the envelope of the module that owns the route.

Litestar's own errors (validation, 404, 405, oversized bodies) become
:class:`ScaigridError` first, so clients see one shape per module.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from scaigrid.errors import ScaigridError, render_detail, render_scaigrid
from scaigrid.records import EnvelopeName

__all__ = ["envelope_for", "handle_exception", "ok", "render"]

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


def render_error_object(err: ScaigridError) -> dict[str, Any]:
    """Scryon's error model: ``{"error": {"code", "message", "details"}}`` with lower_snake codes."""
    return {
        "error": {"code": err.code.lower(), "message": err.message, "details": {**err.details, **err.extra}}
    }


def render_openai(err: ScaigridError) -> dict[str, Any]:
    """OpenAI's error object, so the official clients raise their typed exceptions."""
    kind = err.extra.get("type") or ("server_error" if err.status_code >= 500 else "invalid_request_error")
    param = err.extra.get("param", err.details.get("field"))
    return {"error": {"message": err.message, "type": kind, "param": param, "code": err.code}}


_RENDERERS = {
    "scaigrid": render_scaigrid,
    "detail": render_detail,
    "error_object": render_error_object,
    "openai": render_openai,
}


def render(err: ScaigridError, envelope: EnvelopeName) -> Response[Any]:
    return Response(
        content=_RENDERERS[envelope](err), status_code=err.status_code, headers=err.headers or None
    )


def envelope_for(request: Request[Any, Any, Any]) -> EnvelopeName:
    """The envelope of the module whose prefix the path falls under (longest prefix wins)."""
    handler = request.scope.get("route_handler")
    if handler is not None:
        env = handler.opt.get("scaigrid_envelope")
        if env:
            return env  # type: ignore[no-any-return]
    platform = getattr(request.app.state, "platform", None)
    best: tuple[int, EnvelopeName] = (0, "scaigrid")
    if platform is not None:
        path = request.url.path
        for ctx in platform.modules.modules.values():
            prefix = "/" + ctx.info.prefix.strip("/")
            if (path == prefix or path.startswith(prefix + "/")) and len(prefix) > best[0]:
                best = (len(prefix), ctx.info.envelope)
    return best[1]


def _from_litestar(exc: HTTPException, envelope: EnvelopeName) -> ScaigridError:
    status = exc.status_code
    if isinstance(exc, ValidationException):
        details: dict[str, Any] = {"errors": exc.extra} if exc.extra else {}
        # A missing multipart/query field is a client error the references answer with 422 (detail
        # envelope, FastAPI convention) or 400 (ScaiGrid and Scryon conventions).
        status = 422 if envelope == "detail" else 400
        return ScaigridError(status, "VALIDATION_ERROR", str(exc.detail), details=details)
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
    return render(err, envelope)
