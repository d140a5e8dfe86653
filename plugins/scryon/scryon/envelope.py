"""Scryon's error model, ``{"error": {"code", "message", "details"}}`` with lower_snake codes.

``details`` is always present (an empty object when there is nothing to add). Registered
through ``scaigrid_envelopes``; the idempotency store keeps replayed errors in the same shape.
"""

from __future__ import annotations

from typing import Any

from scaigrid.errors import ScaigridError
from scaigrid.records import EnvelopeSpec

__all__ = ["ERROR_OBJECT_ENVELOPE", "render_error_object"]


def render_error_object(err: ScaigridError) -> dict[str, Any]:
    return {
        "error": {"code": err.code.lower(), "message": err.message, "details": {**err.details, **err.extra}}
    }


ERROR_OBJECT_ENVELOPE = EnvelopeSpec(
    name="error_object",
    render=render_error_object,
    schema={
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "details"],
                "properties": {
                    "code": {"type": "string", "pattern": "^[a-z0-9_]+$"},
                    "message": {"type": "string"},
                    "details": {"type": "object"},
                },
            }
        },
    },
    description="Scryon errors: {error: {code (lower_snake), message, details}}",
)
