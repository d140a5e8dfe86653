"""scaigrid.audio.errors: each decode failure has a fixed status, code and reason."""

from __future__ import annotations

import pytest
from scaigrid.audio import AudioDecodeError, AudioEncodeError
from scaigrid.errors import ScaigridError, render_scaigrid


@pytest.mark.parametrize(
    ("reason", "status", "code"),
    [
        ("empty", 400, "EMPTY_AUDIO"),
        ("unsupported", 415, "UNSUPPORTED_AUDIO"),
        ("undecodable", 400, "UNDECODABLE_AUDIO"),
    ],
)
def test_reason_fixes_status_and_code(reason: str, status: int, code: str) -> None:
    err = AudioDecodeError(reason, "message", details={"x": 1})  # type: ignore[arg-type]
    assert isinstance(err, ScaigridError)
    assert (err.reason, err.status_code, err.code) == (reason, status, code)
    assert render_scaigrid(err) == {"error": {"code": code, "message": "message", "details": {"x": 1}}}


def test_modules_recode_by_reason() -> None:
    err = AudioDecodeError.unsupported("not audio", container="tty")
    recoded = ScaigridError(err.status_code, f"SCAIECHO_{err.code}", err.message, details=err.details)
    assert recoded.code == "SCAIECHO_UNSUPPORTED_AUDIO" and recoded.details == {"container": "tty"}


def test_encode_error_is_a_400() -> None:
    err = AudioEncodeError("INVALID_PCM", "bad")
    assert (err.status_code, err.code) == (400, "INVALID_PCM")
