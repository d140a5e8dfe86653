"""scaiecho's error codes, in one place, as constructors of the host's coded errors.

Every failure a client can see is a :class:`~scaigrid.errors.ScaigridError` carrying
one of the reference's ``SCAIECHO_*`` codes; the host renders it in the ScaiGrid
envelope (``{"error": {"code", "message", ...}}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scaigrid.errors import BadRequest, Conflict, Forbidden, NotFound, ScaigridError

__all__ = [
    "backend_unavailable",
    "bad_backend_preference",
    "bad_request",
    "consent_invalid",
    "empty_audio",
    "forbidden",
    "job_not_found",
    "no_usable_backend",
    "preflight_failed",
    "recode_audio_error",
    "speaker_access_denied",
    "speaker_no_reference",
    "speaker_not_found",
    "speaker_not_ready",
    "tenant_policy_invalid",
    "unsupported_audio",
]


def empty_audio(message: str = "the uploaded audio file is empty") -> ScaigridError:
    return BadRequest(message, code="SCAIECHO_EMPTY_AUDIO")


def unsupported_audio(message: str) -> ScaigridError:
    return ScaigridError(415, "SCAIECHO_UNSUPPORTED_AUDIO", message)


def bad_request(message: str, *, details: Mapping[str, Any] | None = None) -> ScaigridError:
    return BadRequest(message, code="SCAIECHO_BAD_REQUEST", details=details)


def bad_backend_preference(value: str) -> ScaigridError:
    return BadRequest(
        f"backend_preference must be one of prefer_self_hosted, prefer_relay, any (got {value!r})",
        code="SCAIECHO_BAD_BACKEND_PREFERENCE",
    )


def tenant_policy_invalid(message: str) -> ScaigridError:
    return BadRequest(message, code="SCAIECHO_TENANT_POLICY_INVALID")


def preflight_failed(preflight: Mapping[str, Any]) -> ScaigridError:
    failed = [c["name"] for c in preflight.get("checks", []) if not c.get("passed")]
    return BadRequest(
        f"reference audio failed quality checks: {', '.join(failed) or 'unknown'}",
        code="SCAIECHO_SPEAKER_PREFLIGHT_FAILED",
        extra={"preflight": dict(preflight)},
    )


def consent_invalid(message: str, *, details: Mapping[str, Any] | None = None) -> ScaigridError:
    return BadRequest(message, code="SCAIECHO_CONSENT_INVALID", details=details)


def forbidden(message: str) -> ScaigridError:
    return Forbidden(message, code="SCAIECHO_FORBIDDEN")


def speaker_access_denied(message: str = "you cannot modify this speaker") -> ScaigridError:
    return Forbidden(message, code="SCAIECHO_SPEAKER_ACCESS_DENIED")


def job_not_found() -> ScaigridError:
    return NotFound("transcribe job not found", code="SCAIECHO_JOB_NOT_FOUND")


def speaker_not_found() -> ScaigridError:
    return NotFound("speaker not found", code="SCAIECHO_SPEAKER_NOT_FOUND")


def speaker_no_reference() -> ScaigridError:
    return Conflict(
        "speaker has no reference audio; re-enroll it to warm it", code="SCAIECHO_SPEAKER_NO_REFERENCE"
    )


def speaker_not_ready(status: str) -> ScaigridError:
    return Conflict(
        f"speaker is {status!r}; only ready speakers can be warmed",
        code="SCAIECHO_SPEAKER_NOT_READY_FOR_WARMING",
    )


def no_usable_backend(message: str = "the tenant policy allows no usable backend") -> ScaigridError:
    return ScaigridError(500, "SCAIECHO_NO_USABLE_BACKEND", message)


def backend_unavailable(message: str, *, details: Mapping[str, Any] | None = None) -> ScaigridError:
    return ScaigridError(502, "SCAIECHO_BACKEND_UNAVAILABLE", message, details=details)


_AUDIO_CODES = {
    "EMPTY_AUDIO": "SCAIECHO_EMPTY_AUDIO",
    "UNSUPPORTED_AUDIO": "SCAIECHO_UNSUPPORTED_AUDIO",
    "UNDECODABLE_AUDIO": "SCAIECHO_UNDECODABLE_AUDIO",
}


def recode_audio_error(err: ScaigridError) -> ScaigridError:
    """Give a host audio error (``EMPTY_AUDIO`` …) this module's code, keeping status and message."""
    code = _AUDIO_CODES.get(err.code)
    if code is None:
        return err
    return ScaigridError(err.status_code, code, err.message, details=err.details or None)
