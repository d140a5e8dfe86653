"""The host's own model backends: one of each model every speech module shares.

Silero VAD (``vad/silero``), resemblyzer (``speaker_embedding/resemblyzer``) and
noisereduce (``denoise/noisereduce``) are loaded once per process here instead of
once per module. Modules pick them by configured name (``AUDIO_ENGINE_VAD_BACKEND``,
``SCAIECHO_VAD_BACKEND``...) and the host checks the name at start-up. The models'
packages are the ``speech`` extra of ``scaigrid``; the factories import them lazily
and a missing one fails with the extra to install.
"""

from __future__ import annotations

from scaigrid.records import BackendSpec

__all__ = ["DENOISE", "HOST_PROVIDER", "SPEAKER_EMBEDDING", "VAD", "builtin_specs"]

HOST_PROVIDER = "scaigrid"
"""The provider name the registry reports for host backends."""

VAD = "silero"
SPEAKER_EMBEDDING = "resemblyzer"
DENOISE = "noisereduce"


def builtin_specs() -> list[BackendSpec]:
    """The host's backends; nothing loads until first use."""
    from scaigrid.backends.builtin.noisereduce import NoiseReduceDenoiser
    from scaigrid.backends.builtin.resemblyzer import ResemblyzerEncoder
    from scaigrid.backends.builtin.silero import SileroVad

    return [
        BackendSpec(
            capability="vad",
            name=VAD,
            kind="A",
            factory=lambda _platform: SileroVad(),
            description="Silero VAD v6 (JIT model bundled in the silero-vad wheel), 16 kHz speech regions",
            max_concurrency=1,
        ),
        BackendSpec(
            capability="speaker_embedding",
            name=SPEAKER_EMBEDDING,
            kind="A",
            factory=lambda platform: ResemblyzerEncoder(device=platform.settings.model_device),
            description="resemblyzer d-vector encoder (pretrained.pt bundled in its wheel), 256-d",
            max_concurrency=2,
        ),
        BackendSpec(
            capability="denoise",
            name=DENOISE,
            kind="A",
            factory=lambda _platform: NoiseReduceDenoiser(),
            description="noisereduce stationary gating, the quietest 0.5 s as noise profile",
            max_concurrency=2,
        ),
    ]
