"""Every coded error folds onto the five close codes the reference allows."""

from __future__ import annotations

import pytest
from scaiecho.errors import backend_unavailable, bad_backend_preference, forbidden, no_usable_backend
from scaiecho.streaming import errors
from scaigrid.errors import ScaigridError, ServiceUnavailable, Unauthorized


@pytest.mark.parametrize(
    ("err", "code"),
    [
        (errors.bad_open_frame("x"), 4400),
        (errors.frame_too_large(10, 5), 4400),
        (errors.stream_flood(40.0, 30.0), 4400),
        (errors.undecodable_stream("x"), 4400),
        (ScaigridError(415, "SCAIECHO_UNSUPPORTED_AUDIO", "x"), 4400),
        (bad_backend_preference("fastest"), 4400),
        (Unauthorized("x"), 4401),
        (forbidden("x"), 4403),
        (errors.stream_failed("x"), 4502),
        (backend_unavailable("x"), 4502),
        (ServiceUnavailable("x"), 4502),
        (errors.stream_failed("x", status=500), 4500),
        (no_usable_backend(), 4500),
        (errors.webrtc_unavailable("aiortc"), 4500),
    ],
)
def test_close_code_for(err: ScaigridError, code: int) -> None:
    assert errors.close_code_for(err) == code


def test_flood_error_reports_the_numbers() -> None:
    err = errors.stream_flood(41.23456, 30.0)
    assert err.code == "SCAIECHO_STREAM_FLOOD" and err.status_code == 400
    assert err.details == {"buffered_seconds": 41.235, "max_buffered_seconds": 30.0}


def test_webrtc_codes_and_statuses() -> None:
    assert (errors.webrtc_unavailable("av").status_code, errors.webrtc_unavailable("av").code) == (
        501,
        "SCAIECHO_WEBRTC_UNAVAILABLE",
    )
    assert errors.webrtc_session_not_found().status_code == 404
    lost = errors.webrtc_state_lost()
    assert (lost.status_code, lost.code) == (410, "SCAIECHO_WEBRTC_SESSION_STATE_LOST")
