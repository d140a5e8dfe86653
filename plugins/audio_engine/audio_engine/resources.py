"""Named resources components declare (``needs``): loaded models and optional services.

In the host they come from registered backends and services (see ``plugin.py``);
:class:`LocalResources` loads them in-process, once per process, for tests, the bench
and any embedding without a host.
"""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "SPEAKER_EMBEDDING",
    "TRANSCRIBER",
    "VAD",
    "LocalResources",
    "ResourceProvider",
    "Transcriber",
    "local_speaker_encoder",
    "local_vad",
]

VAD = "vad"
SPEAKER_EMBEDDING = "speaker_embedding"
TRANSCRIBER = "transcriber"


@runtime_checkable
class Transcriber(Protocol):
    """Anything that turns an audio file into text (an STT backend or service adapter)."""

    name: str

    def transcribe(self, path: Path) -> str: ...


class ResourceProvider(Protocol):
    async def get(self, name: str) -> Any | None:
        """The loaded resource, or ``None`` when this deployment has none by that name."""
        ...


@functools.cache
def local_vad() -> Any:
    """The host's Silero backend class, built directly (no host: tests, the bench)."""
    from scaigrid.backends.builtin import VAD
    from scaigrid.backends.builtin.silero import SileroVad

    vad = SileroVad()
    vad.name = VAD
    return vad


@functools.cache
def local_speaker_encoder() -> Any:
    from scaigrid.backends.builtin import SPEAKER_EMBEDDING as NAME
    from scaigrid.backends.builtin.resemblyzer import ResemblyzerEncoder

    encoder = ResemblyzerEncoder()
    encoder.name = NAME
    return encoder


class LocalResources:
    """In-process models (loaded on first use) plus any extra resources given by name."""

    def __init__(self, **extra: Any) -> None:
        self._extra = extra

    async def get(self, name: str) -> Any | None:
        if name in self._extra:
            return self._extra[name]
        if name == VAD:
            return await asyncio.to_thread(local_vad)
        if name == SPEAKER_EMBEDDING:
            return await asyncio.to_thread(local_speaker_encoder)
        return None
