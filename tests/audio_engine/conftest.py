"""Fixtures for the Audio Engine tests: models loaded once per session, steps built on real files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from audio_engine.registry import InputFile, StepInput
from audio_engine.resources import local_speaker_encoder, local_vad


@pytest.fixture(scope="session")
def vad() -> Any:
    return local_vad()


@pytest.fixture(scope="session")
def speaker_encoder() -> Any:
    return local_speaker_encoder()


@pytest.fixture
def make_step(tmp_path: Path) -> Callable[..., StepInput]:
    """``make_step(working, *others, resources=...)`` → a StepInput over real files."""
    work = tmp_path / "work"
    work.mkdir()

    def factory(
        working: Path, *others: Path, index: int = 0, resources: dict[str, Any] | None = None
    ) -> StepInput:
        inputs = tuple(InputFile(path=p, filename=p.name) for p in (working, *others))
        return StepInput(
            working_path=working, inputs=inputs, work_dir=work, index=index, resources=resources or {}
        )

    return factory


class Scene:
    """Speech at known places: ``path`` and the true speech intervals in seconds."""

    def __init__(self, path: Path, intervals: list[tuple[float, float]], duration: float) -> None:
        self.path = path
        self.intervals = intervals
        self.duration = duration

    @property
    def speech_seconds(self) -> float:
        return sum(e - s for s, e in self.intervals)


def _voiced(pcm: Any, sr: int) -> tuple[float, float]:
    import numpy as np

    loud = np.flatnonzero(np.abs(pcm) > 0.01)
    return loud[0] / sr, (loud[-1] + 1) / sr


@pytest.fixture(scope="session")
def speech_scene(tmp_path_factory: pytest.TempPathFactory) -> Scene:
    """1 s silence, sentence A, 2 s silence, sentence B, 1 s silence (piper, 16 kHz)."""
    from tests.audio_fixtures import concat, piper_speech, silence, write_wav

    sr = 16000
    a, _ = piper_speech("The meeting starts at nine in the morning.", sr=sr)
    b, _ = piper_speech("Please bring the quarterly report with you.", sr=sr)
    parts = [silence(1.0), a, silence(2.0), b, silence(1.0)]
    offset_a = 1.0
    offset_b = 1.0 + len(a) / sr + 2.0
    va, vb = _voiced(a, sr), _voiced(b, sr)
    intervals = [(offset_a + va[0], offset_a + va[1]), (offset_b + vb[0], offset_b + vb[1])]
    signal = concat(*parts)
    path = write_wav(tmp_path_factory.mktemp("scene") / "scene.wav", signal, sr)
    return Scene(path, intervals, len(signal) / sr)
