"""Opaque cursors (scryon/pagination.py)."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from scaigrid.errors import ScaigridError
from scryon.pagination import check_limit, decode_cursor, encode_cursor


def test_cursor_round_trip_keeps_microseconds_and_is_the_reference_shape() -> None:
    when = dt.datetime(2026, 5, 29, 13, 0, 0, 123456, tzinfo=dt.UTC)
    cursor = encode_cursor(when, "abc")
    assert decode_cursor(cursor) == (when, "abc")
    raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    assert raw == {"createdAt": "2026-05-29T13:00:00.123456Z", "id": "abc"}


@pytest.mark.parametrize("bad", ["", "!!!", "bm90IGpzb24", base64.urlsafe_b64encode(b'{"id": 1}').decode()])
def test_bad_cursor_is_a_validation_error(bad: str) -> None:
    with pytest.raises(ScaigridError) as info:
        decode_cursor(bad or "x")
    assert info.value.status_code == 400 and info.value.code == "validation_error"


def test_limit_bounds() -> None:
    assert check_limit(1) == 1 and check_limit(100) == 100
    for bad in (0, 101):
        with pytest.raises(ScaigridError):
            check_limit(bad)
