"""Fixtures for the Audio Engine tests: models loaded once per session, steps built on real files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from audio_engine.registry import InputFile, StepInput
from audio_engine.resources import SPEAKER_EMBEDDING, VAD, local_speaker_encoder, local_vad


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

    def factory(working: Path, *others: Path, index: int = 0, resources: dict[str, Any] | None = None) -> StepInput:
        inputs = tuple(InputFile(path=p, filename=p.name) for p in (working, *others))
        return StepInput(
            working_path=working, inputs=inputs, work_dir=work, index=index, resources=resources or {}
        )

    return factory


@pytest.fixture(scope="session")
def models(vad: Any, speaker_encoder: Any) -> dict[str, Any]:
    return {VAD: vad, SPEAKER_EMBEDDING: speaker_encoder}
