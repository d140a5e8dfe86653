"""What other modules may rely on: the service's name, its Protocol and its record.

Another module calls ``platform.services.get(METER, LoudnessMeter).measure_file(path)``
and gets a typed :class:`Loudness` back; the host checks our provider against the
Protocol when it starts.
"""

from __future__ import annotations

import os
from typing import Protocol

import msgspec

METER = "loudness.meter"


class Loudness(msgspec.Struct, frozen=True):
    duration_seconds: float
    rms_dbfs: float
    peak_dbfs: float


class LoudnessMeter(Protocol):
    async def measure_file(self, path: str | os.PathLike[str]) -> Loudness: ...
