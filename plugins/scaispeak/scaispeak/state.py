"""What one process of ScaiSpeak holds, built by ``scaigrid_setup`` and reached as ``module.state``."""

from __future__ import annotations

from dataclasses import dataclass

from scaigrid.context import ModuleContext
from scaigrid.platform import Platform

from scaispeak.blocklist import Blocklist
from scaispeak.engines.catalog import presets
from scaispeak.intake.matching import PresetMatcher
from scaispeak.intake.service import VoiceIntake
from scaispeak.output_cache import OutputCache
from scaispeak.policy import ScaispeakPolicy
from scaispeak.settings import ScaispeakSettings
from scaispeak.streaming.sessions import WebRtcSessions
from scaispeak.synthesis import Synthesizer
from scaispeak.voices import VoiceStore
from scaispeak.warming import VoiceWarmer

__all__ = ["Module", "ScaispeakState", "build_state"]


@dataclass(eq=False)
class ScaispeakState:
    voices: VoiceStore
    policy: ScaispeakPolicy
    blocklist: Blocklist
    synthesizer: Synthesizer
    intake: VoiceIntake
    outputs: OutputCache
    warmer: VoiceWarmer
    webrtc: WebRtcSessions


Module = ModuleContext[ScaispeakSettings, ScaispeakState]


def build_state(platform: Platform, settings: ScaispeakSettings) -> ScaispeakState:
    policy = ScaispeakPolicy(platform, settings)
    blocklist = Blocklist(platform.db)
    outputs = OutputCache(platform.db, platform.blobs)
    warmer = VoiceWarmer(platform)
    return ScaispeakState(
        voices=VoiceStore(platform.db),
        policy=policy,
        blocklist=blocklist,
        synthesizer=Synthesizer(platform, policy, blocklist, settings),
        intake=VoiceIntake(platform, settings, PresetMatcher(platform, presets(settings)), outputs, warmer),
        outputs=outputs,
        warmer=warmer,
        webrtc=WebRtcSessions(),
    )
