"""Resemblyzer's d-vector encoder as the host's ``speaker_embedding`` backend (256-d, L2-normalised).

Two uses: one embedding per utterance (enrollment, matching, similarity) and one
per short sliding window over speech (diarization). Windows are cut from one mel
spectrogram per speech region and run through the LSTM in one batch.
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from scaigrid.backends.base import SpeakerEmbedding
from scaigrid.backends.builtin._extra import require
from scaigrid.backends.vectors import normalise
from scaigrid.errors import BadRequest

__all__ = ["NOT_ENOUGH_SPEECH", "SAMPLE_RATE", "ResemblyzerEncoder", "WindowEmbeddings"]

SAMPLE_RATE = 16000
NOT_ENOUGH_SPEECH = "NOT_ENOUGH_SPEECH"
_FRAME_SECONDS = 0.01  # resemblyzer's mel hop (10 ms)
_MIN_WINDOW_SECONDS = 0.4

Vector = npt.NDArray[np.float32]


class WindowEmbeddings:
    """Embeddings of sliding windows: ``vectors[i]`` covers ``spans[i]`` (seconds)."""

    def __init__(self, vectors: Vector, spans: list[tuple[float, float]]) -> None:
        self.vectors = vectors
        self.spans = spans

    def __len__(self) -> int:
        return len(self.spans)


class ResemblyzerEncoder(SpeakerEmbedding):
    """``resemblyzer.VoiceEncoder`` with the ``pretrained.pt`` its wheel ships; blocking, thread-safe."""

    dimension: ClassVar[int] = 256

    def __init__(self, device: str = "cpu") -> None:
        self._resemblyzer: Any = require("resemblyzer")
        self._encoder: Any = self._resemblyzer.VoiceEncoder(device=device, verbose=False)
        self._encoder.eval()
        self._lock = threading.Lock()

    def embed(self, pcm16k: npt.NDArray[np.float32], *, min_voiced_seconds: float | None = None) -> Vector:
        """One embedding for an utterance: volume-normalised, long silences trimmed first.

        With ``min_voiced_seconds``, fewer voiced seconds than that after trimming is a 400
        ``NOT_ENOUGH_SPEECH``; without it, very quiet input that trims to almost nothing is
        embedded whole.
        """
        wav = np.asarray(pcm16k, dtype=np.float32)
        trimmed = self._resemblyzer.preprocess_wav(wav, source_sr=SAMPLE_RATE)
        if min_voiced_seconds is not None and len(trimmed) < min_voiced_seconds * SAMPLE_RATE:
            raise BadRequest(
                f"less than {min_voiced_seconds:g} s of voiced speech to embed", code=NOT_ENOUGH_SPEECH
            )
        if len(trimmed) < int(SAMPLE_RATE * _MIN_WINDOW_SECONDS):
            trimmed = wav
        with self._lock:
            return normalise(self._encoder.embed_utterance(trimmed))

    def windows(
        self,
        pcm16k: npt.NDArray[np.float32],
        regions: list[tuple[float, float]],
        *,
        window: float = 1.5,
        hop: float = 0.75,
    ) -> WindowEmbeddings:
        """Embed ``window``-second windows every ``hop`` seconds inside each speech region.

        A region shorter than a window gets one embedding over its whole length
        (regions under 0.4 s are skipped: too short to say who spoke).
        """
        torch = require("torch")
        from resemblyzer.audio import wav_to_mel_spectrogram

        win_frames = max(1, round(window / _FRAME_SECONDS))
        hop_frames = max(1, round(hop / _FRAME_SECONDS))
        batches: dict[int, list[npt.NDArray[np.float32]]] = {}
        spans: dict[int, list[tuple[float, float]]] = {}
        for start, end in regions:
            if end - start < _MIN_WINDOW_SECONDS:
                continue
            wav = np.asarray(pcm16k[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)], dtype=np.float32)
            mel = wav_to_mel_spectrogram(wav)
            n = len(mel)
            if n <= win_frames:
                batches.setdefault(n, []).append(mel)
                spans.setdefault(n, []).append((start, end))
                continue
            offsets = list(range(0, n - win_frames + 1, hop_frames))
            if offsets[-1] + win_frames < n:  # cover the region's tail too
                offsets.append(n - win_frames)
            for off in offsets:
                batches.setdefault(win_frames, []).append(mel[off : off + win_frames])
                s = start + off * _FRAME_SECONDS
                spans.setdefault(win_frames, []).append((s, min(end, s + window)))
        vectors: list[Vector] = []
        out_spans: list[tuple[float, float]] = []
        with self._lock, torch.inference_mode():
            for length, mels in batches.items():
                batch = torch.from_numpy(np.stack(mels)).to(self._encoder.device)
                vectors.extend(self._encoder(batch).cpu().numpy().astype(np.float32))
                out_spans.extend(spans[length])
        order = sorted(range(len(out_spans)), key=lambda i: out_spans[i])
        matrix = np.stack([vectors[i] for i in order]) if order else np.zeros((0, 256), np.float32)
        return WindowEmbeddings(matrix, [out_spans[i] for i in order])
