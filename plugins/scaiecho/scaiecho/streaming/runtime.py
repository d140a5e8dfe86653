"""Per-module streaming state: settings, the shared gate and VAD, the WebRTC session registry.

One :class:`StreamingRuntime` exists per module state (``module.state.streaming``);
both transports build their engine sessions through :meth:`StreamingRuntime.new_session`
so they share the tenant policy, the model gate and the error mapping.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from scaiecho.contracts import BackendChoice, SpeakerEmbeddingService, TranscriptionService
from scaiecho.errors import forbidden
from scaiecho.streaming.engine import StreamingSession, StreamOptions
from scaiecho.streaming.gate import TranscriptionGate
from scaiecho.streaming.settings import StreamingSettings
from scaiecho.streaming.transcriber import OnlineSpeakerLabeler, ServiceTranscriber
from scaiecho.streaming.vad import SileroVad, shared_vad

if TYPE_CHECKING:
    from scaigrid.auth import Principal
    from scaigrid.blobs import BlobStore

    from scaiecho.pcm import RunCpu
    from scaiecho.streaming.webrtc.manager import WebRtcManager

__all__ = ["DIARIZE_PERMISSION", "TRANSCRIBE_PERMISSION", "StreamingRuntime"]

TRANSCRIBE_PERMISSION = "scaiecho:transcribe"
DIARIZE_PERMISSION = "scaiecho:diarize"


class StreamingRuntime:
    """What every stream of one module context shares."""

    def __init__(
        self,
        settings: StreamingSettings,
        *,
        transcription: TranscriptionService,
        embedding: SpeakerEmbeddingService,
        run_cpu: RunCpu,
        blobs: BlobStore,
        node_id: str,
    ) -> None:
        self.settings = settings
        self._transcription = transcription
        self._embedding = embedding
        self._run_cpu = run_cpu
        self._blobs = blobs
        self._node_id = node_id
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

    async def vad(self) -> SileroVad:
        if self._vad is None:
            async with self._vad_lock:
                if self._vad is None:
                    self._vad = await self._run_cpu(shared_vad)
        return self._vad

    @property
    def webrtc(self) -> WebRtcManager:
        if self._webrtc is None:
            from scaiecho.streaming.webrtc.manager import WebRtcManager

            self._webrtc = WebRtcManager(self.settings, self, blobs=self._blobs, node_id=self._node_id)
        return self._webrtc

    async def resolve(self, principal: Principal, backend_preference: str) -> BackendChoice:
        """The tenant policy's backend for this preference (coded errors from the service)."""
        return await self._transcription.resolve_backend(principal.tenant_id, backend_preference)

    async def new_session(
        self,
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
        labeler = OnlineSpeakerLabeler(self._embedding) if diarize else None
        options = StreamOptions.from_settings(self.settings, interim_results=interim_results)
        if max_utterance_seconds is not None:
            options = options.with_max_utterance(max_utterance_seconds)
        session = StreamingSession(
            ServiceTranscriber(
                self._transcription, choice, language=language, beam_size=self.settings.beam_size
            ),
            await self.vad(),
            options,
            gate=self.gate(choice),
            labeler=labeler,
            run_cpu=self._run_cpu,
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
