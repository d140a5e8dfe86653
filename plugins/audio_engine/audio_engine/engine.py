"""The module's per-process state: component registry, pools, admission control, resources.

One :class:`AudioEngine` per process, built by ``scaigrid_setup`` and reached as
``module.state`` (``module: Module``), started and stopped with the app's lifespan.
A request before start-up answers 503, as the reference does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from scaigrid.context import ModuleContext
from scaigrid.platform import Platform

from audio_engine.constants import ALL_COMPONENT_IDS
from audio_engine.errors import Code, error
from audio_engine.pipeline import StepExecutor
from audio_engine.registry import ComponentRegistry
from audio_engine.resources import SPEAKER_EMBEDDING, TRANSCRIBER, VAD
from audio_engine.settings import AudioEngineSettings

__all__ = [
    "AudioEngine",
    "BackendTranscriber",
    "HostResources",
    "Module",
]

log = logging.getLogger("scaigrid.modules.audio_engine")


class BackendTranscriber:
    """A host ``stt`` backend as the optional ``transcriber`` resource (words per minute)."""

    def __init__(self, backend: Any) -> None:
        self._backend = backend
        self.name = f"stt:{getattr(backend, 'name', type(backend).__name__)}"

    def transcribe(self, path: Path) -> str:
        from scaigrid.backends.base import SttRequest

        return str(self._backend.transcribe(SttRequest(audio_path=str(path))).text)


class HostResources:
    """Resources from the host's backend registry: the configured VAD and speaker encoder
    (``AUDIO_ENGINE_VAD_BACKEND``, ``AUDIO_ENGINE_SPEAKER_BACKEND``) and an ``stt`` backend
    (``AUDIO_ENGINE_STT_BACKEND``, default the first self-hosted one)."""

    def __init__(self, platform: Platform, settings: AudioEngineSettings) -> None:
        self._platform = platform
        self._settings = settings
        self._stt_backend = settings.stt_backend

    def check(self) -> None:
        """Start-up: the configured backend names exist (an error lists the valid ones)."""
        backends = self._platform.backends
        backends.require("vad", self._settings.vad_backend, setting="AUDIO_ENGINE_VAD_BACKEND")
        backends.require(
            "speaker_embedding", self._settings.speaker_backend, setting="AUDIO_ENGINE_SPEAKER_BACKEND"
        )
        stt = self._stt_backend
        if stt and stt.lower() != "none":
            backends.require("stt", stt, setting="AUDIO_ENGINE_STT_BACKEND")

    async def get(self, name: str) -> Any | None:
        backends = self._platform.backends
        if name == VAD:
            return await backends.get("vad", self._settings.vad_backend)
        if name == SPEAKER_EMBEDDING:
            return await backends.get("speaker_embedding", self._settings.speaker_backend)
        if name == TRANSCRIBER:
            if self._stt_backend.lower() == "none":
                return None
            names = [self._stt_backend] if self._stt_backend else backends.find("stt", kind="A")[:1]
            if not names:
                return None
            try:
                return BackendTranscriber(await backends.get("stt", names[0]))
            except Exception as exc:  # optional: fluency still answers without words per minute
                log.warning("stt backend %s unavailable for speech_fluency_check: %s", names[0], exc)
                return None
        return None


class AudioEngine:
    """Everything one process needs to run pipelines for one module context."""

    def __init__(self, settings: AudioEngineSettings, registry: ComponentRegistry, resources: Any) -> None:
        self.settings = settings
        self.registry = registry
        self.resources = resources
        self.executor: StepExecutor | None = None
        self._slots: asyncio.Semaphore | None = None

    @staticmethod
    def new_registry() -> ComponentRegistry:
        return ComponentRegistry(known_ids=ALL_COMPONENT_IDS)

    def start(self) -> None:
        self.executor = StepExecutor(
            thread_workers=self.settings.thread_pool_workers,
            process_workers=self.settings.process_pool_workers,
        )
        self._slots = asyncio.Semaphore(self.settings.max_in_flight)

    def stop(self) -> None:
        if self.executor is not None:
            self.executor.close()
        self.executor = None
        self._slots = None

    @property
    def started(self) -> bool:
        return self.executor is not None

    def require_started(self) -> StepExecutor:
        if self.executor is None:
            raise error(
                503, Code.NOT_READY, "Audio Engine resources are not initialised (the app has not started)"
            )
        return self.executor

    @asynccontextmanager
    async def admitted(self) -> AsyncIterator[None]:
        """Hold one of ``MAX_IN_FLIGHT`` slots; 429 after ``SEMAPHORE_WAIT_TIMEOUT`` seconds of waiting."""
        self.require_started()
        slots = self._slots
        assert slots is not None
        wait = self.settings.semaphore_wait_timeout
        try:
            if slots.locked() and wait <= 0:
                raise TimeoutError
            await asyncio.wait_for(slots.acquire(), timeout=wait if wait > 0 else None)
        except TimeoutError:
            raise error(
                429,
                Code.BUSY,
                f"too many pipelines in flight (AUDIO_ENGINE_MAX_IN_FLIGHT={self.settings.max_in_flight}); "
                "retry with backoff",
                headers={"Retry-After": "1"},
            ) from None
        try:
            yield
        finally:
            slots.release()


Module = ModuleContext[AudioEngineSettings, AudioEngine]
"""The Audio Engine's own context type: route handlers declare ``module: Module``."""
