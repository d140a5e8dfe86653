"""Scryon's stable error codes (lower_snake_case) and the errors routes raise with them.

The host renders every :class:`~scaigrid.errors.ScaigridError` raised under
``/api/`` as ``{"error": {"code", "message", "details"}}`` (envelope
``error_object``); messages never contain PII.
"""

from __future__ import annotations

from typing import Any

from scaigrid.errors import BadRequest, Conflict, Forbidden, NotFound, ScaigridError

__all__ = [
    "action_item_forbidden",
    "action_item_not_found",
    "call_forbidden",
    "call_not_found",
    "idempotency_conflict",
    "idempotency_mismatch",
    "not_ready",
    "validation_failed",
    "voice_profile_not_found",
]

VALIDATION_FAILED = "validation_error"
"""The host answers malformed query parameters with the same code."""


def validation_failed(message: str, **details: Any) -> BadRequest:
    return BadRequest(message, code=VALIDATION_FAILED, details=details)


def call_not_found() -> NotFound:
    return NotFound("Call not found", code="call_not_found")


def call_forbidden() -> Forbidden:
    return Forbidden("The call belongs to another user", code="call_forbidden")


def action_item_not_found() -> NotFound:
    return NotFound("Action item not found", code="action_item_not_found")


def action_item_forbidden() -> Forbidden:
    return Forbidden("The action item belongs to another user", code="action_item_forbidden")


def voice_profile_not_found() -> NotFound:
    return NotFound("User has no voice profile", code="voice_profile_not_found")


def not_ready(what: str, status: str) -> ScaigridError:
    """The call exists but has no ``what`` yet (still processing, or failed)."""
    return NotFound(
        f"The call's {what} is not available while the call is {status}",
        code=f"{what}_not_ready",
        details={"status": status},
    )


def idempotency_conflict() -> Conflict:
    return Conflict(
        "A request with this Idempotency-Key is still being processed", code="idempotency_key_in_use"
    )


def idempotency_mismatch() -> ScaigridError:
    return ScaigridError(
        422,
        "idempotency_key_reused",
        "This Idempotency-Key was used with a different request",
    )
