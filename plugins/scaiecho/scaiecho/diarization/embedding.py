"""Speaker embeddings with resemblyzer's bundled d-vector encoder (256-d, L2-normalised).

Two uses: one embedding per utterance (enrollment, matching) and one per short
sliding window over speech (diarization). Windows are cut from one mel
spectrogram per speech region and run through the LSTM in one batch.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
from scaigrid.backends import SpeakerEmbedding

__all__ = ["ResemblyzerEncoder", "WindowEmbeddings", "cosine"]

_FRAME_SECONDS = 0.01  # resemblyzer's mel hop (10 ms)
_MIN_WINDOW_SECONDS = 0.4

Vector = npt.NDArray[np.float32]


def cosine(a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    """Cosine similarity of two vectors (0 when either is all zeros)."""
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    denom = float(np.linalg.norm(x) * np.linalg.norm(y))
    return float(x @ y / denom) if denom > 0 else 0.0


def _normalise(v: npt.NDArray[Any]) -> Vector:
    norm = float(np.linalg.norm(v))
    return (v / norm).astype(np.float32) if norm > 0 else v.astype(np.float32)


class WindowEmbeddings:
    """Embeddings of sliding windows: ``vectors[i]`` covers ``spans[i]`` (seconds)."""

    def __init__(self, vectors: Vector, spans: list[tuple[float, float]]) -> None:
        self.vectors = vectors
        self.spans = spans

    def __len__(self) -> int:
        return len(self.spans)


class ResemblyzerEncoder(SpeakerEmbedding):
    """The ``speaker_embedding`` backend: blocking, thread-safe inference on CPU or GPU."""

    dimension: ClassVar[int] = 256

    def __init__(self, device: str = "cpu") -> None:
        from resemblyzer import VoiceEncoder

        self._encoder = VoiceEncoder(device=device, verbose=False)
        self._encoder.eval()

    def embed(self, pcm16k: npt.NDArray[np.float32]) -> Vector:
        """One embedding for an utterance: volume-normalised, long silences trimmed first."""
        from resemblyzer import preprocess_wav

        wav = np.asarray(pcm16k, dtype=np.float32)
        trimmed = preprocess_wav(wav, source_sr=16000)
        # Trimming can leave almost nothing of very quiet input: fall back to the raw clip.
        if len(trimmed) < int(16000 * _MIN_WINDOW_SECONDS):
            trimmed = wav
        return _normalise(self._encoder.embed_utterance(trimmed))

    def mean_embedding(self, vectors: npt.NDArray[Any]) -> Vector:
        return _normalise(np.asarray(vectors, dtype=np.float32).mean(axis=0))

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
        import torch
        from resemblyzer.audio import wav_to_mel_spectrogram

        win_frames = max(1, round(window / _FRAME_SECONDS))
        hop_frames = max(1, round(hop / _FRAME_SECONDS))
        batches: dict[int, list[npt.NDArray[np.float32]]] = {}
        spans: dict[int, list[tuple[float, float]]] = {}
        for start, end in regions:
            if end - start < _MIN_WINDOW_SECONDS:
                continue
            wav = np.asarray(pcm16k[int(start * 16000) : int(end * 16000)], dtype=np.float32)
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
        with torch.inference_mode():
            for length, mels in batches.items():
                batch = torch.from_numpy(np.stack(mels)).to(self._encoder.device)
                vectors.extend(self._encoder(batch).cpu().numpy().astype(np.float32))
                out_spans.extend(spans[length])
        order = sorted(range(len(out_spans)), key=lambda i: out_spans[i])
        matrix = np.stack([vectors[i] for i in order]) if order else np.zeros((0, 256), np.float32)
        return WindowEmbeddings(matrix, [out_spans[i] for i in order])
