"""The Audio Engine's error envelope, ``{"detail": message, "code": code, "errors"?}`` (FastAPI style).

Registered through ``scaigrid_envelopes``; the host renders every error raised under the
module's prefix with it, and answers its own validation errors with 422 as the reference does.
"""

from __future__ import annotations

from typing import Any

from scaigrid.errors import ScaigridError
from scaigrid.records import EnvelopeSpec

__all__ = ["DETAIL_ENVELOPE", "render_detail"]


def render_detail(err: ScaigridError) -> dict[str, Any]:
    body: dict[str, Any] = {"detail": err.message, "code": err.code}
    if err.details:
        body["errors"] = err.details
    return body


DETAIL_ENVELOPE = EnvelopeSpec(
    name="detail",
    render=render_detail,
    validation_status=422,
    schema={
        "type": "object",
        "required": ["detail", "code"],
        "properties": {
            "detail": {"type": "string"},
            "code": {"type": "string"},
            "errors": {"type": "object"},
        },
    },
    description="Audio Engine errors: {detail, code, errors?}",
)
