"""Time segments ``[start_sec, end_sec]`` as params accept them, and interval arithmetic on them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated

import msgspec

__all__ = [
    "MAX_SEGMENTS",
    "Seconds",
    "Segment",
    "check_increasing",
    "merge",
    "overlap_seconds",
    "rounded",
]

Seconds = Annotated[float, msgspec.Meta(ge=0)]
Segment = tuple[Seconds, Seconds]
"""``[start_sec, end_sec]``, both ≥ 0 (JSON arrays of two numbers)."""

MAX_SEGMENTS = 10_000


def check_increasing(segments: Iterable[Sequence[float]], field: str) -> None:
    """Raise ``ValueError`` (a 400 through msgspec) unless every pair has ``start < end``."""
    for i, (start, end) in enumerate(segments):
        if not end > start:
            raise ValueError(f"{field}[{i}] must have end > start, got [{start}, {end}]")


def merge(segments: Iterable[tuple[float, float]], gap: float = 0.0) -> list[tuple[float, float]]:
    """Sort and merge intervals that overlap or are at most ``gap`` apart."""
    out: list[tuple[float, float]] = []
    for start, end in sorted(segments):
        if out and start <= out[-1][1] + gap:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def overlap_seconds(start: float, end: float, others: Iterable[tuple[float, float]]) -> float:
    """Total length of ``[start, end]`` covered by ``others`` (which must not overlap each other)."""
    total = 0.0
    for o_start, o_end in others:
        total += max(0.0, min(end, o_end) - max(start, o_start))
    return total


def rounded(value: float) -> float:
    """Seconds as returned to clients: microsecond precision, no float noise."""
    return round(float(value), 6)
