"""audio_duration_check: the requirement is met exactly when the audio is long enough."""

from __future__ import annotations

from pathlib import Path

import pytest
from audio_engine.components.audio_duration_check import AudioDurationCheckParams, run

from tests.audio_fixtures import tone, write_wav


@pytest.mark.parametrize(("seconds", "meets"), [(2.0, False), (4.0, True)])
def test_duration_against_minimum(tmp_path: Path, make_step, seconds: float, meets: bool) -> None:
    path = write_wav(tmp_path / "t.wav", tone(440, seconds), 16000)
    result = run(make_step(path), AudioDurationCheckParams(min_duration_minutes=0.05))
    assert result.metrics == {
        "duration_seconds": seconds,
        "duration_minutes": pytest.approx(seconds / 60, abs=1e-6),
        "min_duration_minutes": 0.05,
        "meets_duration_requirement": meets,
    }


def test_default_is_eight_minutes() -> None:
    assert AudioDurationCheckParams().min_duration_minutes == 8.0
