"""scaigrid.audio.pcm: raw s16le ⇄ float32, the WebSocket frame format."""

from __future__ import annotations

import numpy as np
import pytest
from scaigrid.audio import AudioDecodeError, float32_to_pcm_s16le, pcm_s16le_to_float32

from tests.audio_fixtures import stereo, tone


def test_known_values() -> None:
    raw = np.array([0, 16384, -32768, 32767], dtype="<i2").tobytes()
    assert pcm_s16le_to_float32(raw).tolist() == [0.0, 0.5, -1.0, 32767 / 32768]


def test_round_trip_and_clipping() -> None:
    pcm = tone(440, 0.2, 16000, 0.5)
    back = pcm_s16le_to_float32(float32_to_pcm_s16le(pcm))
    assert back.dtype == np.float32
    assert np.max(np.abs(back - pcm)) < 1.5 / 32768
    assert (
        float32_to_pcm_s16le(np.array([2.0, -2.0], np.float32)) == np.array([32767, -32768], "<i2").tobytes()
    )


def test_stereo_is_interleaved() -> None:
    pcm = stereo(np.array([0.5, 0.25], np.float32), np.array([-0.5, -0.25], np.float32))
    raw = float32_to_pcm_s16le(pcm)
    assert np.frombuffer(raw, "<i2").tolist() == [16384, -16384, 8192, -8192]
    assert np.allclose(pcm_s16le_to_float32(raw, channels=2), pcm, atol=1 / 32768)


@pytest.mark.parametrize(("size", "channels"), [(3, 1), (6, 2)])
def test_partial_frames_are_undecodable(size: int, channels: int) -> None:
    with pytest.raises(AudioDecodeError) as err:
        pcm_s16le_to_float32(bytes(size), channels=channels)
    assert err.value.reason == "undecodable"
    assert err.value.details["byte_count"] == size
