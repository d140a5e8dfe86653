"""ScaiSpeak's error codes (the reference's table), as constructors of the host's coded errors.

Rendered in ScaiGrid's envelope ``{"error": {"code", "message", "details"?}}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scaigrid.errors import BadRequest, NotFound, ScaigridError

__all__ = [
    "backend_unavailable",
    "bad_request",
    "job_not_found",
    "tenant_policy_invalid",
    "text_too_long",
    "voice_not_found",
]


def bad_request(message: str, *, field: str | None = None, **details: Any) -> ScaigridError:
    return BadRequest(
        message, code="SCAISPEAK_BAD_REQUEST", details={**({"field": field} if field else {}), **details}
    )


def text_too_long(limit: int, length: int, field: str = "text") -> ScaigridError:
    return BadRequest(
        f"{field} is {length} characters; at most {limit} are accepted here",
        code="SCAISPEAK_TEXT_TOO_LONG",
        details={"field": field, "limit": limit, "length": length},
    )


def voice_not_found() -> ScaigridError:
    """Unknown or not visible: existence is never disclosed across scopes."""
    return NotFound("voice not found", code="SCAISPEAK_VOICE_NOT_FOUND")


def job_not_found() -> ScaigridError:
    return NotFound("speak job not found", code="SCAISPEAK_JOB_NOT_FOUND")


def backend_unavailable(message: str, *, details: Mapping[str, Any] | None = None) -> ScaigridError:
    return ScaigridError(503, "SCAISPEAK_BACKEND_UNAVAILABLE", message, details=details)


def tenant_policy_invalid(message: str) -> ScaigridError:
    return BadRequest(message, code="SCAISPEAK_TENANT_POLICY_INVALID")
