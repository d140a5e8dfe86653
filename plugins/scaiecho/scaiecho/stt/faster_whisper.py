"""Self-hosted STT with faster-whisper (CTranslate2) on the bundled tiny.en or multilingual base."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from scaigrid.backends import SpeechToText, SttDecodingStats, SttRequest, SttResult, SttSegment, SttWord

from scaiecho.errors import backend_unavailable
from scaiecho.stt.base import (
    OPT_BEAM_SIZE,
    OPT_DECODING_STATS,
    OPT_FIT_WINDOW,
    OPT_TEMPERATURE_FALLBACK,
    OPT_VAD_FILTER,
    SAMPLE_RATE,
    confidence_from_logprob,
    join_text,
    option,
    request_pcm,
)
from scaiecho.stt.fitted_window import FittedResult, transcribe_fitted

__all__ = ["FasterWhisperBackend"]


class FasterWhisperBackend(SpeechToText):
    """One loaded CTranslate2 Whisper model.

    The model loads on construction (the host builds backends lazily, once per
    process); ``transcribe`` is blocking and thread-safe (CTranslate2 queues
    concurrent calls over ``num_workers`` replicas).
    """

    can_stream: ClassVar[bool] = True
    """Short chunks decode fast enough for live sessions (the streaming code uses it)."""

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
            raise backend_unavailable(
                f"cannot load Whisper model {model!r} from {self.model_dir}: {exc}"
            ) from exc
        self.multilingual = bool(self._model.model.is_multilingual)
        self.supports_language_hint = self.multilingual  # type: ignore[misc]
        self.languages = None if self.multilingual else ("en",)  # type: ignore[misc]

    @property
    def whisper(self) -> Any:
        """The underlying ``faster_whisper.WhisperModel`` (benchmarks call it directly)."""
        return self._model

    def transcribe(self, request: SttRequest) -> SttResult:
        audio = request_pcm(request)
        if option(request, OPT_FIT_WINDOW, False) and not request.word_timestamps and not self.multilingual:
            fitted = transcribe_fitted(
                self._model,
                audio,
                prompt=request.prompt,
                temperature=0.0 if option(request, OPT_TEMPERATURE_FALLBACK, False) else request.temperature,
                beam_size=int(option(request, OPT_BEAM_SIZE, self.beam_size)),
            )
            if fitted is not None:
                return self._fitted_result(fitted, len(audio) / SAMPLE_RATE)
        kwargs: dict[str, Any] = {
            "beam_size": int(option(request, OPT_BEAM_SIZE, self.beam_size)),
            "vad_filter": bool(option(request, OPT_VAD_FILTER, True)),
            "word_timestamps": request.word_timestamps,
            "initial_prompt": request.prompt or None,
        }
        if not option(request, OPT_TEMPERATURE_FALLBACK, False):
            kwargs["temperature"] = float(request.temperature)
        if request.language and self.multilingual:
            kwargs["language"] = request.language
        pieces, info = self._model.transcribe(audio, **kwargs)
        duration = len(audio) / SAMPLE_RATE
        stats = bool(option(request, OPT_DECODING_STATS, False))
        # Whisper's timestamps are window-quantised and can run past the end of the audio.
        segments = [
            SttSegment(
                start=min(float(s.start), duration),
                end=min(float(s.end), duration),
                text=s.text.strip(),
                confidence=confidence_from_logprob(s.avg_logprob),
                words=(
                    [
                        SttWord(
                            start=float(w.start),
                            end=float(w.end),
                            word=w.word.strip(),
                            probability=float(w.probability),
                        )
                        for w in s.words
                    ]
                    if request.word_timestamps and s.words is not None
                    else None
                ),
                stats=_stats(s, request.temperature) if stats else None,
            )
            for s in pieces
            if s.text.strip()
        ]
        return SttResult(
            text=join_text(segments),
            language=info.language if self.multilingual else "en",
            language_probability=float(info.language_probability) if self.multilingual else 1.0,
            duration_seconds=duration,
            segments=segments,
            model=self.model,
        )

    def _fitted_result(self, fitted: FittedResult, duration: float) -> SttResult:
        confidence = confidence_from_logprob(fitted.avg_logprob)
        segments = [
            SttSegment(start=s.start, end=s.end, text=s.text, confidence=confidence) for s in fitted.segments
        ]
        return SttResult(
            text=join_text(segments),
            language="en",
            language_probability=1.0,
            duration_seconds=duration,
            segments=segments,
            model=self.model,
        )


def _stats(piece: Any, requested_temperature: float) -> SttDecodingStats:
    """faster-whisper's segment statistics (the decoding temperature that was kept, after fallback)."""
    return SttDecodingStats(
        seek=int(piece.seek),
        tokens=[int(t) for t in piece.tokens],
        temperature=float(piece.temperature if piece.temperature is not None else requested_temperature),
        avg_logprob=float(piece.avg_logprob),
        compression_ratio=float(piece.compression_ratio),
        no_speech_prob=float(piece.no_speech_prob),
    )
