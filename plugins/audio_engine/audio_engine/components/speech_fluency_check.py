"""``speech_fluency_check``: speech rate and pauses from VAD, pass/fail against the params.

Pauses are the gaps between VAD speech segments that last at least ``min_pause_sec``; a
long pause lasts at least ``long_pause_sec``. The speech rate is counted in syllable nuclei
(no transcript needed); when the deployment has a transcriber (an STT backend), words per
minute are measured too and checked against the optional word-rate bounds.
"""

from __future__ import annotations

import itertools
import statistics
from typing import Annotated, Any

import msgspec

from audio_engine import audiofile
from audio_engine.registry import Component, ComponentResult, StepInput
from audio_engine.resources import TRANSCRIBER, VAD
from audio_engine.segments import rounded
from audio_engine.syllables import syllable_times
from audio_engine.vad import VAD_SAMPLE_RATE, VadParams, speech_spans

__all__ = ["COMPONENT", "SpeechFluencyCheckParams", "run"]

NonNegative = Annotated[float, msgspec.Meta(ge=0)]


class SpeechFluencyCheckParams(VadParams, kw_only=True, forbid_unknown_fields=True):
    min_pause_sec: NonNegative = 0.25
    """Silences between speech segments shorter than this are not pauses."""
    long_pause_sec: Annotated[float, msgspec.Meta(gt=0)] = 1.5
    max_long_pauses: Annotated[int, msgspec.Meta(ge=0)] = 3
    min_syllables_per_second: NonNegative = 2.0
    """Bounds on the articulation rate (syllables per second of speech, pauses excluded)."""
    max_syllables_per_second: NonNegative = 8.0
    min_words_per_minute: NonNegative | None = None
    """Checked only when words per minute were measured (a transcriber is available)."""
    max_words_per_minute: NonNegative | None = None
    use_transcription: bool = True
    """Measure words per minute with the deployment's transcriber when it has one."""

    def __post_init__(self) -> None:
        if self.max_syllables_per_second < self.min_syllables_per_second:
            raise ValueError("max_syllables_per_second must be >= min_syllables_per_second")
        if (
            self.min_words_per_minute is not None
            and self.max_words_per_minute is not None
            and self.max_words_per_minute < self.min_words_per_minute
        ):
            raise ValueError("max_words_per_minute must be >= min_words_per_minute")


def _pauses(segments: list[tuple[float, float]], min_pause: float) -> list[float]:
    gaps = (b[0] - a[1] for a, b in itertools.pairwise(segments))
    return [g for g in gaps if g >= min_pause]


def run(step: StepInput, params: SpeechFluencyCheckParams) -> ComponentResult:
    audio, sr = audiofile.read_mono(step.working_path, VAD_SAMPLE_RATE)
    speech = speech_spans(step.resources[VAD], audio, params)
    duration = audio.shape[0] / sr
    speech_seconds = sum(end - start for start, end in speech)
    span = (speech[-1][1] - speech[0][0]) if speech else 0.0
    pauses = _pauses(speech, params.min_pause_sec)
    long_pauses = [p for p in pauses if p >= params.long_pause_sec]
    syllables = syllable_times(audio, sr, speech)
    articulation = len(syllables) / speech_seconds if speech_seconds > 0 else 0.0

    words: int | None = None
    wpm: float | None = None
    transcriber = step.resources.get(TRANSCRIBER) if params.use_transcription else None
    if transcriber is not None and speech:
        words = len(transcriber.transcribe(step.working_path).split())
        wpm = words / (span / 60.0) if span > 0 else 0.0

    reasons: list[str] = []
    if not speech:
        reasons.append("no_speech")
    else:
        if len(long_pauses) > params.max_long_pauses:
            reasons.append("too_many_long_pauses")
        if articulation < params.min_syllables_per_second:
            reasons.append("speech_rate_too_slow")
        if articulation > params.max_syllables_per_second:
            reasons.append("speech_rate_too_fast")
        if wpm is not None and params.min_words_per_minute is not None and wpm < params.min_words_per_minute:
            reasons.append("words_per_minute_too_low")
        if wpm is not None and params.max_words_per_minute is not None and wpm > params.max_words_per_minute:
            reasons.append("words_per_minute_too_high")

    metrics: dict[str, Any] = {
        "passed": not reasons,
        "reasons": reasons,
        "duration_seconds": rounded(duration),
        "speech_duration_seconds": rounded(speech_seconds),
        "speech_ratio": rounded(speech_seconds / duration) if duration > 0 else 0.0,
        "speech_segment_count": len(speech),
        "pause_count": len(pauses),
        "total_pause_seconds": rounded(sum(pauses)),
        "mean_pause_seconds": rounded(statistics.fmean(pauses)) if pauses else 0.0,
        "median_pause_seconds": rounded(statistics.median(pauses)) if pauses else 0.0,
        "max_pause_seconds": rounded(max(pauses)) if pauses else 0.0,
        "long_pause_count": len(long_pauses),
        "long_pause_threshold_seconds": params.long_pause_sec,
        "syllable_count": len(syllables),
        "syllables_per_second": round(articulation, 3),
        "speech_rate_syllables_per_second": round(len(syllables) / span, 3) if span > 0 else 0.0,
        "word_count": words,
        "words_per_minute": round(wpm, 1) if wpm is not None else None,
        "transcriber": getattr(transcriber, "name", None) if words is not None else None,
    }
    return ComponentResult(metrics=metrics)


COMPONENT = Component(
    id="speech_fluency_check",
    params=SpeechFluencyCheckParams,
    handler=run,
    produces_audio=False,
    produces_metrics=True,
    needs=(VAD,),
    optional_needs=(TRANSCRIBER,),
    description="Speech rate, pause statistics and long pauses (VAD; words per minute with STT), pass/fail.",
)
