"""Resemblyzer's speaker encoder as a loaded-once resource: 256-d voice embeddings."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

__all__ = ["EMBEDDING_SAMPLE_RATE", "SpeakerEncoder"]

EMBEDDING_SAMPLE_RATE = 16000
_MIN_VOICED_SECONDS = 0.5


class SpeakerEncoder:
    """``resemblyzer.VoiceEncoder`` on CPU with the weights its wheel ships."""

    def __init__(self) -> None:
        from resemblyzer import VoiceEncoder

        self._encoder: Any = VoiceEncoder(device="cpu", verbose=False)
        self._lock = threading.Lock()

    def embed(self, audio_16k: np.ndarray) -> np.ndarray | None:
        """L2-normalised embedding of the voiced part, or ``None`` with under 0.5 s of voice."""
        from resemblyzer import preprocess_wav

        wav = preprocess_wav(np.asarray(audio_16k, dtype=np.float32), source_sr=EMBEDDING_SAMPLE_RATE)
        if wav.size < _MIN_VOICED_SECONDS * EMBEDDING_SAMPLE_RATE:
            return None
        with self._lock:
            emb = np.asarray(self._encoder.embed_utterance(wav), dtype=np.float64)
        norm = float(np.linalg.norm(emb))
        return emb / norm if norm > 0 else None

    @staticmethod
    def cosine(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
