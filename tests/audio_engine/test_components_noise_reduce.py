"""noise_reduce on real speech under white noise: the noise drops, the speech stays, stereo becomes mono."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from audio_engine.components.noise_reduce import COMPONENT, NoiseReduceParams, run
from audio_engine.errors import ComponentInputError
from scaigrid.backends.builtin.noisereduce import NoiseReduceDenoiser, quietest_window

from tests.audio_fixtures import concat, noise, piper_speech, silence, stereo, tone, write_wav

SR = 16000


def _db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.asarray(x, dtype=np.float64) ** 2) + 1e-12))


@pytest.fixture(scope="module")
def noisy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    speech, _ = piper_speech("Noise reduction keeps the voice and removes the hiss.", sr=SR)
    clean = concat(silence(1.0), speech, silence(0.5))
    mixed = clean + noise(len(clean) / SR, amp=0.03, seed=7)
    path = write_wav(tmp_path_factory.mktemp("nr") / "noisy.wav", mixed, SR)
    return path, clean


def test_quietest_window_finds_the_silent_stretch() -> None:
    signal = concat(tone(300, 1.0, amp=0.5), silence(0.5), tone(300, 1.0, amp=0.5))
    start, end = quietest_window(signal, SR, 0.4)
    assert start >= 1.0 * SR and end <= 1.5 * SR
    assert end - start == round(0.4 * SR)


def test_noise_drops_and_speech_stays(noisy: tuple[Path, np.ndarray], make_step) -> None:
    path, clean = noisy
    result = run(make_step(path), NoiseReduceParams())
    assert result.output_path is not None
    out, sr = sf.read(result.output_path, dtype="float32")
    before, _ = sf.read(path, dtype="float32")
    assert sr == SR and out.ndim == 1 and len(out) == len(before)
    # the noise profile came from a stretch without speech
    assert result.metrics is not None
    start, end = (round(result.metrics[k] * SR) for k in ("noise_window_start_sec", "noise_window_end_sec"))
    assert end - start == SR // 2
    assert _db(clean[start:end]) < -60.0
    noise_only = slice(int(0.1 * SR), int(0.9 * SR))
    assert _db(out[noise_only]) < _db(before[noise_only]) - 12.0
    speech_part = slice(SR, len(clean) - SR // 2)
    assert _db(out[speech_part]) > _db(clean[speech_part]) - 3.0
    # speech keeps its shape: the denoised signal correlates with the clean one
    corr = np.corrcoef(out[speech_part], clean[speech_part])[0, 1]
    assert corr > 0.9


def test_stereo_is_downmixed(tmp_path: Path, make_step) -> None:
    left = tone(440, 1.0) + noise(1.0, amp=0.02, seed=1)
    right = tone(660, 1.0) + noise(1.0, amp=0.02, seed=2)
    path = write_wav(tmp_path / "st.wav", stereo(left, right), SR)
    result = run(make_step(path), NoiseReduceParams(noise_estimation_duration_sec=0.2))
    info = sf.info(result.output_path)
    assert info.channels == 1 and info.frames == SR


def test_too_short_audio_is_a_client_error(tmp_path: Path, make_step) -> None:
    path = write_wav(tmp_path / "short.wav", tone(440, 0.05), SR)
    with pytest.raises(ComponentInputError) as info:
        run(make_step(path), NoiseReduceParams())
    assert info.value.status_code == 400


def test_denoise_backend_matches_the_component(noisy: tuple[Path, np.ndarray], make_step) -> None:
    path, _ = noisy
    pcm, sr = sf.read(path, dtype="float32")
    backend_out = NoiseReduceDenoiser().denoise(pcm, sr)
    component_out, _ = sf.read(run(make_step(path), NoiseReduceParams()).output_path, dtype="float32")
    assert backend_out.shape == pcm.shape
    np.testing.assert_allclose(backend_out, component_out, atol=2 / 32768)


def test_registration() -> None:
    assert COMPONENT.pool == "process" and COMPONENT.produces_audio and not COMPONENT.needs
