"""What one process of scaiecho holds, built once by ``scaigrid_setup`` and reached as ``module.state``.

Routes, jobs, the MCP tool and the services all get their collaborators from
here (``module: Module``); nothing is looked up through the host's service
directory or kept in a global. Each part is built with the narrow dependencies it
uses, so no part holds the whole.
"""

from __future__ import annotations

from dataclasses import dataclass

from scaigrid.context import ModuleContext
from scaigrid.platform import Platform

from scaiecho.pcm import PcmLoader
from scaiecho.policy import TenantPolicyService
from scaiecho.services import DiarizationEngine, SpeakerEmbedder, Transcriber
from scaiecho.settings import ScaiechoSettings
from scaiecho.speakers.manager import SpeakerManager
from scaiecho.speakers.store import SpeakerStore
from scaiecho.streaming.runtime import StreamingRuntime
from scaiecho.streaming.settings import load_streaming_settings

__all__ = ["Module", "ScaiechoState", "build_state"]


@dataclass(eq=False)
class ScaiechoState:
    """The module's stores and services for the life of one process."""

    audio: PcmLoader
    policy: TenantPolicyService
    speakers: SpeakerStore
    embedding: SpeakerEmbedder
    diarization: DiarizationEngine
    transcription: Transcriber
    manager: SpeakerManager
    streaming: StreamingRuntime


Module = ModuleContext[ScaiechoSettings, ScaiechoState]
"""scaiecho's own context type: route handlers declare ``module: Module``."""


def build_state(platform: Platform, settings: ScaiechoSettings) -> ScaiechoState:
    """Wire the parts (no I/O: models load lazily, tables are read on use).

    Reads ``SCAIECHO_STREAM_*`` here, so a bad value stops start-up naming the variable.
    """
    audio = PcmLoader(platform.run_cpu)
    policy = TenantPolicyService(platform, settings)
    speakers = SpeakerStore(platform.db)
    embedding = SpeakerEmbedder(audio, platform.backends, settings.speaker_embedding_backend)
    diarization = DiarizationEngine(audio, platform.backends, embedding, speakers, settings)
    transcription = Transcriber(audio, platform.backends, policy, diarization, settings)
    manager = SpeakerManager(
        settings,
        speakers=speakers,
        audio=audio,
        embedding=embedding,
        transcription=transcription,
        platform=platform,
    )
    streaming = StreamingRuntime(
        load_streaming_settings(),
        transcription=transcription,
        embedding=embedding,
        run_cpu=platform.run_cpu,
        blobs=platform.blobs,
        node_id=platform.node_id,
    )
    return ScaiechoState(
        audio=audio,
        policy=policy,
        speakers=speakers,
        embedding=embedding,
        diarization=diarization,
        transcription=transcription,
        manager=manager,
        streaming=streaming,
    )
