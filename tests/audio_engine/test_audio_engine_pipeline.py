"""The executor on real files: chaining, both pools, resources, and how failures are coded."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import soundfile as sf
from audio_engine.components import builtin_components
from audio_engine.constants import ALL_COMPONENT_IDS
from audio_engine.errors import ComponentInputError
from audio_engine.pipeline import StepExecutor, run_pipeline
from audio_engine.registry import ComponentRegistry, InputFile
from audio_engine.resources import LocalResources
from audio_engine.validation import parse_components
from scaigrid.errors import ScaigridError

from tests.audio_fixtures import concat, noise, silence, tone, write_wav

SR = 16000


@pytest.fixture(scope="module")
def registry() -> ComponentRegistry:
    reg = ComponentRegistry(known_ids=ALL_COMPONENT_IDS)
    for comp in builtin_components():
        reg.register(comp)
    return reg


@pytest.fixture(scope="module")
def executor() -> Iterator[StepExecutor]:
    ex = StepExecutor(thread_workers=2, process_workers=1)
    yield ex
    ex.close()


def _run(registry, executor, components: list[dict[str, Any]], paths: list[Path], work: Path, resources=None):
    steps = parse_components(json.dumps(components), registry, max_steps=20)
    inputs = [InputFile(path=p, filename=p.name) for p in paths]
    return asyncio.run(
        run_pipeline(steps, inputs, work, executor=executor, resources=resources or LocalResources())
    )


def test_audio_steps_chain_through_the_process_pool(registry, executor, tmp_path: Path) -> None:
    signal = concat(silence(0.7), tone(300, 1.0) + noise(1.0, amp=0.01), silence(0.4))
    path = write_wav(tmp_path / "in.wav", signal, SR)
    outcome = _run(
        registry,
        executor,
        [
            {"component_id": "noise_reduce"},  # process pool
            {"component_id": "beg_silence_trimmer"},
            {"component_id": "end_silence_trimmer"},
            {"component_id": "audio_duration_check", "params": {"min_duration_minutes": 0}},
        ],
        [path],
        tmp_path,
    )
    nr, beg, end, dur = (s.result for s in outcome.steps)
    assert Path(nr.output_path).parent == tmp_path and nr.output_path != str(path)
    assert beg.metrics["trimmed_seconds"] == pytest.approx(0.7, abs=0.02)
    assert outcome.final_path == end.output_path
    assert dur.metrics["duration_seconds"] == pytest.approx(1.0, abs=0.03)
    assert sf.info(outcome.final_path).frames == pytest.approx(SR, abs=500)


def test_metrics_steps_keep_the_working_file(registry, executor, tmp_path: Path) -> None:
    path = write_wav(tmp_path / "in.wav", tone(300, 1.0), SR)
    outcome = _run(registry, executor, [{"component_id": "audio_duration_check"}], [path], tmp_path)
    assert outcome.final_path == str(path)


def test_input_errors_cross_the_process_boundary(registry, executor, tmp_path: Path) -> None:
    path = write_wav(tmp_path / "short.wav", tone(300, 0.05), SR)
    with pytest.raises(ComponentInputError) as info:
        _run(registry, executor, [{"component_id": "noise_reduce"}], [path], tmp_path)
    assert info.value.status_code == 400 and "noise_reduce needs" in info.value.message


def test_unexpected_errors_become_500(registry, executor, tmp_path: Path) -> None:
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF....WAVEfmt garbage")
    with pytest.raises(ScaigridError) as info:
        _run(registry, executor, [{"component_id": "end_silence_trimmer"}], [broken], tmp_path)
    assert (info.value.status_code, info.value.code) == (500, "AUDIO_ENGINE_COMPONENT_FAILED")
    assert info.value.details == {"index": 0, "component_id": "end_silence_trimmer"}


class NoResources:
    async def get(self, name: str) -> Any:
        return None


def test_missing_resource_is_503(registry, executor, tmp_path: Path) -> None:
    path = write_wav(tmp_path / "in.wav", tone(300, 1.0), SR)
    with pytest.raises(ScaigridError) as info:
        _run(
            registry,
            executor,
            [{"component_id": "speech_duration_measurement"}],
            [path],
            tmp_path,
            NoResources(),
        )
    assert (info.value.status_code, info.value.code) == (503, "AUDIO_ENGINE_NOT_READY")
    assert info.value.details["resource"] == "vad"
