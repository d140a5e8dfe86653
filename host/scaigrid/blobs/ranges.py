"""HTTP ``Range: bytes=...`` parsing for blob downloads (one range; anything else gets the whole blob)."""

from __future__ import annotations

import re

from scaigrid.errors import ScaigridError

__all__ = ["parse_range"]

_SINGLE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The ``[start, end)`` a ``Range`` header asks for, or ``None`` to send the whole blob.

    Multiple ranges and malformed headers are ignored (RFC 9110 allows serving
    200 instead). A syntactically valid range that lies past the end raises a
    416 ``BLOB_RANGE_NOT_SATISFIABLE`` carrying ``Content-Range: bytes */size``.
    """
    if not header:
        return None
    match = _SINGLE.match(header)
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if last and first and int(last) < int(first):
        return None  # an invalid byte-range-spec: ignore the header
    if size == 0:  # no byte of an empty blob can be addressed
        raise _unsatisfiable(size)
    if not first:  # suffix range: the last N bytes
        length = int(last)
        if length == 0:
            raise _unsatisfiable(size)
        return max(0, size - length), size
    start = int(first)
    end = size if not last else min(int(last) + 1, size)
    if start >= size:
        raise _unsatisfiable(size)
    return start, end


def _unsatisfiable(size: int) -> ScaigridError:
    return ScaigridError(
        416,
        "BLOB_RANGE_NOT_SATISFIABLE",
        f"the requested range is outside the blob ({size} bytes)",
        headers={"Content-Range": f"bytes */{size}"},
    )
