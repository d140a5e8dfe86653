"""beg_silence_trimmer / end_silence_trimmer (and audio_engine.silence) on tones, speech and hiss."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from audio_engine.components import beg_silence_trimmer, end_silence_trimmer
from audio_engine.components.beg_silence_trimmer import BegSilenceTrimmerParams
from audio_engine.components.end_silence_trimmer import EndSilenceTrimmerParams
from audio_engine.silence import active_bounds

from tests.audio_fixtures import concat, noise, piper_speech, silence, stereo, tone, write_wav

SR = 16000


def test_beg_trims_leading_silence_and_moves_segments(tmp_path: Path, make_step) -> None:
    path = write_wav(tmp_path / "a.wav", concat(silence(1.0), tone(300, 2.0), silence(0.5)), SR)
    params = BegSilenceTrimmerParams(manual_segments=[(0.5, 2.0), (0.2, 0.8), (3.0, 3.2)])
    result = beg_silence_trimmer.run(make_step(path), params)
    out, sr = sf.read(result.output_path, dtype="float32")
    assert result.metrics is not None
    assert result.metrics["trimmed_seconds"] == pytest.approx(1.0, abs=0.011)
    assert len(out) / sr == pytest.approx(2.5, abs=0.011)
    assert result.metrics["duration_seconds"] == pytest.approx(len(out) / sr, abs=1e-6)
    # [0.2, 0.8] lay entirely in the cut silence; the others shifted by the cut
    cut = result.metrics["trimmed_seconds"]
    assert result.metrics["manual_segments"] == [
        [0.0, pytest.approx(2.0 - cut)],
        [pytest.approx(3.0 - cut), pytest.approx(3.2 - cut)],
    ]
    assert np.abs(out[:160]).max() > 0.1  # starts right at the tone


def test_beg_ignores_a_hiss_floor(tmp_path: Path, make_step) -> None:
    speech, _ = piper_speech("Hello there.", sr=SR)
    signal = concat(silence(1.5), speech) + noise(1.5 + len(speech) / SR, amp=0.004, seed=3)
    path = write_wav(tmp_path / "hiss.wav", signal, SR)
    result = beg_silence_trimmer.run(make_step(path), BegSilenceTrimmerParams())
    first_voice = 1.5 + np.flatnonzero(np.abs(speech) > 0.02)[0] / SR
    assert result.metrics["trimmed_seconds"] == pytest.approx(first_voice, abs=0.1)


def test_beg_keeps_all_silence_untouched(tmp_path: Path, make_step) -> None:
    path = write_wav(tmp_path / "s.wav", silence(1.0), SR)
    result = beg_silence_trimmer.run(make_step(path), BegSilenceTrimmerParams(manual_segments=[(0.1, 0.2)]))
    assert result.metrics["silence_only"] is True
    assert result.metrics["manual_segments"] == [[0.1, 0.2]]
    assert sf.info(result.output_path).frames == SR


def test_end_trims_trailing_silence_keeps_channels(tmp_path: Path, make_step) -> None:
    left = concat(silence(0.3), tone(300, 1.0), silence(1.2))
    right = concat(silence(0.3), tone(500, 1.2), silence(1.0))
    path = write_wav(tmp_path / "st.wav", stereo(left, right), SR)
    result = end_silence_trimmer.run(make_step(path), EndSilenceTrimmerParams())
    info = sf.info(result.output_path)
    assert info.channels == 2
    assert info.frames / SR == pytest.approx(1.5, abs=0.011)  # ends with the longer (right) tone
    assert result.metrics["trimmed_seconds"] == pytest.approx(1.0, abs=0.011)


def test_continuous_tone_is_not_trimmed() -> None:
    data = tone(440, 1.0)[None, :]
    assert active_bounds(data, SR) == (0, SR)


def test_trimmer_params_reject_bad_segments() -> None:
    import msgspec

    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"manual_segments": [[2.0, 1.0]]}, BegSilenceTrimmerParams)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"manual_segments": [[-1.0, 1.0]]}, BegSilenceTrimmerParams)
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"anything": 1}, EndSilenceTrimmerParams)
