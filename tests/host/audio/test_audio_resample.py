"""scaigrid.audio.resample: exact output lengths, preserved frequencies, agreement with scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scaigrid.audio import AudioEncodeError, resample

from tests.audio_fixtures import resample_poly, stereo, tone
from tests.host.audio.signals import correlation, dominant_hz


@pytest.mark.parametrize(
    ("src", "dst"), [(16000, 8000), (16000, 44100), (44100, 16000), (48000, 16000), (8000, 48000)]
)
def test_tone_keeps_its_frequency_and_the_length_scales(src: int, dst: int) -> None:
    pcm = tone(700, 1.0, src)
    out = resample(pcm, src, dst)
    assert out.dtype == np.float32 and out.shape == (dst,)
    assert dominant_hz(out, dst) == pytest.approx(700, abs=2)
    assert np.max(np.abs(out)) == pytest.approx(0.3, abs=0.01)
    # Agrees with an independent polyphase resampler away from the edges.
    assert correlation(out[100:-100], resample_poly(pcm, src, dst)[100:-100]) > 0.9999


@pytest.mark.parametrize("n", [0, 1, 7, 16, 100, 1601])
def test_length_is_exact_even_for_tiny_inputs(n: int) -> None:
    out = resample(np.ones(n, np.float32) * 0.1, 48000, 16000)
    assert out.shape == (round(n / 3),)


def test_frequencies_above_the_new_nyquist_are_removed() -> None:
    out = resample(tone(6000, 1.0, 16000), 16000, 8000)
    assert np.max(np.abs(out[200:-200])) < 0.01


def test_stereo_stays_stereo_or_mixes_down() -> None:
    left, right = tone(440, 0.5, 16000, 0.4), tone(880, 0.5, 16000, 0.2)
    pcm = stereo(left, right)
    both = resample(pcm, 16000, 8000)
    assert both.shape == (2, 4000)
    assert dominant_hz(both[0], 8000) == pytest.approx(440, abs=3)
    assert dominant_hz(both[1], 8000) == pytest.approx(880, abs=3)
    mono = resample(pcm, 16000, 16000, channels=1)
    assert np.allclose(mono, (left + right) / 2, atol=1e-4)


def test_same_rate_returns_a_copy() -> None:
    pcm = tone(440, 0.1, 16000)
    out = resample(pcm, 16000, 16000)
    assert np.array_equal(out, pcm) and out is not pcm


def test_bad_rates_are_coded() -> None:
    with pytest.raises(AudioEncodeError) as err:
        resample(np.zeros(10, np.float32), 0, 16000)
    assert err.value.code == "INVALID_PCM"
