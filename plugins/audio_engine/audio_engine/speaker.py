"""Resemblyzer's voice encoder as a host ``speaker_embedding`` backend: 256-d voice embeddings."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
from scaigrid.backends.base import SpeakerEmbedding
from scaigrid.errors import BadRequest

__all__ = ["EMBEDDING_SAMPLE_RATE", "NOT_ENOUGH_SPEECH", "ResemblyzerEncoder", "cosine"]

EMBEDDING_SAMPLE_RATE = 16000
NOT_ENOUGH_SPEECH = "NOT_ENOUGH_SPEECH"
_MIN_VOICED_SECONDS = 0.5


class ResemblyzerEncoder(SpeakerEmbedding):
    """``resemblyzer.VoiceEncoder`` on CPU with the ``pretrained.pt`` its wheel ships."""

    dimension: ClassVar[int] = 256

    def __init__(self) -> None:
        from resemblyzer import VoiceEncoder

        self._encoder: Any = VoiceEncoder(device="cpu", verbose=False)
        self._lock = threading.Lock()

    def embed(self, pcm16k: Any) -> npt.NDArray[np.float32]:
        """L2-normalised embedding of the voiced frames; 400 ``NOT_ENOUGH_SPEECH`` under 0.5 s of voice."""
        from resemblyzer import preprocess_wav

        wav = preprocess_wav(np.asarray(pcm16k, dtype=np.float32), source_sr=EMBEDDING_SAMPLE_RATE)
        if wav.size < _MIN_VOICED_SECONDS * EMBEDDING_SAMPLE_RATE:
            raise BadRequest("less than 0.5 s of voiced speech to embed", code=NOT_ENOUGH_SPEECH)
        with self._lock:
            emb = np.asarray(self._encoder.embed_utterance(wav), dtype=np.float32)
        return emb / max(float(np.linalg.norm(emb)), 1e-12)


def cosine(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
