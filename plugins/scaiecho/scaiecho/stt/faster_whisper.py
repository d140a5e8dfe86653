"""Self-hosted STT with faster-whisper (CTranslate2) on the bundled tiny.en or multilingual base."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from scaiecho.contracts import Segment, Transcript, Word
from scaiecho.errors import backend_unavailable
from scaiecho.stt.base import SAMPLE_RATE, SttOptions, confidence_from_logprob, join_text

__all__ = ["FasterWhisperBackend"]


class FasterWhisperBackend:
    """One loaded CTranslate2 Whisper model.

    The model loads on construction (the host builds backends lazily, once per
    process); ``transcribe`` is blocking and thread-safe for as many concurrent
    calls (CTranslate2 queues them over ``num_workers`` replicas).
    """

    kind = "A"
    is_async = False
    supports_word_timestamps = True

    def __init__(
        self,
        model_dir: str | Path,
        *,
        model: str,
        device: str = "cpu",
        compute_type: str = "int8",
        cpu_threads: int = 0,
        beam_size: int = 5,
        num_workers: int = 1,
    ) -> None:
        from faster_whisper import WhisperModel

        self.model = model
        self.model_dir = Path(model_dir)
        self.beam_size = beam_size
        try:
            self._model = WhisperModel(
                str(self.model_dir),
                device=device,
                compute_type=compute_type,
                cpu_threads=cpu_threads,
                num_workers=num_workers,
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise backend_unavailable(f"cannot load Whisper model {model!r} from {self.model_dir}: {exc}") from exc
        self.multilingual = bool(self._model.model.is_multilingual)

    @property
    def whisper(self) -> Any:
        """The underlying ``faster_whisper.WhisperModel`` (benchmarks call it directly)."""
        return self._model

    def transcribe(self, pcm: np.ndarray, options: SttOptions) -> Transcript:
        audio = np.ascontiguousarray(pcm, dtype=np.float32)
        kwargs: dict[str, Any] = {
            "beam_size": self.beam_size,
            "vad_filter": options.vad_filter,
            "word_timestamps": options.word_timestamps,
            "initial_prompt": options.prompt,
        }
        if options.temperature is not None:
            kwargs["temperature"] = options.temperature
        if options.language and self.multilingual:
            kwargs["language"] = options.language
        pieces, info = self._model.transcribe(audio, **kwargs)
        segments = [
            Segment(
                start=round(float(s.start), 3),
                end=round(float(s.end), 3),
                text=s.text.strip(),
                confidence=round(confidence_from_logprob(s.avg_logprob), 4),
                words=(
                    [
                        Word(
                            start=round(float(w.start), 3),
                            end=round(float(w.end), 3),
                            word=w.word.strip(),
                            probability=round(float(w.probability), 4),
                        )
                        for w in s.words
                    ]
                    if kwargs["word_timestamps"] and s.words is not None
                    else None
                ),
            )
            for s in pieces
            if s.text.strip()
        ]
        return Transcript(
            text=join_text(segments),
            language=info.language if self.multilingual else "en",
            duration_seconds=round(len(audio) / SAMPLE_RATE, 3),
            backend_used="A",
            model=self.model,
            segments=segments,
        )
