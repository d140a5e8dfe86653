"""slice_audio and split_audio_channel: exact sample contents of every output."""

from __future__ import annotations

from pathlib import Path

import msgspec
import numpy as np
import pytest
import soundfile as sf
from audio_engine.components import slice_audio, split_audio_channel
from audio_engine.components.slice_audio import RANGE_OUT_OF_BOUNDS, SliceAudioParams
from audio_engine.components.split_audio_channel import SplitAudioChannelParams
from audio_engine.errors import ComponentInputError

from tests.audio_fixtures import chirp, noise, stereo, tone, write_wav

SR = 16000
Q = 1.5 / 32768  # 16-bit quantisation


@pytest.fixture
def sweep(tmp_path: Path) -> tuple[Path, np.ndarray]:
    signal = chirp(100, 3000, 4.0)
    path = write_wav(tmp_path / "sweep.wav", signal, SR)
    return path, sf.read(path, dtype="float32")[0]


def test_empty_ranges_pass_through(sweep, make_step) -> None:
    path, _ = sweep
    result = slice_audio.run(make_step(path), SliceAudioParams())
    assert result.output_path == str(path) and result.output_paths == [str(path)]


def test_one_range_becomes_the_working_audio(sweep, make_step) -> None:
    path, data = sweep
    result = slice_audio.run(make_step(path), SliceAudioParams(ranges=[(1.0, 2.5)]))
    assert result.output_path == result.output_paths[0]
    out, _ = sf.read(result.output_path, dtype="float32")
    np.testing.assert_allclose(out, data[SR : int(2.5 * SR)], atol=Q)


def test_many_ranges_and_clamping(sweep, make_step) -> None:
    path, data = sweep
    result = slice_audio.run(make_step(path), SliceAudioParams(ranges=[(0.0, 0.5), (3.5, 9.0)]))
    assert result.output_path is None and len(result.output_paths) == 2
    first, _ = sf.read(result.output_paths[0], dtype="float32")
    last, _ = sf.read(result.output_paths[1], dtype="float32")
    np.testing.assert_allclose(first, data[: SR // 2], atol=Q)
    np.testing.assert_allclose(last, data[int(3.5 * SR) :], atol=Q)
    assert result.metrics["slices"] == [[0.0, 0.5], [3.5, 4.0]]


def test_range_past_the_end_is_a_client_error(sweep, make_step) -> None:
    path, _ = sweep
    with pytest.raises(ComponentInputError) as info:
        slice_audio.run(make_step(path), SliceAudioParams(ranges=[(5.0, 6.0)]))
    assert info.value.code == RANGE_OUT_OF_BOUNDS and info.value.status_code == 400


def test_slice_must_be_last_only_with_several_ranges() -> None:
    comp = slice_audio.COMPONENT
    assert not comp.requires_last(SliceAudioParams(ranges=[(0.0, 1.0)]))
    assert comp.requires_last(SliceAudioParams(ranges=[(0.0, 1.0), (1.0, 2.0)]))
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"ranges": [[1.0, 1.0]]}, SliceAudioParams)


def test_split_gives_each_channel(tmp_path: Path, make_step) -> None:
    left, right = tone(440, 1.0), noise(1.0, amp=0.2, seed=5)
    path = write_wav(tmp_path / "st.wav", stereo(left, right), SR)
    result = split_audio_channel.run(make_step(path), SplitAudioChannelParams())
    assert result.output_path is None and len(result.output_paths) == 2
    out_l, _ = sf.read(result.output_paths[0], dtype="float32")
    out_r, _ = sf.read(result.output_paths[1], dtype="float32")
    np.testing.assert_allclose(out_l, left, atol=Q)
    np.testing.assert_allclose(out_r, right, atol=Q)
    assert result.metrics == {"channels": 2}
    assert split_audio_channel.COMPONENT.requires_last(SplitAudioChannelParams())
