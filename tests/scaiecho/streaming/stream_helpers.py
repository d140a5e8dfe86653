"""Helpers shared by the streaming tests: the reference sentences, WER, and the engine's
transcriber on the real model (imported by the tests; fixtures live in ``conftest.py``)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import numpy as np

SENTENCES = (
    "The weather today is sunny with a light breeze from the west.",
    "Please remember to bring your umbrella tomorrow afternoon.",
)


class BackendTranscriber:
    """The engine's transcriber on the real model, called the way ``transcribe_chunk`` calls
    a backend (in a thread, VAD filter off, the prompt passed on); counts its calls."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.calls = 0
        self.prompts: list[str | None] = []

    def _run(self, pcm16k: np.ndarray, prompt: str | None) -> Any:
        from scaiecho.streaming.engine import ChunkText

        segments, _ = self.model.transcribe(
            pcm16k, language="en", beam_size=1, vad_filter=False, initial_prompt=prompt
        )
        pieces = [s for s in segments if s.text.strip()]
        if not pieces:
            return ChunkText(text="", confidence=0.0)
        confidence = float(np.mean([np.exp(s.avg_logprob) for s in pieces]))
        return ChunkText(text=" ".join(s.text.strip() for s in pieces), confidence=min(1.0, confidence))

    async def transcribe(self, pcm16k: np.ndarray, *, prompt: str | None) -> Any:
        self.calls += 1
        self.prompts.append(prompt)
        return await asyncio.to_thread(self._run, pcm16k, prompt)


def words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split())


def wer(reference: str, hypothesis: str) -> float:
    import jiwer

    return float(jiwer.wer(words(reference), words(hypothesis)))
