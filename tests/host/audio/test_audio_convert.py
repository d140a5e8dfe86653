"""scaigrid.audio.convert: frames to PCM across format changes, and the growable PCM buffer."""

from __future__ import annotations

import numpy as np
from av.audio.frame import AudioFrame
from scaigrid.audio.convert import FrameConverter, PcmBuffer

from tests.audio_fixtures import tone


def frame(pcm: np.ndarray, rate: int, fmt: str = "fltp") -> AudioFrame:
    planar = pcm[np.newaxis, :] if pcm.ndim == 1 else pcm
    layout = "mono" if planar.shape[0] == 1 else "stereo"
    if fmt == "s16":
        data = (planar.T.reshape(1, -1) * 32767).astype(np.int16)
        out = AudioFrame.from_ndarray(data, format="s16", layout=layout)
    else:
        out = AudioFrame.from_ndarray(np.ascontiguousarray(planar, np.float32), format="fltp", layout=layout)
    out.sample_rate = rate
    return out


def test_a_rate_change_mid_stream_starts_a_new_resampler() -> None:
    converter = FrameConverter(16000, 1)
    blocks = converter.convert(frame(tone(440, 0.5, 48000), 48000))
    blocks += converter.convert(frame(tone(440, 0.5, 8000), 8000, fmt="s16"))
    blocks += converter.flush()
    total = sum(b.shape[1] for b in blocks)
    assert all(b.dtype == np.float32 and b.shape[0] == 1 for b in blocks)
    assert abs(total - 16000) <= 2


def test_none_keeps_the_first_frame_format() -> None:
    converter = FrameConverter(None, None)
    stereo = np.stack([tone(440, 0.1, 22050), tone(880, 0.1, 22050)])
    blocks = converter.convert(frame(stereo, 22050)) + converter.flush()
    assert (converter.rate, converter.channels) == (22050, 2)
    assert np.allclose(np.concatenate(blocks, axis=1), stereo, atol=1e-6)


def test_buffer_grows_and_trims() -> None:
    buffer = PcmBuffer(1024)
    parts = [np.full((1, 700), i, np.float32) for i in range(5)]
    buffer.extend(parts)
    assert buffer.length == 3500
    out = buffer.result(mono=True)
    assert out.shape == (3500,) and np.array_equal(out, np.concatenate(parts, axis=1)[0])
    buffer.truncate(1000)
    assert buffer.result(mono=True).shape == (1000,)
    assert PcmBuffer(10).result(mono=False, channels=2).shape == (2, 0)
