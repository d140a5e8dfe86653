"""Per-module streaming state: settings, the shared gate and VAD, the WebRTC session registry.

One :class:`StreamingRuntime` exists per loaded scaiecho module context (an app,
a live test server), created on first use or by :func:`streaming_startup`; both
transports build their engine sessions through :meth:`StreamingRuntime.new_session`
so they share the tenant policy, the model gate and the error mapping.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import TYPE_CHECKING, Any

from scaiecho.contracts import BackendChoice
from scaiecho.errors import forbidden
from scaiecho.streaming.engine import StreamingSession, StreamOptions
from scaiecho.streaming.gate import TranscriptionGate
from scaiecho.streaming.settings import StreamingSettings, load_streaming_settings
from scaiecho.streaming.transcriber import OnlineSpeakerLabeler, ServiceTranscriber
from scaiecho.streaming.vad import SileroVad, shared_vad

if TYPE_CHECKING:
    from scaigrid.auth import Principal
    from scaigrid.context import ModuleContext
    from scaigrid.platform import Platform

    from scaiecho.streaming.webrtc.manager import WebRtcManager

__all__ = [
    "DIARIZE_PERMISSION",
    "TRANSCRIBE_PERMISSION",
    "StreamingRuntime",
    "runtime_for",
    "streaming_shutdown",
    "streaming_startup",
]

TRANSCRIBE_PERMISSION = "scaiecho:transcribe"
DIARIZE_PERMISSION = "scaiecho:diarize"
TRANSCRIPTION_SERVICE = "scaiecho.transcription"
EMBEDDING_SERVICE = "scaiecho.speaker_embedding"


class StreamingRuntime:
    """What every stream of one module context shares."""

    def __init__(self, settings: StreamingSettings) -> None:
        self.settings = settings
        self._gates: dict[str, TranscriptionGate] = {}
        self._vad: SileroVad | None = None
        self._vad_lock = asyncio.Lock()
        self._webrtc: WebRtcManager | None = None
        self.sessions: set[StreamingSession] = set()
        """Live engine sessions (both transports), for shutdown."""

    def gate(self, choice: BackendChoice) -> TranscriptionGate:
        """The gate of one backend: every stream on it shares the bound and the priorities."""
        gate = self._gates.get(choice.name)
        if gate is None:
            slots = (
                self.settings.max_concurrent_transcriptions
                if choice.kind == "A"
                else self.settings.max_concurrent_relay_transcriptions
            )
            gate = self._gates[choice.name] = TranscriptionGate(slots)
        return gate

    async def vad(self, platform: Platform) -> SileroVad:
        if self._vad is None:
            async with self._vad_lock:
                if self._vad is None:
                    self._vad = await platform.run_cpu(shared_vad)
        return self._vad

    @property
    def webrtc(self) -> WebRtcManager:
        if self._webrtc is None:
            from scaiecho.streaming.webrtc.manager import WebRtcManager

            self._webrtc = WebRtcManager(self)
        return self._webrtc

    async def resolve(
        self, platform: Platform, principal: Principal, backend_preference: str
    ) -> BackendChoice:
        """The tenant policy's backend for this preference (coded errors from the service)."""
        service = platform.services.get(TRANSCRIPTION_SERVICE)
        choice: BackendChoice = await service.resolve_backend(principal.tenant_id, backend_preference)
        return choice

    async def new_session(
        self,
        platform: Platform,
        principal: Principal,
        choice: BackendChoice,
        *,
        language: str | None,
        diarize: bool,
        interim_results: bool,
        max_utterance_seconds: float | None = None,
    ) -> StreamingSession:
        """An engine session on the module's transcription service (and embedding service
        when ``diarize``; the caller must hold ``scaiecho:diarize``)."""
        if diarize and not principal.has(DIARIZE_PERMISSION):
            raise forbidden("diarization needs the scaiecho:diarize permission")
        service = platform.services.get(TRANSCRIPTION_SERVICE)
        labeler = OnlineSpeakerLabeler(platform.services.get(EMBEDDING_SERVICE)) if diarize else None
        options = StreamOptions.from_settings(self.settings, interim_results=interim_results)
        if max_utterance_seconds is not None:
            options = options.with_max_utterance(max_utterance_seconds)
        session = StreamingSession(
            ServiceTranscriber(service, choice, language=language, beam_size=self.settings.beam_size),
            await self.vad(platform),
            options,
            gate=self.gate(choice),
            labeler=labeler,
            run_cpu=platform.run_cpu,
        )
        self.sessions.add(session)
        return session

    def forget(self, session: StreamingSession) -> None:
        self.sessions.discard(session)

    async def close(self) -> None:
        if self._webrtc is not None:
            await self._webrtc.close_all()
        sessions, self.sessions = self.sessions, set()
        await asyncio.gather(*(s.aclose() for s in sessions), return_exceptions=True)


_runtimes: weakref.WeakKeyDictionary[Any, StreamingRuntime] = weakref.WeakKeyDictionary()


def runtime_for(module: ModuleContext) -> StreamingRuntime:
    """The runtime of this module context, created (and its settings read) on first use."""
    runtime = _runtimes.get(module)
    if runtime is None:
        runtime = StreamingRuntime(load_streaming_settings())
        _runtimes[module] = runtime
    return runtime


async def streaming_startup(module: ModuleContext) -> None:
    """Read and validate ``SCAIECHO_STREAM_*`` at start-up (a bad value stops start-up)."""
    runtime_for(module)


async def streaming_shutdown(module: ModuleContext) -> None:
    """Close every live stream and WebRTC peer of this module context."""
    runtime = _runtimes.pop(module, None)
    if runtime is not None:
        await runtime.close()
