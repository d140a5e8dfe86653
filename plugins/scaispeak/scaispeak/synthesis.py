"""One synthesis, from a visible voice and a text to encoded audio: the dispatcher every path uses.

The tenant's policy orders the kinds (A self-hosted, B relay); the voice names its A engine;
the audio is encoded once by the host (``scaigrid.audio.encode``) in the requested format.
"""

from __future__ import annotations

import base64
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt
from scaigrid.audio import encode
from scaigrid.audio.encode import encoded_rate
from scaigrid.backends import TtsRequest
from scaigrid.errors import ScaigridError
from scaigrid.platform import Platform

from scaispeak.blocklist import Blocklist
from scaispeak.engines.catalog import RELAY
from scaispeak.errors import backend_unavailable
from scaispeak.licensing import Licensing
from scaispeak.policy import ScaispeakPolicy
from scaispeak.records import ResponseFormat, Speech
from scaispeak.settings import ScaispeakSettings

__all__ = ["Rendered", "Synthesizer", "Voiced"]

_FALLBACK = frozenset(
    {"SCAISPEAK_BACKEND_UNAVAILABLE", "BACKEND_LOAD_FAILED", "BACKEND_FAILED", "BACKEND_UNAVAILABLE"}
)
_CLONE_KNOBS = ("instructions", "cfg_value", "warmup_trim_ms")


class Voiced(msgspec.Struct, kw_only=True):
    """Synthesized speech before encoding."""

    pcm: npt.NDArray[np.float32]
    sample_rate: int
    kind: str


class Rendered(msgspec.Struct, kw_only=True):
    """Encoded audio plus what the response says about it."""

    audio: bytes
    speech: Speech


class Synthesizer:
    def __init__(
        self, platform: Platform, policy: ScaispeakPolicy, blocklist: Blocklist, settings: ScaispeakSettings
    ) -> None:
        self._platform = platform
        self._policy = policy
        self._blocklist = blocklist
        self._licensing = Licensing(platform.db)
        self._settings = settings

    async def pcm(
        self,
        voice: Any,
        text: str,
        *,
        tenant_id: str,
        user_id: str | None,
        speed: float = 1.0,
        language: str | None = None,
        preference: str = "any",
    ) -> Voiced:
        """Synthesize ``text`` in ``voice`` (a visible voice row) for a tenant's user through the
        policy's first usable backend: raw float32 PCM, its rate and the kind that spoke. Every path
        comes through here, so the blocklist is checked here, once per synthesis."""
        await self._blocklist.check(tenant_id, user_id, voice.id)
        await self._licensing.check_and_count(voice, len(text))
        backends = self._platform.backends
        order = await self._policy.order(tenant_id, preference)
        language = language or voice.language_primary
        tried: list[str] = []
        last: ScaigridError | None = None
        for kind in order:
            name = voice.engine if kind == "A" else RELAY
            if name not in backends.names("tts", kind) or not backends.handles("tts", name, language):
                continue
            request = TtsRequest(
                text=text,
                voice=voice.engine_voice if kind == "A" else self._settings.relay_voice,
                language=language,
                speed=speed,
            )
            tried.append(name)
            try:
                result = await backends.call("tts", name, request)
            except ScaigridError as exc:
                if exc.code not in _FALLBACK:
                    raise
                last = exc
                continue
            return Voiced(
                pcm=np.asarray(result.pcm, dtype=np.float32), sample_rate=result.sample_rate, kind=kind
            )
        if last is not None:
            raise backend_unavailable(
                f"no allowed TTS backend could synthesize: {last.message}", details={"tried": tried}
            )
        raise backend_unavailable(
            f"the tenant policy allows {''.join(order)}; no such TTS backend can speak this voice"
            + (f" in {language!r}" if language else ""),
            details={"order": order},
        )

    async def render(
        self,
        voice: Any,
        text: str,
        *,
        tenant_id: str,
        user_id: str | None,
        fmt: ResponseFormat,
        speed: float = 1.0,
        language: str | None = None,
        preference: str = "any",
        knobs: dict[str, object] | None = None,
        inline: bool = True,
    ) -> Rendered:
        """:meth:`pcm`, encoded once by the host as ``fmt``."""
        voiced = await self.pcm(
            voice,
            text,
            tenant_id=tenant_id,
            user_id=user_id,
            speed=speed,
            language=language,
            preference=preference,
        )
        audio = await self._platform.run_cpu(encode, voiced.pcm, voiced.sample_rate, fmt)
        notes = [
            f"{knob} applies to voices made from a reference; preset voices ignore it"
            if voice.kind == "preset"
            else f"{knob} is not applied yet: the matched base voice speaks as it is"
            for knob, value in (knobs or {}).items()
            if knob in _CLONE_KNOBS and value is not None
        ]
        speech = Speech(
            voice_id=voice.id,
            format=fmt,
            sample_rate=encoded_rate(fmt, voiced.sample_rate),
            duration_seconds=round(len(voiced.pcm) / voiced.sample_rate, 3),
            characters=len(text),
            backend_used="A" if voiced.kind == "A" else "B",
            audio_base64=base64.b64encode(audio).decode("ascii") if inline else None,
            audio_bytes=len(audio),
            notes=notes,
        )
        return Rendered(audio=audio, speech=speech)
