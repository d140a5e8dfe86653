"""scaigrid.audio.decode: any input to float32 PCM at a requested rate and layout, and the coded
errors for empty, foreign, truncated and corrupt input."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import pytest
from scaigrid.audio import AudioDecodeError, decode, decode_bytes, decode_with_rate, encode, resample
from scaigrid.errors import ScaigridError

from tests.audio_fixtures import resample_poly, stereo, tone, webm_opus, write_wav
from tests.host.audio.signals import best_lag, correlation, dominant_hz

SR = 16000


def test_path_file_object_and_bytes_decode_alike(tmp_path: Path, speech: np.ndarray) -> None:
    data = encode(speech, SR, "mp3")
    path = tmp_path / "speech.mp3"
    path.write_bytes(data)
    from_path = decode(path)
    assert np.array_equal(from_path, decode(str(path)))
    assert np.array_equal(from_path, decode(io.BytesIO(data)))
    assert np.array_equal(from_path, decode_bytes(data))


def test_decodes_to_the_requested_rate(tmp_path: Path) -> None:
    pcm = tone(1000, 1.0, 44100)
    path = write_wav(tmp_path / "tone.wav", pcm, 44100)
    for rate in (8000, 16000, 22050, 48000):
        out, got_rate = decode_with_rate(path, sample_rate=rate)
        assert got_rate == rate
        assert len(out) == rate
        assert dominant_hz(out, rate) == pytest.approx(1000, abs=2)
        # Same result as decoding at the source rate and resampling (but for the last filter
        # length, where end-of-input handling differs), and as an independent resampler.
        later = resample(decode(path, sample_rate=None), 44100, rate)
        assert np.allclose(out[:-64], later[:-64], atol=1e-4)
        assert correlation(out, resample_poly(pcm, 44100, rate)) > 0.999


def test_none_keeps_the_source_rate_and_layout(tmp_path: Path) -> None:
    pcm = stereo(tone(440, 0.5, 22050), tone(880, 0.5, 22050))
    path = write_wav(tmp_path / "st.wav", pcm, 22050)
    out, rate = decode_with_rate(path, sample_rate=None, channels=None)
    assert rate == 22050
    assert out.shape == (2, 11025)
    assert np.allclose(out, pcm, atol=2 / 32768)


def test_stereo_to_mono_is_the_mean_of_the_channels(tmp_path: Path) -> None:
    left = tone(440, 0.5, SR, 0.6)
    path = write_wav(tmp_path / "left.wav", stereo(left, np.zeros_like(left)), SR)
    out = decode(path)
    assert out.shape == (len(left),)
    assert np.allclose(out, left / 2, atol=1e-4)
    # Identical channels do not get louder (FFmpeg's default matrix would scale by 1.41).
    same = write_wav(tmp_path / "same.wav", stereo(left, left), SR)
    assert np.allclose(decode(same), left, atol=1e-4)


def test_mono_to_stereo_copies_the_channel(tmp_path: Path, speech: np.ndarray) -> None:
    path = write_wav(tmp_path / "mono.wav", speech, SR)
    out = decode(path, channels=2)
    assert out.shape == (2, len(speech))
    assert np.array_equal(out[0], out[1])
    assert np.allclose(out[0], speech, atol=2 / 32768)


def test_webm_from_a_recorder_decodes(speech: np.ndarray) -> None:
    out = decode_bytes(webm_opus(speech, SR, live=True))
    assert abs(len(out) - len(speech)) <= SR * 0.002
    lag, corr = best_lag(speech, out, 400)
    assert lag == 0 and corr > 0.9


def test_streaming_wav_with_unknown_length_is_not_truncation(speech: np.ndarray) -> None:
    """Writers that cannot seek back leave the data size at 0xFFFFFFFF: "until the end"."""
    data = bytearray(encode(speech, SR, "wav"))
    data[40:44] = struct.pack("<I", 0xFFFFFFFF)
    out = decode_bytes(bytes(data))
    assert np.allclose(out, speech, atol=2 / 32768)


def test_invalid_target_is_rejected(tmp_path: Path, sweep: np.ndarray) -> None:
    path = write_wav(tmp_path / "s.wav", sweep, SR)
    with pytest.raises(ScaigridError) as info:
        decode(path, sample_rate=0)
    assert info.value.status_code == 400
    with pytest.raises(ScaigridError):
        decode(path, channels=0)


# ---- errors -------------------------------------------------------------------------------


def _expect(data: bytes, reason: str, status: int, code: str, tmp_path: Path) -> AudioDecodeError:
    path = tmp_path / "input.bin"
    path.write_bytes(data)
    for call in (lambda: decode(path), lambda: decode_bytes(data), lambda: decode(io.BytesIO(data))):
        with pytest.raises(AudioDecodeError) as info:
            call()
        err = info.value
        assert isinstance(err, ScaigridError)
        assert (err.reason, err.status_code, err.code) == (reason, status, code)
    return err


def test_empty_input(tmp_path: Path) -> None:
    _expect(b"", "empty", 400, "EMPTY_AUDIO", tmp_path)


def test_wav_without_samples_is_empty(tmp_path: Path) -> None:
    _expect(encode(np.zeros(0, np.float32), SR, "wav"), "empty", 400, "EMPTY_AUDIO", tmp_path)


def test_random_bytes_are_unsupported(tmp_path: Path) -> None:
    data = np.random.default_rng(0).integers(0, 256, 20000, dtype=np.uint8).tobytes()
    _expect(data, "unsupported", 415, "UNSUPPORTED_AUDIO", tmp_path)


def test_text_file_is_unsupported(tmp_path: Path) -> None:
    text = "Minutes of the meeting.\nAlice: hello\nBob: hi there\n" * 40
    _expect(text.encode(), "unsupported", 415, "UNSUPPORTED_AUDIO", tmp_path)


def test_image_without_audio_is_unsupported(tmp_path: Path) -> None:
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height = 32, 32
        for i in range(5):
            frame = av.VideoFrame.from_ndarray(np.full((32, 32, 3), i * 40, np.uint8), format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    err = _expect(buf.getvalue(), "unsupported", 415, "UNSUPPORTED_AUDIO", tmp_path)
    assert err.details["streams"] == ["video"]


@pytest.mark.parametrize("fmt", ["wav", "mp3", "flac", "opus", "m4a"])
def test_truncated_file_is_undecodable(fmt: str, speech: np.ndarray, tmp_path: Path) -> None:
    data = encode(speech, SR, fmt)
    err = _expect(data[: len(data) // 2], "undecodable", 400, "UNDECODABLE_AUDIO", tmp_path)
    assert err.details  # says what was declared and what was there


def test_truncated_webm_is_undecodable(speech: np.ndarray, tmp_path: Path) -> None:
    data = webm_opus(speech, SR, live=False)
    _expect(data[: len(data) // 2], "undecodable", 400, "UNDECODABLE_AUDIO", tmp_path)


def test_mp3_with_its_middle_destroyed_is_undecodable(speech: np.ndarray, tmp_path: Path) -> None:
    data = bytearray(encode(speech, SR, "mp3"))
    third = len(data) // 3
    data[third : 2 * third] = np.random.default_rng(3).integers(0, 256, third, dtype=np.uint8).tobytes()
    _expect(bytes(data), "undecodable", 400, "UNDECODABLE_AUDIO", tmp_path)


def test_header_only_is_undecodable(speech: np.ndarray, tmp_path: Path) -> None:
    _expect(encode(speech, SR, "m4a")[:200], "undecodable", 400, "UNDECODABLE_AUDIO", tmp_path)


def test_a_few_missing_bytes_are_tolerated(speech: np.ndarray) -> None:
    """Cut-off fractions of a frame (sloppy writers) are not worth rejecting an upload for."""
    data = encode(speech, SR, "wav")
    out = decode_bytes(data[:-101])
    assert len(speech) - 60 <= len(out) < len(speech)
