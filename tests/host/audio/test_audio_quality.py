"""scaigrid/audio/quality.py: the recording checks scaiecho and ScaiSpeak share."""

from __future__ import annotations

import numpy as np
from scaigrid.audio.quality import QualityBounds, check_recording

BOUNDS = QualityBounds(min_seconds=3.0, max_seconds=60.0, min_speech_ratio=0.5, max_clipping_ratio=0.01)


def _failed(pcm: np.ndarray, speech: list[tuple[float, float]]) -> set[str]:
    return {c.name for c in check_recording(pcm, speech, BOUNDS).checks if not c.passed}


def test_each_rule_fails_on_its_own() -> None:
    t = np.arange(16000 * 5) / 16000
    good = (0.1 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    assert _failed(good, [(0.0, 5.0)]) == set()
    assert _failed(good[:16000], [(0.0, 1.0)]) == {"duration"}
    assert _failed(good, [(0.0, 1.0)]) == {"speech_ratio"}
    assert "clipping" in _failed(np.clip(good * 50, -1, 1), [(0.0, 5.0)])
    assert _failed(good * 0.001, [(0.0, 5.0)]) == {"level"}
    report = check_recording(np.zeros(0, np.float32), [], BOUNDS)
    assert not report.passed and report.rms_dbfs == -120.0 and report.duration_seconds == 0.0
