"""espeak-ng voices (the Debian package's CLI): many languages, robotic quality; GPL-3 (espeak-ng)."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import soundfile as sf
from scaigrid.backends import TextToSpeech, TtsRequest, TtsResult

from scaispeak.errors import backend_unavailable

__all__ = ["BASE_WPM", "EspeakTts"]

BASE_WPM = 170
"""espeak-ng's words per minute at ``speed`` 1.0; its native rate scale takes ``speed`` directly."""


class EspeakTts(TextToSpeech):
    """One ``espeak-ng --stdout`` process per request (it starts in milliseconds); 22.05 kHz."""

    voices: ClassVar[tuple[str, ...]] = ()

    def __init__(self, voices: Sequence[str]) -> None:
        exe = shutil.which("espeak-ng")
        if exe is None:
            raise backend_unavailable("espeak-ng is not installed (apt-get install espeak-ng)")
        self._exe = exe
        self.offered = tuple(voices)

    def synthesize(self, request: TtsRequest) -> TtsResult:
        voice = request.voice or self.offered[0]
        if voice not in self.offered:
            raise backend_unavailable(f"espeak voice {voice!r} is not offered here")
        wpm = str(max(80, min(450, round(BASE_WPM * request.speed))))
        try:
            proc = subprocess.run(
                [self._exe, "-v", voice, "-s", wpm, "--stdout", request.text],
                capture_output=True,
                check=True,
                timeout=120,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            raise backend_unavailable(f"espeak-ng failed: {exc}") from exc
        data, rate = sf.read(io.BytesIO(proc.stdout), dtype="float32", always_2d=True)
        return TtsResult(pcm=np.ascontiguousarray(data.mean(axis=1)), sample_rate=int(rate), voice=voice)
