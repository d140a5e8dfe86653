"""The baseline voice matcher: which preset sounds most like the reference speaker.

Each preset speaks the same probe sentences once per process; their mean speaker embedding
(the host's resemblyzer backend) is compared with the reference's by cosine similarity.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scaigrid.audio import resample
from scaigrid.backends import TtsRequest
from scaigrid.backends.builtin import SPEAKER_EMBEDDING
from scaigrid.backends.vectors import cosine, normalise
from scaigrid.platform import Platform

from scaispeak.engines.catalog import Preset

__all__ = ["PROBES", "Match", "PresetMatcher"]

PROBES = (
    "The quick brown fox jumps over the lazy dog near the river bank.",
    "Please remember to bring your notes to the meeting on Monday morning.",
)


class Match:
    def __init__(self, preset: Preset, similarity: float) -> None:
        self.preset = preset
        self.similarity = similarity


class PresetMatcher:
    def __init__(self, platform: Platform, presets: Sequence[Preset]) -> None:
        self._platform = platform
        self._presets = list(presets)
        self._probes: dict[str, npt.NDArray[np.float32]] = {}
        self._lock = asyncio.Lock()

    async def embed(self, pcm16k: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        return await self._platform.backends.call("speaker_embedding", SPEAKER_EMBEDDING, pcm16k)

    async def _probe(self, preset: Preset) -> npt.NDArray[np.float32]:
        vectors = []
        for text in PROBES:
            result = await self._platform.backends.call(
                "tts",
                preset.engine,
                TtsRequest(text=text, voice=preset.engine_voice, language=preset.language),
            )
            pcm16 = np.asarray(resample(result.pcm, result.sample_rate, 16000), dtype=np.float32)
            vectors.append(await self.embed(pcm16))
        return normalise(np.mean(np.stack(vectors), axis=0))

    async def match(self, reference: npt.NDArray[np.float32], language: str) -> Match:
        """The closest preset speaking ``language`` (any preset when none does)."""
        candidates = [p for p in self._presets if p.language == language] or self._presets
        async with self._lock:  # probes are synthesized once per process, by one caller
            for preset in candidates:
                if preset.id not in self._probes:
                    self._probes[preset.id] = await self._probe(preset)
        scored = sorted(((cosine(reference, self._probes[p.id]), p) for p in candidates), key=lambda x: -x[0])
        best, preset = scored[0]
        return Match(preset, round(float(best), 4))
