"""HTTP Range parsing (scaigrid/blobs/ranges.py)."""

from __future__ import annotations

import pytest
from scaigrid.blobs.ranges import parse_range
from scaigrid.errors import ScaigridError


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        (None, 100, None),
        ("", 100, None),
        ("bytes=0-9", 100, (0, 10)),
        ("bytes=90-", 100, (90, 100)),
        ("bytes=90-1000", 100, (90, 100)),
        ("bytes=-10", 100, (90, 100)),
        ("bytes=-1000", 100, (0, 100)),
        ("BYTES = 5 - 6", 100, (5, 7)),
        ("bytes=0-0", 1, (0, 1)),
        ("bytes=0-1,4-5", 100, None),
        ("bytes=9-3", 100, None),
        ("bytes=-", 100, None),
        ("pages=1-2", 100, None),
        ("bytes=x-1", 100, None),
    ],
)
def test_parse_range(header: str | None, size: int, expected: tuple[int, int] | None) -> None:
    assert parse_range(header, size) == expected


@pytest.mark.parametrize(
    ("header", "size"),
    [("bytes=100-", 100), ("bytes=500-600", 100), ("bytes=-0", 100), ("bytes=0-", 0), ("bytes=-5", 0)],
)
def test_unsatisfiable(header: str, size: int) -> None:
    with pytest.raises(ScaigridError) as err:
        parse_range(header, size)
    assert err.value.status_code == 416
    assert err.value.code == "BLOB_RANGE_NOT_SATISFIABLE"
    assert err.value.headers == {"Content-Range": f"bytes */{size}"}
