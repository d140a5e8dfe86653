"""scaigrid.audio.probe: what an input holds, read from its headers without decoding it."""

from __future__ import annotations

import io
from pathlib import Path

import msgspec
import numpy as np
import pytest
from scaigrid.audio import AudioDecodeError, AudioInfo, decode_bytes, encode, probe

from tests.audio_fixtures import stereo, tone, webm_opus, write_wav

SR = 16000


@pytest.mark.parametrize(
    ("fmt", "codec", "container", "exact_frames"),
    [
        ("wav", "pcm_s16le", "wav", True),
        ("flac", "flac", "flac", True),
        ("mp3", "mp3", "mp3", False),
        ("opus", "opus", "ogg", False),
        ("m4a", "aac", "mp4", False),
        ("aac", "aac", "adts", False),
    ],
)
def test_probe_describes_each_format(fmt: str, codec: str, container: str, exact_frames: bool) -> None:
    pcm = tone(440, 2.0, SR)
    info = probe(io.BytesIO(encode(pcm, SR, fmt)))
    assert isinstance(info, AudioInfo)
    assert (info.codec, info.container, info.channels) == (codec, container, 1)
    assert info.sample_rate == (48000 if fmt == "opus" else SR)
    # ADTS has no length field: FFmpeg estimates it from the bitrate.
    assert info.duration_seconds == pytest.approx(2.0, abs=0.2 if fmt == "aac" else 0.01)
    assert info.duration_exact == (fmt != "aac")
    assert (info.frames == 2 * SR) if exact_frames else info.frames is None
    assert info.bit_rate and info.bit_rate > 0


def test_probe_reads_a_path_and_reports_stereo(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "st.wav", stereo(tone(440, 1.5, 44100), tone(660, 1.5, 44100)), 44100)
    info = probe(path)
    assert (info.sample_rate, info.channels, info.frames) == (44100, 2, 66150)
    assert info.duration_seconds == pytest.approx(1.5)
    assert msgspec.json.decode(msgspec.json.encode(info), type=AudioInfo) == info


def test_recorder_webm_without_duration_is_measured_from_packets() -> None:
    data = webm_opus(tone(300, 2.5, SR), SR, live=True)
    info = probe(io.BytesIO(data))
    assert (info.container, info.codec) == ("webm", "opus")
    assert info.duration_exact is False
    assert info.duration_seconds == pytest.approx(2.5, abs=0.03)


def test_probe_reads_headers_only(speech: np.ndarray) -> None:
    """A FLAC whose frames are destroyed still probes (its STREAMINFO is intact), while
    decoding it fails: probe never decoded the audio."""
    data = bytearray(encode(speech, SR, "flac"))
    data[200:] = bytes(len(data) - 200)
    info = probe(io.BytesIO(bytes(data)))
    assert info.frames == len(speech)
    with pytest.raises(AudioDecodeError) as err:
        decode_bytes(bytes(data))
    assert err.value.code == "UNDECODABLE_AUDIO"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "EMPTY_AUDIO"),
        (b"just some text, definitely not audio\n" * 20, "UNSUPPORTED_AUDIO"),
    ],
)
def test_probe_errors_are_coded(data: bytes, code: str) -> None:
    with pytest.raises(AudioDecodeError) as err:
        probe(io.BytesIO(data))
    assert err.value.code == code


def test_probe_sees_a_truncated_wav() -> None:
    data = encode(tone(440, 2.0, SR), SR, "wav")
    with pytest.raises(AudioDecodeError) as err:
        probe(io.BytesIO(data[:20000]))
    assert err.value.code == "UNDECODABLE_AUDIO"
    assert err.value.details["declared_bytes"] == 64000
