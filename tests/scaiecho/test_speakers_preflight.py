"""scaiecho/speakers/preflight.py: reference quality checks on real and broken audio."""

from __future__ import annotations

import numpy as np
from scaiecho.settings import ScaiechoSettings
from scaiecho.speakers.preflight import run_preflight
from scaiecho.vad import speech_regions

from tests.audio_fixtures import concat, silence, tone
from tests.scaiecho.conftest import piper16k, silero_vad

SETTINGS = ScaiechoSettings()
TEXT = "My voice is my passport. Please verify me with this short recording of my speech."


def _preflight(pcm: np.ndarray) -> object:
    return run_preflight(pcm, speech_regions(silero_vad(), pcm), SETTINGS)


def _failed(pcm: np.ndarray) -> set[str]:
    return {c.name for c in _preflight(pcm).checks if not c.passed}  # type: ignore[attr-defined]


def test_clean_speech_passes_every_check() -> None:
    result = _preflight(piper16k(TEXT))
    assert result.passed, result
    assert result.speech_ratio > 0.6
    assert result.duration_seconds > 3.0
    assert -45 < result.rms_dbfs < -3


def test_too_short_reference_fails_duration() -> None:
    assert "duration" in _failed(piper16k("Hi there."))


def test_mostly_silence_fails_speech_ratio() -> None:
    assert _failed(concat(silence(6.0), piper16k("Hello, this is me."), silence(6.0))) == {"speech_ratio"}


def test_clipped_reference_fails_clipping() -> None:
    loud = np.clip(piper16k(TEXT) * 20.0, -1.0, 1.0)
    assert "clipping" in _failed(loud)


def test_very_quiet_reference_fails_level() -> None:
    assert "level" in _failed(piper16k(TEXT) * 0.002)


def test_a_tone_is_not_speech() -> None:
    failed = _failed(tone(220.0, 5.0))
    assert "speech_ratio" in failed
