"""speech_duration_measurement: Silero VAD finds the known speech length within 10 %."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from audio_engine.components.speech_duration_measurement import (
    COMPONENT,
    SpeechDurationMeasurementParams,
    run,
)
from audio_engine.resources import VAD

from tests.audio_fixtures import noise, resample_poly, silence, tone, write_wav


def test_speech_length_within_ten_percent(speech_scene, make_step, vad) -> None:
    result = run(make_step(speech_scene.path, resources={VAD: vad}), SpeechDurationMeasurementParams())
    measured = result.metrics["speech_duration_seconds"]
    assert measured == pytest.approx(speech_scene.speech_seconds, rel=0.10)
    assert measured < speech_scene.duration - 3.5  # the 4 s of silence are not speech


def test_other_sample_rates_are_resampled(tmp_path: Path, speech_scene, make_step, vad) -> None:
    import soundfile as sf

    data, sr = sf.read(speech_scene.path, dtype="float32")
    path = write_wav(tmp_path / "44k.wav", resample_poly(data, sr, 44100), 44100)
    result = run(make_step(path, resources={VAD: vad}), SpeechDurationMeasurementParams())
    assert result.metrics["speech_duration_seconds"] == pytest.approx(speech_scene.speech_seconds, rel=0.10)


def test_no_speech_in_tones_and_noise(tmp_path: Path, make_step, vad) -> None:
    from tests.audio_fixtures import concat

    path = write_wav(tmp_path / "n.wav", concat(silence(0.5), noise(1.0, amp=0.05), tone(440, 1.0)), 16000)
    result = run(make_step(path, resources={VAD: vad}), SpeechDurationMeasurementParams())
    assert result.metrics["speech_duration_seconds"] < 0.3


def test_params_are_the_reference_ones() -> None:
    assert msgspec.structs.asdict(SpeechDurationMeasurementParams()) == {
        "threshold": 0.5,
        "min_speech_duration_ms": 250,
        "min_silence_duration_ms": 100,
        "speech_pad_ms": 30,
    }
    for bad in (
        {"threshold": 1.5},
        {"threshold": -0.1},
        {"speech_pad_ms": -1},
        {"window": 512},
        {"threshold": "0.5"},
    ):
        with pytest.raises(msgspec.ValidationError):
            msgspec.convert(bad, SpeechDurationMeasurementParams, strict=True)
    assert COMPONENT.needs == (VAD,) and not COMPONENT.produces_audio
