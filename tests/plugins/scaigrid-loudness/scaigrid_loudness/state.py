"""The module's state: built once per process by ``scaigrid_setup``, reached as ``module.state``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import msgspec
from scaigrid import ModuleContext
from scaigrid.audio import decode
from scaigrid.platform import Platform

from scaigrid_loudness.backend import CAPABILITY, SAMPLE_RATE
from scaigrid_loudness.contracts import Loudness


class LoudnessSettings(msgspec.Struct, frozen=True):
    """``LOUDNESS_BACKEND`` picks the backend by name; the host checks it at start-up."""

    backend: str = "rms"
    max_upload_bytes: int = 50 * 1024 * 1024


class Meter:
    """The ``loudness.meter`` service: decode in the host's CPU pool, measure on the backend."""

    def __init__(self, platform: Platform, backend: str) -> None:
        self._platform = platform
        self._backend = backend

    async def measure_file(self, path: str | os.PathLike[str]) -> Loudness:
        pcm = await self._platform.run_cpu(decode, str(path), sample_rate=SAMPLE_RATE, channels=1)
        loudness: Loudness = await self._platform.backends.run(CAPABILITY, self._backend, "measure", pcm)
        return loudness


@dataclass
class LoudnessState:
    meter: Meter
    measured: dict[str, int] = field(default_factory=dict)
    """Measurements finished in this process, per tenant (what ``GET /stats`` reports)."""


Module = ModuleContext[LoudnessSettings, LoudnessState]
