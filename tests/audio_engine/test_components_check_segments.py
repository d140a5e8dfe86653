"""check_segments: one verdict per segment, each issue detected where it was planted."""

from __future__ import annotations

import msgspec
import pytest
from audio_engine.components.check_segments import CheckSegmentsParams, run
from audio_engine.resources import VAD


def _check(scene, make_step, vad, segments, **params):
    step = make_step(scene.path, resources={VAD: vad})
    return run(step, CheckSegmentsParams(segments=segments, **params)).metrics


def test_good_segments_are_valid(speech_scene, make_step, vad) -> None:
    (a0, a1), (b0, b1) = speech_scene.intervals
    metrics = _check(speech_scene, make_step, vad, [(a0, a1), (b0, b1)])
    assert metrics["all_valid"] is True and metrics["valid_count"] == 2
    for verdict in metrics["segments"]:
        assert verdict["issues"] == [] and verdict["speech_ratio"] > 0.8


def test_each_issue_is_reported(speech_scene, make_step, vad) -> None:
    (a0, a1), (b0, b1) = speech_scene.intervals
    gap = (a1 + 0.4, b0 - 0.4)  # inside the 2 s silence
    segments = [
        (a0, a1),  # 0 valid
        gap,  # 1 no speech
        (b0, b1),  # 2 valid
        (b0 + 0.2, b1 - 0.2),  # 3 overlaps 2
        (a0, a0 + 0.5),  # 4 out of order (and overlaps nothing before it? starts before 3)
        (b1, b0),  # 5 reversed
        (speech_scene.duration - 0.5, speech_scene.duration + 3.0),  # 6 past the end, silence
    ]
    metrics = _check(speech_scene, make_step, vad, segments)
    issues = [v["issues"] for v in metrics["segments"]]
    assert issues[0] == [] and issues[2] == []
    assert issues[1] == ["no_speech"]
    assert issues[3] == ["overlaps_previous"]
    assert "not_in_order" in issues[4]
    assert "end_not_after_start" in issues[5]
    assert "out_of_bounds" in issues[6] and "no_speech" in issues[6]
    assert metrics["invalid_count"] == 5 and metrics["all_valid"] is False
    assert len(metrics["speech_segments"]) == 2


def test_tolerance_allows_a_small_overshoot(speech_scene, make_step, vad) -> None:
    (b0, _b1) = speech_scene.intervals[1]
    end = speech_scene.duration + 0.05
    strict = _check(speech_scene, make_step, vad, [(b0, end)])
    loose = _check(speech_scene, make_step, vad, [(b0, end)], tolerance_sec=0.1)
    assert strict["segments"][0]["in_bounds"] is False
    assert loose["segments"][0]["in_bounds"] is True and loose["all_valid"] is True


def test_empty_params_are_accepted() -> None:
    assert msgspec.convert({}, CheckSegmentsParams).segments == []
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"segments": [[1, 2, 3]]}, CheckSegmentsParams)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"min_speech_ratio": 0}, CheckSegmentsParams)
