"""Settings: the reference's names and defaults, read from AUDIO_ENGINE_* and validated."""

from __future__ import annotations

import pytest
from audio_engine.settings import AudioEngineSettings
from scaigrid.errors import StartupError
from scaigrid.settings import load_struct


def test_defaults_are_the_reference_ones() -> None:
    s = load_struct(AudioEngineSettings, "AUDIO_ENGINE_", environ={})
    assert (s.enabled, s.max_file_count, s.max_file_size_bytes, s.max_pipeline_steps) == (
        True,
        10,
        100 * 1024 * 1024,
        20,
    )
    assert s.signed_url_ttl_seconds == 86400


def test_environment_values() -> None:
    env = {
        "AUDIO_ENGINE_ENABLED": "false",
        "AUDIO_ENGINE_MAX_IN_FLIGHT": "3",
        "AUDIO_ENGINE_SEMAPHORE_WAIT_TIMEOUT": "0.5",
        "AUDIO_ENGINE_REQUEST_TIMEOUT": "30",
        "AUDIO_ENGINE_THREAD_POOL_WORKERS": "2",
        "AUDIO_ENGINE_PROCESS_POOL_WORKERS": "0",
    }
    s = load_struct(AudioEngineSettings, "AUDIO_ENGINE_", environ=env)
    assert (s.enabled, s.max_in_flight, s.semaphore_wait_timeout, s.request_timeout) == (False, 3, 0.5, 30.0)
    assert (s.thread_pool_workers, s.process_pool_workers) == (2, 0)


@pytest.mark.parametrize(
    ("name", "value"),
    [("MAX_FILE_COUNT", "0"), ("REQUEST_TIMEOUT", "-1"), ("ENABLED", "maybe"), ("MAX_PIPELINE_STEPS", "x")],
)
def test_bad_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(StartupError, match=f"AUDIO_ENGINE_{name}"):
        load_struct(AudioEngineSettings, "AUDIO_ENGINE_", environ={f"AUDIO_ENGINE_{name}": value})
