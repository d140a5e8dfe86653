"""fix_manual_segments: boundaries snap onto VAD speech, silence-only segments drop, overlaps merge."""

from __future__ import annotations

import msgspec
import pytest
from audio_engine.components.fix_manual_segments import FixManualSegmentsParams, run, snap
from audio_engine.resources import VAD


def test_snapping_on_real_speech(speech_scene, make_step, vad) -> None:
    (a0, a1), (b0, b1) = speech_scene.intervals
    segments = [
        (a0 - 0.3, a1 + 0.25),  # sloppy around A
        (a1 + 0.6, b0 - 0.6),  # silence between: dropped
        (b0 + 0.2, b0 + 1.0),  # start of B, late start
        (b0 + 0.8, b1 - 0.2),  # overlaps the previous: merged, end snaps to B's end
        (b1 - 0.1, speech_scene.duration + 5.0),  # beyond the end: clamped, start is speech
    ]
    step = make_step(speech_scene.path, resources={VAD: vad})
    metrics = run(step, FixManualSegmentsParams(segments=segments)).metrics
    fixed = metrics["segments"]
    assert len(fixed) == 2
    # within the VAD's padding, hangover and 32 ms windows of the true speech bounds
    assert fixed[0][0] == pytest.approx(a0, abs=0.15) and fixed[0][1] == pytest.approx(a1, abs=0.15)
    assert fixed[1][0] == pytest.approx(b0, abs=0.15)
    assert fixed[1][1] == pytest.approx(speech_scene.duration, abs=1e-5)  # clamped, no offset within 0.5 s
    actions = [c["actions"] for c in metrics["changes"]]
    assert "start_snapped" in actions[0] and "end_snapped" in actions[0]
    assert actions[1] == ["dropped_no_speech"]
    assert "start_snapped" in actions[2]
    assert "clamped" in actions[4]
    assert metrics["dropped_count"] == 1 and metrics["merged_count"] == 2


def test_snap_rules_without_audio() -> None:
    speech = [(1.0, 2.0), (4.0, 6.0)]
    fixed, changes = snap(
        [(2.1, 0.9), (3.0, 3.5), (4.3, 5.0), (4.9, 5.8), (6.5, 9.0)],
        speech,
        8.0,
        max_snap_sec=0.5,
        drop_without_speech=True,
    )
    assert fixed == [(1.0, 2.0), (4.0, 6.0)]
    assert changes[0]["actions"] == ["swapped", "start_snapped", "end_snapped"]
    assert changes[1]["fixed"] is None
    assert changes[4]["actions"] == ["clamped", "dropped_no_speech"]
    # too far from any boundary: left alone, and kept when asked to
    fixed, _ = snap([(2.9, 3.1)], speech, 8.0, max_snap_sec=0.5, drop_without_speech=False)
    assert fixed == [(2.9, 3.1)]


def test_params() -> None:
    assert msgspec.convert({}, FixManualSegmentsParams).segments == []
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"segments": [[-1, 2]]}, FixManualSegmentsParams)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"snap": 1}, FixManualSegmentsParams)
