"""scaigrid.audio.encode: every output format round-trips through decode with its length and content."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from scaigrid.audio import (
    FORMATS,
    MEDIA_TYPES,
    AudioEncodeError,
    decode,
    decode_bytes,
    encode,
    encoded_rate,
    probe,
)

from tests.audio_fixtures import stereo, tone
from tests.host.audio.signals import best_lag, correlation

SR = 16000
# Formats whose container tells the decoder how much encoder delay and padding to drop.
GAPLESS = ["wav", "flac", "mp3", "opus", "ogg", "m4a"]


def decoded(data: bytes, fmt: str, **kwargs: object) -> np.ndarray:
    if fmt == "pcm":
        from scaigrid.audio import pcm_s16le_to_float32

        return pcm_s16le_to_float32(data)
    return decode_bytes(data, **kwargs)  # type: ignore[arg-type]


def test_formats_cover_the_issue_list() -> None:
    assert {"wav", "flac", "mp3", "opus", "ogg", "aac", "m4a", "pcm"} == FORMATS
    assert set(MEDIA_TYPES) == FORMATS


@pytest.mark.parametrize("fmt", [*GAPLESS, "pcm"])
@pytest.mark.parametrize("signal", ["speech", "sweep"])
def test_round_trip_keeps_length_and_content(fmt: str, signal: str, request: pytest.FixtureRequest) -> None:
    pcm = request.getfixturevalue(signal)
    data = encode(pcm, SR, fmt)
    assert isinstance(data, bytes) and data
    out = decoded(data, fmt)
    assert out.dtype == np.float32 and out.ndim == 1
    # Within 2 ms of the input: the container's delay/padding information was applied.
    assert abs(len(out) - len(pcm)) <= SR * 0.002, (fmt, len(out), len(pcm))
    lag, corr = best_lag(pcm, out, 400)
    assert lag == 0, (fmt, lag)
    lossless = fmt in ("wav", "flac", "pcm")
    assert corr > (0.9999 if lossless else 0.9), (fmt, corr)
    if lossless:
        assert np.max(np.abs(out - pcm)) < 2 / 32768


def test_adts_keeps_content_but_carries_the_encoder_delay(speech: np.ndarray) -> None:
    """ADTS has nowhere to say how many priming samples to drop: the decode starts with
    FFmpeg's 1024-sample AAC encoder delay and ends on a whole frame."""
    out = decode_bytes(encode(speech, SR, "aac"))
    lag, corr = best_lag(speech, out, 4096)
    assert lag == 1024
    assert corr > 0.9
    assert 0 <= len(out) - len(speech) - 1024 < 2 * 1024


def test_stereo_channels_stay_apart() -> None:
    left, right = tone(440, 1.0, 44100, 0.4), tone(1000, 1.0, 44100, 0.2)
    pcm = stereo(left, right)
    for fmt in ("wav", "flac", "mp3", "opus", "m4a"):
        out = decode_bytes(encode(pcm, 44100, fmt), sample_rate=44100, channels=None)
        assert out.shape[0] == 2, fmt
        assert correlation(out[0], left) > 0.95, fmt
        assert correlation(out[1], right) > 0.95, fmt
        assert abs(correlation(out[0], right)) < 0.2, fmt


def test_unsupported_rates_are_carried_at_the_next_supported_rate(sweep: np.ndarray) -> None:
    assert encoded_rate("opus", 44100) == 48000
    assert encoded_rate("mp3", 96000) == 48000
    assert encoded_rate("wav", 44100) == 44100
    pcm = tone(500, 1.0, 44100)
    info = probe(io.BytesIO(encode(pcm, 44100, "opus")))
    assert info.sample_rate == 48000
    back = decode_bytes(encode(pcm, 44100, "opus"), sample_rate=44100)
    assert abs(len(back) - len(pcm)) <= 44100 * 0.002


def test_encode_to_path_writes_the_same_bytes(tmp_path: Path, sweep: np.ndarray) -> None:
    # Ogg/Opus is left out: each Ogg stream gets a random serial number.
    for fmt in ("wav", "flac", "mp3", "m4a", "aac", "pcm"):
        target = tmp_path / f"out.{fmt}"
        assert encode(sweep, SR, fmt, target) == target
        assert target.read_bytes() == encode(sweep, SR, fmt), fmt
    target = tmp_path / "out.opus"
    encode(sweep, SR, "opus", target)
    assert abs(len(decode(target)) - len(sweep)) <= SR * 0.002


def test_bitrate_changes_the_size(speech: np.ndarray) -> None:
    small = encode(speech, SR, "mp3", bitrate=32_000)
    large = encode(speech, SR, "mp3", bitrate=128_000)
    assert len(large) > 2 * len(small)


def test_out_of_range_samples_are_clipped_not_wrapped() -> None:
    loud = np.full(1600, 1.5, dtype=np.float32)
    out = decode_bytes(encode(loud, SR, "wav"))
    assert np.all(out > 0.99)


@pytest.mark.parametrize(
    ("pcm", "rate", "fmt", "code"),
    [
        (np.zeros(100, np.float32), SR, "wma", "UNSUPPORTED_OUTPUT_FORMAT"),
        (np.array([0.0, np.nan], np.float32), SR, "wav", "INVALID_PCM"),
        (np.zeros((2, 2, 2), np.float32), SR, "wav", "INVALID_PCM"),
        (np.zeros((3, 100), np.float32), SR, "mp3", "INVALID_PCM"),
        (np.zeros(100, np.float32), 0, "wav", "INVALID_PCM"),
    ],
)
def test_bad_input_is_a_coded_400(pcm: np.ndarray, rate: int, fmt: str, code: str) -> None:
    with pytest.raises(AudioEncodeError) as info:
        encode(pcm, rate, fmt)
    assert info.value.status_code == 400
    assert info.value.code == code
