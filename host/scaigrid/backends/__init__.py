"""Model backends: the contract (:mod:`.base`), the registry, tenant policy, relay client, node registry.

Modules import the contract and the registry from here::

    from scaigrid.backends import SpeechToText, SttRequest, SttResult

Tenant policy lives in :mod:`scaigrid.backends.policy`, the relay (B) client in
:mod:`scaigrid.backends.relay`, the node registry in :mod:`scaigrid.nodes`.
"""

from scaigrid.backends.base import (
    CAPABILITIES,
    AnalysisRequest,
    AnalysisResult,
    Analyzer,
    Backend,
    BackendKind,
    Denoiser,
    Diarizer,
    SpeakerEmbedding,
    SpeakerTurn,
    SpeechToText,
    SttDecodingStats,
    SttRequest,
    SttResult,
    SttSegment,
    SttWord,
    TextToSpeech,
    TimeSpan,
    TtsRequest,
    TtsResult,
    VoiceActivity,
)
from scaigrid.backends.registry import BackendRegistry, BackendStatus

__all__ = [
    "CAPABILITIES",
    "AnalysisRequest",
    "AnalysisResult",
    "Analyzer",
    "Backend",
    "BackendKind",
    "BackendRegistry",
    "BackendStatus",
    "Denoiser",
    "Diarizer",
    "SpeakerEmbedding",
    "SpeakerTurn",
    "SpeechToText",
    "SttDecodingStats",
    "SttRequest",
    "SttResult",
    "SttSegment",
    "SttWord",
    "TextToSpeech",
    "TimeSpan",
    "TtsRequest",
    "TtsResult",
    "VoiceActivity",
]
