"""``SCAIECHO_STREAM_*`` settings: defaults, parsing, and start-up errors that name the variable."""

from __future__ import annotations

import pytest
from scaiecho.streaming.engine import StreamOptions
from scaiecho.streaming.settings import StreamingSettings, load_streaming_settings
from scaigrid.errors import StartupError


def test_defaults_without_environment() -> None:
    assert load_streaming_settings({}) == StreamingSettings()


def test_values_are_read_and_converted() -> None:
    settings = load_streaming_settings(
        {
            "SCAIECHO_STREAM_MAX_FRAME_BYTES": "4096",
            "SCAIECHO_STREAM_END_SILENCE_MS": "600",
            "SCAIECHO_STREAM_PARTIAL_INTERVAL_SECONDS": "0.8",
            "SCAIECHO_STREAM_VAD_THRESHOLD": "0.6",
        }
    )
    assert settings.max_frame_bytes == 4096 and settings.end_silence_ms == 600
    options = StreamOptions.from_settings(settings, interim_results=False)
    assert options.segmenter.partial_interval_seconds == 0.8
    assert options.segmenter.threshold == 0.6 and not options.segmenter.interim_results


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("SCAIECHO_STREAM_VAD_THRESHOLD", "1.5"),
        ("SCAIECHO_STREAM_MAX_FRAME_BYTES", "10"),
        ("SCAIECHO_STREAM_MAX_UTTERANCE_SECONDS", "45"),
        ("SCAIECHO_STREAM_END_SILENCE_MS", "soon"),
    ],
)
def test_bad_values_stop_startup_naming_the_variable(var: str, value: str) -> None:
    with pytest.raises(StartupError, match=var):
        load_streaming_settings({var: value})
