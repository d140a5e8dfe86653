"""Adapters from scaiecho's services to what the streaming engine calls.

The engine only knows :class:`~scaiecho.streaming.engine.ChunkTranscriber` and
:class:`~scaiecho.streaming.engine.SpeakerLabeler`; here they are backed by the
``scaiecho.transcription`` and ``scaiecho.speaker_embedding`` services, so
streaming shares the module's models, tenant policy and backend errors.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scaiecho.contracts import BackendChoice, Transcript
from scaiecho.streaming.engine import ChunkText

__all__ = ["OnlineSpeakerLabeler", "ServiceTranscriber", "chunk_text"]


def chunk_text(transcript: Transcript) -> ChunkText:
    """Text plus the duration-weighted mean confidence of the transcript's segments."""
    segments = [s for s in transcript.segments if s.text.strip()]
    weights = [max(s.end - s.start, 1e-3) for s in segments]
    if segments:
        confidence = sum(s.confidence * w for s, w in zip(segments, weights, strict=True)) / sum(weights)
    else:
        confidence = 0.0
    return ChunkText(text=transcript.text.strip(), confidence=float(confidence))


class ServiceTranscriber:
    """``TranscriptionService.transcribe_chunk`` with the backend chosen once at ``open``."""

    def __init__(
        self,
        service: Any,
        choice: BackendChoice,
        *,
        language: str | None = None,
        beam_size: int | None = None,
    ) -> None:
        self._service = service
        self.choice = choice
        self.language = language
        self.beam_size = beam_size

    async def transcribe(self, pcm16k: np.ndarray, *, prompt: str | None) -> ChunkText:
        transcript: Transcript = await self._service.transcribe_chunk(
            pcm16k, choice=self.choice, language=self.language, prompt=prompt, beam_size=self.beam_size
        )
        return chunk_text(transcript)


class OnlineSpeakerLabeler:
    """Labels each final utterance with a stable ``SPEAKER_NN`` for the stream's lifetime.

    Online clustering: the utterance's speaker embedding joins the closest known
    speaker when the cosine similarity reaches ``threshold`` (same voice scores
    ~0.9, different voices ~0.6 with resemblyzer), else it starts a new speaker.
    Centroids are running means, renormalised.
    """

    def __init__(self, embedding_service: Any, *, threshold: float = 0.75, max_speakers: int = 8) -> None:
        self._service = embedding_service
        self.threshold = threshold
        self.max_speakers = max_speakers
        self._centroids: list[np.ndarray] = []
        self._counts: list[int] = []

    async def label(self, pcm16k: np.ndarray) -> str | None:
        vector = np.asarray(await self._service.embed(pcm16k), dtype=np.float64)
        norm = float(np.linalg.norm(vector))
        if norm == 0.0 or not np.isfinite(norm):
            return None
        vector /= norm
        index = self.assign(vector)
        return f"SPEAKER_{index:02d}"

    def assign(self, vector: np.ndarray) -> int:
        """Index of the speaker ``vector`` (unit length) belongs to, creating one if needed."""
        if self._centroids:
            sims = [float(np.dot(c, vector)) for c in self._centroids]
            best = int(np.argmax(sims))
            if sims[best] >= self.threshold or len(self._centroids) >= self.max_speakers:
                n = self._counts[best]
                merged = self._centroids[best] * n + vector
                self._centroids[best] = merged / np.linalg.norm(merged)
                self._counts[best] = n + 1
                return best
        self._centroids.append(vector)
        self._counts.append(1)
        return len(self._centroids) - 1
